import { DEFAULT_HOLDER, DEFAULT_LICENSE, type Settings } from '../src/inputs.js';
import { HEAD_BYTES, type HeadRead, runScan, type ScanPorts, type ScanResult } from '../src/scan.js';

export type MemoryEntry = string | Buffer | { symlink: string } | { directory: true };

/** In-memory ports: a file tree, a change list, commit years. Records writes. */
export class MemoryRepo implements ScanPorts {
  readonly files = new Map<string, MemoryEntry>();
  readonly writes: string[] = [];
  changed: string[] | undefined;
  head = 2026;
  now = 2026;
  lastChange = new Map<string, number>();
  shallow = false;
  historyCalls = 0;

  constructor(files: Record<string, MemoryEntry> = {}) {
    for (const [path, entry] of Object.entries(files)) this.files.set(path, entry);
  }

  async listTracked() {
    return [...this.files.keys()].sort();
  }
  async changedFiles() {
    return this.changed;
  }
  moved = new Set<string>();
  async movedOnly() {
    return this.moved;
  }
  async headYear() {
    return this.head;
  }
  async lastChangeYears(paths: readonly string[]) {
    this.historyCalls++;
    const years = new Map<string, number>();
    for (const path of paths) {
      const year = this.lastChange.get(path);
      if (year !== undefined) years.set(path, year);
    }
    return { years, shallow: this.shallow };
  }
  readHead(path: string): HeadRead {
    const entry = this.files.get(path);
    if (entry === undefined) return { kind: 'missing' };
    if (typeof entry === 'object' && 'symlink' in entry) return { kind: 'symlink' };
    if (typeof entry === 'object' && 'directory' in entry) return { kind: 'not-a-file' };
    const bytes = Buffer.from(entry as string | Buffer);
    return { kind: 'file', bytes: bytes.subarray(0, HEAD_BYTES), complete: bytes.length <= HEAD_BYTES };
  }
  readFile(path: string): Buffer {
    return Buffer.from(this.files.get(path) as string | Buffer);
  }
  writeFile(path: string, bytes: Buffer): void {
    this.writes.push(path);
    this.files.set(path, Buffer.from(bytes));
  }
  currentYear() {
    return this.now;
  }
  text(path: string): string {
    return Buffer.from(this.files.get(path) as string | Buffer).toString('utf8');
  }
  bytes(path: string): Buffer {
    return Buffer.from(this.files.get(path) as string | Buffer);
  }
}

export function settings(overrides: Partial<Settings> = {}): Settings {
  const defaults: Settings = {
    scope: 'all',
    holders: [DEFAULT_HOLDER],
    maxAnnotations: 10,
    licenses: [DEFAULT_LICENSE],
    yearRule: 'changed',
    ignore: [],
    unknownTypes: 'warn',
    fix: false,
    fileTypes: [],
  };
  return { ...defaults, ...overrides };
}

export async function scan(repo: MemoryRepo, overrides: Partial<Settings> = {}): Promise<ScanResult> {
  return runScan(settings(overrides), repo);
}

export const HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';

/** The two header lines with a comment leader. */
export function header(leader: string, years = '2026', license = 'Apache-2.0'): string {
  return `${leader} SPDX-FileCopyrightText: Copyright (c) ${years} ${HOLDER}\n${leader} SPDX-License-Identifier: ${license}\n`;
}

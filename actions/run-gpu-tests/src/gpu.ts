/** What GPUs this runner has: `nvidia-smi -L` first, then the device nodes. */
import { readdirSync } from 'node:fs';
import type { ExecResult } from '@dynamo-ci/core';
import type { GpuInfo } from './run.js';

/** `GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-…)` lines -> model names. */
export function parseNvidiaSmiList(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^GPU \d+: (.+?)(?: \(UUID: [^)]*\))?\s*$/.exec(line.trim());
    if (match) names.push(match[1] as string);
  }
  return names;
}

/** `nvidia0`, `nvidia1`, … (not `nvidiactl`, `nvidia-uvm`). */
export function countDeviceNodes(entries: readonly string[]): number {
  return entries.filter((entry) => /^nvidia\d+$/.test(entry)).length;
}

export async function detectGpus(
  run: (command: string, args: readonly string[]) => Promise<ExecResult>,
  listDev: () => string[] = () => readdirSync('/dev'),
): Promise<GpuInfo> {
  try {
    const result = await run('nvidia-smi', ['-L']);
    if (result.exitCode === 0) {
      const names = parseNvidiaSmiList(result.stdout);
      if (names.length > 0) return { count: names.length, names, source: 'nvidia-smi' };
    }
  } catch {
    // nvidia-smi is not installed: fall through to the device nodes.
  }
  let devices = 0;
  try {
    devices = countDeviceNodes(listDev());
  } catch {
    devices = 0;
  }
  return devices > 0 ? { count: devices, names: [], source: '/dev' } : { count: 0, names: [], source: 'none' };
}

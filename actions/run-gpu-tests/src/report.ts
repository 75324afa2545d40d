/**
 * The run's report (the `report` output and report.json) and the pure pieces that build its entries
 * from verdicts: names, 1-based locations, the failing line from a traceback.
 */

import type { Inputs } from './inputs.js';
import type { Arch, Gpus } from './markers.js';
import type { Counts, StopReason, TestVerdict } from './results.js';

export type RunResult = 'success' | 'failure' | 'timed-out' | 'cancelled' | 'empty';

export interface PhaseReport {
  name: string;
  expression?: string;
  workers: number | 'auto';
  exitCode?: number;
  durationSeconds: number;
  tests: number;
  stop?: StopReason;
  /** Not started: the deadline had passed or the run was cancelled. */
  skipped?: boolean;
  /** The JUnit file was missing and the action wrote it from the live log. */
  synthesized?: boolean;
}

export interface FailureEntry {
  test: string;
  nodeid?: string;
  file?: string;
  line?: number;
  outcome: 'failed' | 'error';
  message?: string;
  details?: string;
  attempts: number;
}

export interface Report {
  result: RunResult;
  counts: Counts;
  markerExpression: string;
  engine: Inputs['engine'];
  image?: string;
  arch: Arch;
  gpus: { requested: Gpus; effective: Gpus; visible: number; names: string[]; source: string };
  durationSeconds: number;
  phases: PhaseReport[];
  failures: FailureEntry[];
  flaky: { test: string; nodeid?: string; file?: string; line?: number; firstFailure?: string; attempts: number }[];
  killed: { test: string; file?: string; line?: number; message?: string }[];
  slowest: { test: string; seconds: number }[];
  shard?: {
    index: number;
    count: number;
    tests: number;
    collected: number;
    plannedSeconds: number;
    estimated: number;
    fingerprint: string;
    durationsRestored: boolean;
  };
  unknownMarkers: string[];
  problems: string[];
  junitFiles: string[];
  /** Entries left out of `failures`/`flaky` to keep the report small. */
  omitted: { failures: number; flaky: number };
}

/** Keep the JSON output small; the JUnit files hold everything. */
export const REPORT_LIMITS = { failures: 50, flaky: 50, slowest: 10, details: 2000 };

export function testName(testcase: { nodeid?: string; classname: string; name: string }): string {
  if (testcase.nodeid !== undefined) return testcase.nodeid;
  return testcase.classname === '' ? testcase.name : `${testcase.classname}::${testcase.name}`;
}

/** JUnit (xunit1) and the live log both give pytest's 0-based line; annotations want 1-based. */
export function location(testcase: { file?: string; line?: number }): { file?: string; line?: number } {
  const result: { file?: string; line?: number } = {};
  if (testcase.file !== undefined && testcase.file !== '') result.file = testcase.file;
  if (testcase.line !== undefined) result.line = testcase.line + 1;
  return result;
}

/**
 * The line that failed, from the traceback's last `file:line:` in the test's own file, so the
 * annotation sits on the assert rather than on the decorator pytest reports as the test's line.
 */
export function failingLine(file: string | undefined, details: string | undefined): number | undefined {
  if (file === undefined || details === undefined) return undefined;
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let line: number | undefined;
  for (const match of details.matchAll(new RegExp(`^(?:.*/)?${escaped}:(\\d+):`, 'gm'))) line = Number(match[1]);
  return line;
}

export function failureEntry(verdict: TestVerdict): FailureEntry {
  const entry: FailureEntry = {
    test: testName(verdict),
    ...location(verdict),
    outcome: verdict.outcome === 'error' ? 'error' : 'failed',
    attempts: verdict.attempts,
  };
  const line = failingLine(entry.file, verdict.details);
  if (line !== undefined) entry.line = line;
  if (verdict.nodeid !== undefined) entry.nodeid = verdict.nodeid;
  if (verdict.message !== undefined) entry.message = verdict.message.slice(0, REPORT_LIMITS.details);
  if (verdict.details !== undefined) entry.details = verdict.details.slice(0, REPORT_LIMITS.details);
  return entry;
}

export function byLocation(a: TestVerdict, b: TestVerdict): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Seconds and minutes in the report: two decimals. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

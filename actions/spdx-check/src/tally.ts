/**
 * One pass over a scan's results: the counts and the files each report lists (outputs,
 * annotations, summary, log all read the same tally). Pure.
 */
import type { FileResult, SkipReason } from './scan.js';

export interface Counts {
  checked: number;
  passed: number;
  fixed: number;
  failed: number;
  skipped: number;
  unknown: number;
  skippedBy: Partial<Record<SkipReason, number>>;
}

export interface Tally {
  counts: Counts;
  failed: FileResult[];
  fixed: FileResult[];
  /** Files fix mode rewrote: the fixed ones, and failing ones it repaired in part. */
  rewritten: FileResult[];
  /** Files of unknown type, failed or not. */
  unknown: FileResult[];
}

const TALLIES = new WeakMap<readonly FileResult[], Tally>();

/** Tally a result list (once: the outputs, annotations and summary all read it). */
export function tally(files: readonly FileResult[]): Tally {
  const known = TALLIES.get(files);
  if (known) return known;
  const counts: Counts = { checked: 0, passed: 0, fixed: 0, failed: 0, skipped: 0, unknown: 0, skippedBy: {} };
  const result: Tally = { counts, failed: [], fixed: [], rewritten: [], unknown: [] };
  for (const file of files) {
    counts[file.outcome]++;
    if (file.outcome === 'passed') continue;
    if (file.fixed.length > 0) result.rewritten.push(file);
    if (file.outcome === 'failed') result.failed.push(file);
    else if (file.outcome === 'fixed') result.fixed.push(file);
    else if (file.skipReason) counts.skippedBy[file.skipReason] = (counts.skippedBy[file.skipReason] ?? 0) + 1;
    if (file.unknownType) result.unknown.push(file);
  }
  counts.unknown = result.unknown.length;
  counts.checked = counts.passed + counts.fixed + counts.failed;
  TALLIES.set(files, result);
  return result;
}

/** Counts by outcome and skip reason. */
export function countResults(files: readonly FileResult[]): Counts {
  return tally(files).counts;
}

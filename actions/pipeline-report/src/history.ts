/**
 * The history: one compact file per workflow and branch that says, for the last N runs, which
 * legs reported and which tests failed or were flaky in each. Pure. A test is stored only while
 * it failed or was flaky in some run of the window, as one character per run:
 *   `.` passed (or was absent) while its leg reported, `F` failed, `K` flaky (failed, then passed
 *   on a rerun), `-` its leg did not report in that run.
 * So the file stays small (a few KiB for a healthy suite, bounded by `maxTests` for a sick one),
 * and a missing, expired or malformed history only means "no history": the next file starts over.
 */
import type { Leg } from './legs.js';

export const HISTORY_SCHEMA = 'dynamo-ci/pipeline-report-history@1';

export interface HistoryRun {
  id: number;
  number: number;
  attempt: number;
  /** ISO time the run was created. */
  at: string;
  /** The legs that reported in this run. */
  legs: string[];
}

export interface History {
  schema: typeof HISTORY_SCHEMA;
  repository: string;
  /** The workflow file's path. */
  workflow: string;
  branch: string;
  /** Oldest first. */
  runs: HistoryRun[];
  /** `leg \u001f test key` -> one character per run in `runs`. */
  tests: Record<string, string>;
}

export interface HistoryScope {
  repository: string;
  workflow: string;
  branch: string;
}

export interface HistoryLimits {
  /** Runs kept. */
  runs: number;
  /** Tests kept: those with the most recent failure or flake win. */
  tests: number;
}

const SEPARATOR = '\u001f';
const MAX_RUNS_READ = 1000;
const MAX_TESTS_READ = 200_000;

export function testId(leg: string, key: string): string {
  return `${leg}${SEPARATOR}${key}`;
}

export function splitTestId(id: string): { leg: string; key: string } {
  const at = id.indexOf(SEPARATOR);
  return { leg: id.slice(0, at), key: id.slice(at + 1) };
}

/**
 * Parse and check a history file against the workflow and branch it must describe. Throws an
 * Error saying what is wrong; entries that do not fit the runs are dropped, not trusted.
 */
export function parseHistory(text: string, scope: HistoryScope): History {
  let value: any;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || value.schema !== HISTORY_SCHEMA) {
    throw new Error(`its schema is ${JSON.stringify(value?.schema)}, expected "${HISTORY_SCHEMA}"`);
  }
  for (const key of ['repository', 'workflow', 'branch'] as const) {
    if (value[key] !== scope[key]) {
      throw new Error(`it is for ${key} ${JSON.stringify(value[key])}, not ${JSON.stringify(scope[key])}`);
    }
  }
  if (!Array.isArray(value.runs) || value.runs.length > MAX_RUNS_READ) throw new Error('its runs are not a list');
  const runs: HistoryRun[] = [];
  for (const run of value.runs) {
    if (typeof run?.id !== 'number' || !Array.isArray(run.legs)) throw new Error('a run entry is malformed');
    runs.push({
      id: run.id,
      number: typeof run.number === 'number' ? run.number : run.id,
      attempt: typeof run.attempt === 'number' ? run.attempt : 1,
      at: typeof run.at === 'string' ? run.at : '',
      legs: run.legs.filter((leg: unknown): leg is string => typeof leg === 'string'),
    });
  }
  const tests: Record<string, string> = {};
  const entries = Object.entries(typeof value.tests === 'object' && value.tests !== null ? value.tests : {});
  if (entries.length > MAX_TESTS_READ) throw new Error(`it holds ${entries.length} tests, over ${MAX_TESTS_READ}`);
  const valid = new RegExp(`^[.FK-]{${runs.length}}$`);
  for (const [id, marks] of entries) {
    if (id.includes(SEPARATOR) && typeof marks === 'string' && valid.test(marks)) tests[id] = marks;
  }
  return {
    schema: HISTORY_SCHEMA,
    repository: scope.repository,
    workflow: scope.workflow,
    branch: scope.branch,
    runs,
    tests,
  };
}

/** A failure's standing against the history. */
export interface Standing {
  status: 'new' | 'known' | 'unknown';
  /** For `known`: the run number of the oldest failure in the unbroken streak. */
  since?: number;
  /** The streak reaches the oldest run the history holds: failing since at least then. */
  sinceAtLeast?: boolean;
  /** Failures in the streak before this run. */
  streak?: number;
}

function markOf(history: History, index: number, leg: string, marks: string | undefined): string {
  const mark = marks?.[index];
  if (mark !== undefined) return mark;
  return history.runs[index]?.legs.includes(leg) ? '.' : '-';
}

/**
 * New, or failing since run N: walk back from the newest run, skipping runs where the leg did not
 * report, counting failures until a pass or a flake. No history, or no run where the leg reported,
 * is `unknown`.
 */
export function standing(history: History | undefined, leg: string, key: string, currentRunId?: number): Standing {
  if (!history) return { status: 'unknown' };
  const marks = history.tests[testId(leg, key)];
  let streak = 0;
  let since: number | undefined;
  let reported = false;
  for (let index = history.runs.length - 1; index >= 0; index--) {
    const run = history.runs[index] as HistoryRun;
    if (run.id === currentRunId) continue;
    const mark = markOf(history, index, leg, marks);
    if (mark === '-') continue;
    reported = true;
    if (mark !== 'F') return streak === 0 ? { status: 'new' } : { status: 'known', since, streak };
    streak++;
    since = run.number;
  }
  if (!reported) return { status: 'unknown' };
  return { status: 'known', since, streak, sinceAtLeast: true };
}

/**
 * The history with this run added (or replacing an earlier attempt of it), trimmed to `limits`.
 * Tests whose window holds no failure or flake are dropped.
 */
export function appendRun(
  previous: History | undefined,
  scope: HistoryScope,
  run: HistoryRun,
  legs: readonly Leg[],
  limits: HistoryLimits,
): History {
  const base: History = previous ?? { schema: HISTORY_SCHEMA, ...scope, runs: [], tests: {} };
  // A re-run of the same run replaces its column instead of counting twice.
  const keepRuns = base.runs.filter((existing) => existing.id !== run.id);
  const keepIndexes = base.runs.flatMap((existing, index) => (existing.id === run.id ? [] : [index]));
  const reportedLegs = legs.filter((leg) => leg.state === 'reported');
  const runs = [...keepRuns, { ...run, legs: reportedLegs.map((leg) => leg.name).sort() }];
  const current = new Map<string, string>();
  for (const leg of reportedLegs) {
    for (const test of leg.tests) {
      const mark = test.outcome === 'failed' || test.outcome === 'error' ? 'F' : test.flaky ? 'K' : undefined;
      if (mark) current.set(testId(leg.name, test.key), mark);
    }
  }
  const legsReported = new Set(reportedLegs.map((leg) => leg.name));
  const tests = new Map<string, string>();
  const fill = (leg: string) => keepRuns.map((existing) => (existing.legs.includes(leg) ? '.' : '-')).join('');
  const replacing = keepIndexes.length !== base.runs.length;
  for (const [id, marks] of Object.entries(base.tests)) {
    const kept = replacing ? keepIndexes.map((index) => marks[index] as string).join('') : marks;
    const { leg } = splitTestId(id);
    tests.set(id, kept + (current.get(id) ?? (legsReported.has(leg) ? '.' : '-')));
  }
  for (const [id, mark] of current) {
    if (!tests.has(id)) tests.set(id, fill(splitTestId(id).leg) + mark);
  }
  const drop = Math.max(0, runs.length - limits.runs);
  const window = runs.slice(drop);
  const lastBad = new Map<string, number>();
  for (const [id, marks] of tests) {
    const trimmed = marks.slice(drop);
    const last = Math.max(trimmed.lastIndexOf('F'), trimmed.lastIndexOf('K'));
    if (last === -1) tests.delete(id);
    else {
      tests.set(id, trimmed);
      lastBad.set(id, last);
    }
  }
  let kept = [...tests.keys()];
  if (kept.length > limits.tests) {
    kept = kept.sort((a, b) => (lastBad.get(b) as number) - (lastBad.get(a) as number) || (a < b ? -1 : 1));
    kept = kept.slice(0, limits.tests);
  }
  kept.sort();
  return {
    schema: HISTORY_SCHEMA,
    ...scope,
    runs: window,
    tests: Object.fromEntries(kept.map((id) => [id, tests.get(id) as string])),
  };
}

export interface FlakyRate {
  leg: string;
  key: string;
  /** Runs in which it was flaky. */
  flaky: number;
  /** Runs in which its leg reported. */
  runs: number;
  /** Whether it was flaky in the newest run. */
  now: boolean;
}

/** Every test flaky at least once in the window, most flaky first. */
export function flakyRates(history: History): FlakyRate[] {
  const rates: FlakyRate[] = [];
  for (const [id, marks] of Object.entries(history.tests)) {
    const flaky = [...marks].filter((mark) => mark === 'K').length;
    if (flaky === 0) continue;
    const runs = [...marks].filter((mark) => mark !== '-').length;
    const { leg, key } = splitTestId(id);
    rates.push({ leg, key, flaky, runs, now: marks.endsWith('K') });
  }
  return rates.sort(
    (a, b) => b.flaky / b.runs - a.flaky / a.runs || b.flaky - a.flaky || (a.leg + a.key < b.leg + b.key ? -1 : 1),
  );
}

/**
 * From what pytest left behind (JUnit files, the helper's live log) to one verdict per test:
 * killed and crashed runs get synthesized `error` testcases for the tests that were running, and
 * reruns turn a failure into a pass marked flaky instead of hiding it.
 */
import type { JunitCase, Outcome } from '@dynamo-ci/core';

export interface LiveStart {
  nodeid: string;
  file: string;
  line?: number;
}

export interface LiveFinish {
  nodeid: string;
  outcome: Outcome;
  duration: number;
  message?: string;
}

/** Where pytest ran: its working directory, rootdir, and configuration file (null: none found). */
export interface LiveSession {
  cwd: string;
  rootdir: string;
  inifile: string | null;
}

export interface LiveLog {
  starts: Map<string, LiveStart>;
  finishes: Map<string, LiveFinish>;
  sessionFinished: boolean;
  unknownMarkers: string[];
  session?: LiveSession;
  /** Collection errors in the order pytest met them (nodeid '' is the directory it started from). */
  collectErrors: { nodeid: string; message: string }[];
}

/** Parse the helper's JSON lines; a half-written last line (a killed run) is ignored. */
export function parseLiveLog(text: string): LiveLog {
  const log: LiveLog = {
    starts: new Map(),
    finishes: new Map(),
    sessionFinished: false,
    unknownMarkers: [],
    collectErrors: [],
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const nodeid = typeof record.nodeid === 'string' ? record.nodeid : undefined;
    if (record.event === 'start' && nodeid !== undefined) {
      const start: LiveStart = { nodeid, file: String(record.file ?? nodeid.split('::')[0]) };
      if (typeof record.line === 'number') start.line = record.line;
      log.starts.set(nodeid, start);
    } else if (record.event === 'finish' && nodeid !== undefined) {
      const finish: LiveFinish = {
        nodeid,
        outcome: (['passed', 'failed', 'error', 'skipped'].includes(String(record.outcome))
          ? record.outcome
          : 'error') as Outcome,
        duration: typeof record.duration === 'number' ? record.duration : 0,
      };
      if (typeof record.message === 'string') finish.message = record.message;
      log.finishes.set(nodeid, finish);
    } else if (record.event === 'sessionfinish') {
      log.sessionFinished = true;
    } else if (record.event === 'session' && typeof record.cwd === 'string') {
      log.session = {
        cwd: record.cwd,
        rootdir: String(record.rootdir ?? record.cwd),
        inifile: typeof record.inifile === 'string' ? record.inifile : null,
      };
    } else if (record.event === 'collect-error') {
      log.collectErrors.push({ nodeid: String(record.nodeid ?? ''), message: String(record.message ?? '') });
    } else if (record.event === 'unknown-markers' && Array.isArray(record.markers)) {
      log.unknownMarkers = record.markers.map(String);
    }
  }
  return log;
}

/** pytest's junitxml `mangle_test_address`: node id -> (classname, name). */
export function junitAddress(nodeid: string): { classname: string; name: string } {
  const bracket = nodeid.indexOf('[');
  const path = bracket === -1 ? nodeid : nodeid.slice(0, bracket);
  const params = bracket === -1 ? '' : nodeid.slice(bracket);
  const names = path.split('::');
  names[0] = (names[0] as string).replace(/\//g, '.').replace(/\.py$/, '');
  names[names.length - 1] += params;
  return { classname: names.slice(0, -1).join('.'), name: names[names.length - 1] as string };
}

export function caseKey(testcase: { classname: string; name: string }): string {
  return `${testcase.classname}::${testcase.name}`;
}

export type StopReason = 'timeout' | 'cancelled' | 'crash';

export interface PhaseEvidence {
  phase: string;
  /** undefined when pytest wrote no JUnit file. */
  junit?: JunitCase[];
  live: LiveLog;
  exitCode: number;
  stop?: StopReason;
  /** Human text for the synthesized error, e.g. "the whole-run timeout-minutes (30) ran out". */
  stopText: string;
}

export interface Reconciled {
  cases: JunitCase[];
  /** Tests that were running when the run ended (each became an `error` testcase). */
  killed: JunitCase[];
  /** True when the JUnit file was missing and every case came from the live log. */
  synthesized: boolean;
}

/**
 * Merge pytest's JUnit with the live log. A test that started but neither finished nor appears in
 * the JUnit was running when pytest stopped: it becomes an `error` testcase saying why.
 */
export function reconcile(evidence: PhaseEvidence): Reconciled {
  // pytest writes a nameless <testcase/> for the test a KeyboardInterrupt cut short.
  const fromJunit = evidence.junit?.filter((testcase) => testcase.name !== '' || testcase.classname !== '');
  const known = new Set((fromJunit ?? []).map(caseKey));
  const cases: JunitCase[] = fromJunit ? [...fromJunit] : [];
  if (!fromJunit) {
    for (const finish of evidence.live.finishes.values()) {
      const start = evidence.live.starts.get(finish.nodeid);
      const testcase: JunitCase = {
        ...junitAddress(finish.nodeid),
        nodeid: finish.nodeid,
        file: start?.file ?? finish.nodeid.split('::')[0],
        time: finish.duration,
        outcome: finish.outcome,
      };
      if (start?.line !== undefined) testcase.line = start.line;
      if (finish.message !== undefined) testcase.message = finish.message;
      cases.push(testcase);
      known.add(caseKey(testcase));
    }
  }
  const killed: JunitCase[] = [];
  for (const start of evidence.live.starts.values()) {
    if (evidence.live.finishes.has(start.nodeid)) continue;
    const address = junitAddress(start.nodeid);
    if (known.has(caseKey(address))) continue;
    const testcase: JunitCase = {
      ...address,
      nodeid: start.nodeid,
      file: start.file,
      time: 0,
      outcome: 'error',
      message: `${start.nodeid} was running when ${evidence.stopText}`,
    };
    if (start.line !== undefined) testcase.line = start.line;
    killed.push(testcase);
    cases.push(testcase);
  }
  const ranNothing = cases.length === 0 && evidence.exitCode !== 0 && evidence.exitCode !== 5;
  if (ranNothing && !fromJunit) {
    // No JUnit and no test ever started: still leave a red entry, never silence.
    const testcase: JunitCase = {
      classname: 'run-gpu-tests',
      name: evidence.phase,
      time: 0,
      outcome: 'error',
      message: `pytest (${evidence.phase}) exited with code ${evidence.exitCode} and wrote no JUnit report: ${evidence.stopText}`,
    };
    cases.push(testcase);
    killed.push(testcase);
  }
  return { cases, killed, synthesized: !fromJunit };
}

export interface TestVerdict extends JunitCase {
  key: string;
  nodeid?: string;
  phase: string;
  flaky: boolean;
  /** Runs of this test, the first included. */
  attempts: number;
  /** The first failure's message, kept when a rerun passes. */
  firstFailure?: string;
}

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  flaky: number;
}

export class Verdicts {
  readonly byKey = new Map<string, TestVerdict>();

  /** Record a first attempt (a phase). A test seen twice keeps the worse outcome. */
  addPhase(phase: string, cases: readonly JunitCase[], nodeIds: ReadonlyMap<string, string>): void {
    for (const testcase of cases) {
      const key = caseKey(testcase);
      const verdict: TestVerdict = { ...testcase, key, phase, flaky: false, attempts: 1 };
      const nodeid = nodeIds.get(key);
      if (nodeid !== undefined) verdict.nodeid = nodeid;
      if (testcase.flakyMessage !== undefined) {
        verdict.flaky = true;
        verdict.firstFailure = testcase.flakyMessage;
        verdict.attempts = 2;
      }
      const existing = this.byKey.get(key);
      if (!existing || severity(verdict.outcome) > severity(existing.outcome)) this.byKey.set(key, verdict);
    }
  }

  /** Node ids of the tests that still fail and can be rerun (collection errors have no node id). */
  rerunnable(): string[] {
    const ids: string[] = [];
    for (const verdict of this.byKey.values()) {
      if ((verdict.outcome === 'failed' || verdict.outcome === 'error') && verdict.nodeid !== undefined) {
        ids.push(verdict.nodeid);
      }
    }
    return ids.sort();
  }

  /** Apply a rerun: a pass after a failure makes the test flaky; another failure counts an attempt. */
  addRerun(cases: readonly JunitCase[]): void {
    for (const testcase of cases) {
      const verdict = this.byKey.get(caseKey(testcase));
      if (!verdict || (verdict.outcome !== 'failed' && verdict.outcome !== 'error')) continue;
      verdict.attempts += 1;
      if (testcase.outcome === 'passed') {
        verdict.flaky = true;
        verdict.firstFailure = verdict.message;
        verdict.outcome = 'passed';
        verdict.message = undefined;
        verdict.details = undefined;
      } else if (testcase.outcome !== 'skipped') {
        verdict.outcome = testcase.outcome;
        if (testcase.message !== undefined) verdict.message = testcase.message;
        if (testcase.details !== undefined) verdict.details = testcase.details;
      }
    }
  }

  all(): TestVerdict[] {
    return [...this.byKey.values()];
  }

  counts(): Counts {
    const counts: Counts = { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0 };
    for (const verdict of this.byKey.values()) {
      counts.total += 1;
      if (verdict.outcome === 'passed') counts.passed += 1;
      else if (verdict.outcome === 'failed') counts.failed += 1;
      else if (verdict.outcome === 'error') counts.errors += 1;
      else counts.skipped += 1;
      if (verdict.flaky) counts.flaky += 1;
    }
    return counts;
  }
}

function severity(outcome: Outcome): number {
  return { passed: 0, skipped: 1, failed: 2, error: 3 }[outcome];
}

/** The slowest tests, longest first (ties by key, so the list is stable). */
export function slowest(verdicts: readonly TestVerdict[], count: number): TestVerdict[] {
  return [...verdicts].sort((a, b) => b.time - a.time || (a.key < b.key ? -1 : 1)).slice(0, count);
}

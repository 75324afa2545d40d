/**
 * The report: everything read (the run, its jobs, the legs' results, the history) turned into what
 * the summary, the outputs, the history file and the metrics are made of. Pure.
 */
import {
  PIPELINE_SUMMARY_MAX_FAILURES,
  PIPELINE_SUMMARY_SCHEMA,
  type PipelineSummary,
  type SummaryFailure,
} from '@dynamo-ci/core';
import {
  appendRun,
  type FlakyRate,
  flakyRates,
  type History,
  type HistoryLimits,
  type Standing,
  standing,
  testId,
} from './history.js';
import { addCounts, type Counts, type Leg, NO_COUNTS } from './legs.js';
import type { JobFacts, RunFacts } from './model.js';
import { buildTimeline, type GpuRule, type Timeline } from './timeline.js';

export interface Failure {
  leg: string;
  /** `classname::name` */
  test: string;
  file?: string;
  message?: string;
  /** The leg's job page. */
  url?: string;
  standing: Standing;
}

export interface SlowTest {
  leg: string;
  test: string;
  seconds: number;
}

export interface HistoryState {
  /** The history the failures were judged against, if one was found. */
  previous?: History;
  /** What happened looking for it (not found, expired, from a fork). */
  notes: string[];
  /** The history with this run added, to be kept for the next run; undefined when history is off. */
  next?: History;
}

export interface Report {
  repository: string;
  run: RunFacts;
  legs: Leg[];
  totals: Counts;
  /** New failures first, then known, then those without history; each group by leg and test. */
  failures: Failure[];
  newFailures: number;
  flaky: FlakyRate[];
  slowest: SlowTest[];
  timeline: Timeline;
  history: HistoryState;
  /** Legs without results, truncated files, unreadable artifacts, history notes. */
  problems: string[];
  result: 'success' | 'failure';
  /** One line: what the run did, what broke, what it cost. */
  line: string;
  /** The reporting job's summary, where the report is shown. */
  url?: string;
  /** Standing of every failed test, by `leg \u001f key`. */
  standings: Map<string, Standing>;
}

export interface ReportFacts {
  repository: string;
  run: RunFacts;
  /** The run's jobs, the reporting job left out. */
  jobs: readonly JobFacts[];
  legs: Leg[];
  previousHistory?: History;
  historyNotes: string[];
  /** Undefined when the history is not kept (switched off, or a run from a fork). */
  historyLimits?: HistoryLimits;
  gpuRules: readonly GpuRule[];
  slowest: number;
  url?: string;
  /** Problems found before the legs were read (the jobs or artifacts could not all be listed). */
  problems?: string[];
}

const ORDER: Record<Standing['status'], number> = { new: 0, known: 1, unknown: 2 };

export function buildReport(facts: ReportFacts): Report {
  const { run, legs } = facts;
  let totals: Counts = { ...NO_COUNTS };
  for (const leg of legs) totals = addCounts(totals, leg.counts);

  const standings = new Map<string, Standing>();
  const failures: Failure[] = [];
  for (const leg of legs) {
    for (const test of leg.tests) {
      if (test.outcome !== 'failed' && test.outcome !== 'error') continue;
      const judged = standing(facts.previousHistory, leg.name, test.key, run.id);
      standings.set(testId(leg.name, test.key), judged);
      const failure: Failure = { leg: leg.name, test: test.key, standing: judged };
      if (test.file !== undefined) failure.file = test.file;
      if (test.message !== undefined) failure.message = test.message;
      if (leg.job?.url !== undefined) failure.url = leg.job.url;
      failures.push(failure);
    }
  }
  failures.sort(
    (a, b) =>
      ORDER[a.standing.status] - ORDER[b.standing.status] ||
      (a.leg < b.leg ? -1 : a.leg > b.leg ? 1 : a.test < b.test ? -1 : a.test > b.test ? 1 : 0),
  );
  const newFailures = failures.filter((failure) => failure.standing.status === 'new').length;

  const scope = { repository: facts.repository, workflow: run.path, branch: run.branch };
  const historyRun = {
    id: run.id,
    number: run.number,
    attempt: run.attempt,
    at: new Date(run.createdAt).toISOString(),
    legs: [],
  };
  const next = facts.historyLimits
    ? appendRun(facts.previousHistory, scope, historyRun, legs, facts.historyLimits)
    : undefined;
  const flaky = next
    ? flakyRates(next)
    : legs.flatMap((leg) =>
        leg.tests
          .filter((test) => test.flaky)
          .map((test) => ({ leg: leg.name, key: test.key, flaky: 1, runs: 1, now: true })),
      );

  const slowest = slowestTests(legs, facts.slowest);
  const timeline = buildTimeline(facts.jobs, facts.gpuRules);
  const problems = [...(facts.problems ?? []), ...legs.flatMap((leg) => leg.problems), ...facts.historyNotes];
  // A leg skipped by its own condition is not a failure; one that ran and left nothing, or was
  // stopped before it ran, is; so is a report that found no leg for a reason it lists.
  const stopped = legs.some(
    (leg) => leg.state === 'no-results' || (leg.state === 'never-ran' && leg.job?.conclusion !== 'skipped'),
  );
  const nothing = legs.length === 0 && problems.length > 0;
  const result = totals.failed > 0 || stopped || nothing ? 'failure' : 'success';
  const report: Report = {
    repository: facts.repository,
    run,
    legs,
    totals,
    failures,
    newFailures,
    flaky,
    slowest,
    timeline,
    history: { previous: facts.previousHistory, notes: facts.historyNotes, next },
    problems,
    result,
    line: '',
    url: facts.url,
    standings,
  };
  report.line = summaryLine(report);
  return report;
}

/** The `count` slowest tests of every leg, longest first, without sorting them all. */
export function slowestTests(legs: readonly Leg[], count: number): SlowTest[] {
  if (count <= 0) return [];
  const kept: SlowTest[] = [];
  let floor = -1;
  for (const leg of legs) {
    for (const test of leg.tests) {
      if (kept.length >= count && test.time <= floor) continue;
      kept.push({ leg: leg.name, test: test.key, seconds: test.time });
      if (kept.length > count * 4) {
        kept.sort((a, b) => b.seconds - a.seconds);
        kept.length = count;
        floor = (kept[count - 1] as SlowTest).seconds;
      }
    }
  }
  return kept.sort((a, b) => b.seconds - a.seconds || (a.leg + a.test < b.leg + b.test ? -1 : 1)).slice(0, count);
}

/** `12 failed (3 new) · 9,870 passed · 120 skipped · 4 flaky in 50 legs · 2h 14m · 312 runner-min · 96 GPU-min` */
export function summaryLine(report: Report): string {
  const { totals, timeline } = report;
  const parts: string[] = [];
  if (totals.failed > 0) parts.push(`${number(totals.failed)} failed (${number(report.newFailures)} new)`);
  parts.push(`${number(totals.passed)} passed`);
  if (totals.skipped > 0) parts.push(`${number(totals.skipped)} skipped`);
  if (totals.flaky > 0) parts.push(`${number(totals.flaky)} flaky`);
  let line = `${report.result === 'success' ? '✅' : '❌'} ${parts.join(', ')} in ${report.legs.length} leg${report.legs.length === 1 ? '' : 's'}`;
  const without = report.legs.filter((leg) => leg.state !== 'reported').length;
  if (without > 0) line += ` (${without} without results)`;
  line += ` · ${duration(timeline.wallSeconds)} wall · ${number(Math.round(timeline.runnerMinutes))} runner-min`;
  if (timeline.gpuMinutes > 0) line += ` · ${number(Math.round(timeline.gpuMinutes))} GPU-min`;
  return line;
}

/** The compact summary other actions read (slack-notify's `pipeline-report` input). */
export function pipelineSummary(report: Report): PipelineSummary {
  const failures: SummaryFailure[] = report.failures.slice(0, PIPELINE_SUMMARY_MAX_FAILURES).map(summaryFailure);
  return {
    schema: PIPELINE_SUMMARY_SCHEMA,
    result: report.result,
    line: report.line,
    ...(report.url ? { url: report.url } : {}),
    counts: {
      tests: report.totals.tests,
      passed: report.totals.passed,
      failed: report.totals.failed,
      skipped: report.totals.skipped,
      flaky: report.totals.flaky,
      legs: report.legs.length,
    },
    newFailureCount: report.newFailures,
    failureCount: report.failures.length,
    failures,
  };
}

export function summaryFailure(failure: Failure): SummaryFailure {
  const entry: SummaryFailure = { leg: failure.leg, test: failure.test, status: failure.standing.status };
  if (failure.message !== undefined) entry.message = failure.message.slice(0, 200);
  if (failure.url !== undefined) entry.url = failure.url;
  if (failure.standing.since !== undefined) entry.since = failure.standing.since;
  return entry;
}

export function number(value: number): string {
  return value.toLocaleString('en-US');
}

/** A test's time: `0.21s`, `12.5s`, then as `duration`. */
export function testDuration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)}s`;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  return duration(seconds);
}

/** `2h 14m`, `14m 05s`, `45s` */
export function duration(seconds: number): string {
  const total = Math.round(seconds);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(rest).padStart(2, '0')}s`;
  return `${rest}s`;
}

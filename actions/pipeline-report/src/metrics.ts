/**
 * Workflow, job, step and test records in the Elasticsearch/OpenSearch bulk format: per record an
 * action line (`{"index":{"_index":...,"_id":...}}`) and the document line, newline-terminated.
 * Ids are derived from the run, attempt, job, step and test, so posting a run twice updates the
 * same documents instead of doubling them. Pure.
 */
import type { Standing } from './history.js';
import type { Counts, Leg } from './legs.js';
import { isoOf, type RunFacts } from './model.js';
import type { Timeline } from './timeline.js';

export interface MetricsFacts {
  repository: string;
  run: RunFacts;
  timeline: Timeline;
  legs: readonly Leg[];
  totals: Counts;
  /** The standing of each failed test, by `leg \u001f key`. */
  standings: ReadonlyMap<string, Standing>;
  newFailures: number;
}

export type RecordKind = 'workflow' | 'job' | 'step' | 'test';

/** The index each kind of record goes to: `<prefix>-workflows`, `-jobs`, `-steps`, `-tests`. */
export function indexName(prefix: string, kind: RecordKind): string {
  return `${prefix}-${kind}s`;
}

/**
 * A test's id within its run: two 32-bit FNV-1a hashes of leg and test (different offset bases), in
 * hex. Not for secrecy, only to keep `_id` short (a test key can be long) and stable across posts of
 * the same run; a cryptographic hash would cost 100k calls per large run.
 */
function testHash(text: string): string {
  let first = 0x811c9dc5;
  let second = 0x050c5d1f;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x01000193);
  }
  return (first >>> 0).toString(16).padStart(8, '0') + (second >>> 0).toString(16).padStart(8, '0');
}

/** A test's `_id`: readable (`run/attempt/leg/test`) unless that is long, then hashed. */
function testId(runKey: string, leg: string, key: string): string {
  const readable = `${runKey}/${leg}/${key}`;
  return readable.length <= 400 ? readable : `${runKey}/${testHash(`${leg}\u0000${key}`)}`;
}

/**
 * Every record, as bulk lines (action + document), in chunks of at most `chunkChars` characters
 * (a non-ASCII name can make a chunk up to 3 times as many bytes, still far under the 100 MB a
 * cluster accepts by default).
 */
export function bulkChunks(facts: MetricsFacts, prefix: string, chunkChars = 5 * 1024 * 1024): string[] {
  const chunks: string[] = [];
  let lines: string[] = [];
  let chars = 0;
  const actionPrefix = new Map<RecordKind, string>();
  /** `document`'s own fields, then the run's fields every record carries, serialised once. */
  const add = (kind: RecordKind, id: string, document: Record<string, unknown>) => {
    let start = actionPrefix.get(kind);
    if (start === undefined) {
      start = `{"index":{"_index":${JSON.stringify(indexName(prefix, kind))},"_id":`;
      actionPrefix.set(kind, start);
    }
    const own = JSON.stringify(document);
    const pair = `${start}${JSON.stringify(id)}}}\n${own.slice(0, -1)},${commonJson}}\n`;
    const size = pair.length;
    if (chars + size > chunkChars && lines.length > 0) {
      chunks.push(lines.join(''));
      lines = [];
      chars = 0;
    }
    lines.push(pair);
    chars += size;
  };

  const { run, timeline } = facts;
  const runKey = `${facts.repository}/${run.id}/${run.attempt}`;
  const commonJson = JSON.stringify({
    repository: facts.repository,
    workflow: run.workflow,
    workflow_path: run.path,
    run_id: run.id,
    run_number: run.number,
    run_attempt: run.attempt,
    branch: run.branch,
    event: run.event,
    sha: run.sha,
  }).slice(1, -1);
  const failedJobs = timeline.jobs.filter((timing) => isFailure(timing.job.conclusion)).length;
  add('workflow', runKey, {
    '@timestamp': isoOf(run.createdAt),
    record: 'workflow',
    status: run.status,
    conclusion: run.conclusion,
    url: run.url,
    actor: run.actor,
    wall_seconds: round(timeline.wallSeconds),
    queue_seconds: round(timeline.queueSeconds),
    runner_minutes: timeline.runnerMinutes,
    gpu_minutes: timeline.gpuMinutes,
    jobs: timeline.jobs.length,
    failed_jobs: failedJobs,
    legs: facts.legs.length,
    tests: facts.totals.tests,
    passed: facts.totals.passed,
    failed: facts.totals.failed,
    skipped: facts.totals.skipped,
    flaky: facts.totals.flaky,
    new_failures: facts.newFailures,
  });
  for (const timing of timeline.jobs) {
    const job = timing.job;
    const jobKey = `${runKey}/${job.id}`;
    add('job', jobKey, {
      '@timestamp': isoOf(job.createdAt ?? job.startedAt),
      record: 'job',
      job_id: job.id,
      job_name: job.name,
      status: job.status,
      conclusion: job.conclusion,
      created_at: isoOf(job.createdAt),
      started_at: isoOf(job.startedAt),
      completed_at: isoOf(job.completedAt),
      queue_seconds: round(timing.queueSeconds),
      duration_seconds: round(timing.runSeconds),
      labels: job.labels,
      runner_name: job.runnerName,
      runner_group: job.runnerGroup,
      gpus: timing.gpus,
      critical_path: timing.critical,
      url: job.url,
    });
    for (const step of job.steps) {
      add('step', `${jobKey}/${step.number}`, {
        '@timestamp': isoOf(step.startedAt ?? job.startedAt),
        record: 'step',
        job_id: job.id,
        job_name: job.name,
        step_number: step.number,
        step_name: step.name,
        status: step.status,
        conclusion: step.conclusion,
        started_at: isoOf(step.startedAt),
        completed_at: isoOf(step.completedAt),
        duration_seconds:
          step.startedAt !== undefined && step.completedAt !== undefined
            ? round((step.completedAt - step.startedAt) / 1000)
            : undefined,
      });
    }
  }
  const timestamp = isoOf(run.createdAt);
  for (const leg of facts.legs) {
    for (const test of leg.tests) {
      const standing = facts.standings.get(`${leg.name}\u001f${test.key}`);
      add('test', testId(runKey, leg.name, test.key), {
        '@timestamp': timestamp,
        record: 'test',
        leg: leg.name,
        job_id: leg.job?.id,
        test: test.key,
        file: test.file,
        outcome: test.outcome,
        flaky: test.flaky,
        attempts: test.attempts,
        duration_seconds: test.time,
        message: test.message?.slice(0, 500),
        failure: standing?.status,
        failing_since_run: standing?.since,
      });
    }
  }
  if (lines.length > 0) chunks.push(lines.join(''));
  return chunks;
}

function isFailure(conclusion: string | null): boolean {
  return conclusion === 'failure' || conclusion === 'timed_out' || conclusion === 'startup_failure';
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

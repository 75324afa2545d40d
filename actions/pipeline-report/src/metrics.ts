/**
 * Workflow, job, step and test records in the Elasticsearch/OpenSearch bulk format: per record an
 * action line (`{"index":{"_index":...,"_id":...}}`) and the document line, newline-terminated.
 * Ids are derived from the run, attempt, job, step and test, so posting a run twice updates the
 * same documents instead of doubling them. Pure.
 */
import { createHash } from 'node:crypto';
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

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 24);
}

/** Every record, as bulk lines (action + document), in chunks of at most `chunkBytes`. */
export function bulkChunks(facts: MetricsFacts, prefix: string, chunkBytes = 5 * 1024 * 1024): string[] {
  const chunks: string[] = [];
  let lines: string[] = [];
  let bytes = 0;
  const add = (kind: RecordKind, id: string, document: Record<string, unknown>) => {
    const pair = `${JSON.stringify({ index: { _index: indexName(prefix, kind), _id: id } })}\n${JSON.stringify(document)}\n`;
    const size = Buffer.byteLength(pair);
    if (bytes + size > chunkBytes && lines.length > 0) {
      chunks.push(lines.join(''));
      lines = [];
      bytes = 0;
    }
    lines.push(pair);
    bytes += size;
  };

  const { run, timeline } = facts;
  const runKey = `${facts.repository}/${run.id}/${run.attempt}`;
  const common = {
    repository: facts.repository,
    workflow: run.workflow,
    workflow_path: run.path,
    run_id: run.id,
    run_number: run.number,
    run_attempt: run.attempt,
    branch: run.branch,
    event: run.event,
    sha: run.sha,
  };
  const failedJobs = timeline.jobs.filter((timing) => isFailure(timing.job.conclusion)).length;
  add('workflow', runKey, {
    '@timestamp': isoOf(run.createdAt),
    record: 'workflow',
    ...common,
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
      ...common,
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
        ...common,
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
      add('test', `${runKey}/${shortHash(`${leg.name}\u0000${test.key}`)}`, {
        '@timestamp': timestamp,
        record: 'test',
        ...common,
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

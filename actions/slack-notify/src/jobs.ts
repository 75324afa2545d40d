/**
 * The run's jobs from the Actions API, every page (upstream read only the first 100 of 300+), and
 * a wait until the jobs being reported on have finished: a job still running has no conclusion
 * yet: reading too early is how a failure report "reaches nobody".
 * The wait is bounded; jobs still running at the deadline are reported as such, never dropped.
 */
import {
  GATE_REPORT_SCHEMA,
  type GateReport,
  isJobResult,
  type Logger,
  type ReportJob,
  type ReportRun,
  type RunJob,
} from '@dynamo-ci/core';

export interface CollectOptions {
  /** Report on jobs whose names match (all when empty). */
  include: readonly RegExp[];
  /** This job, which is running while it reports: `GITHUB_JOB` and `RUNNER_NAME`. */
  self: { jobId?: string; runnerName?: string };
  waitTimeoutMs: number;
  pollIntervalMs: number;
  sleep: (ms: number) => Promise<void>;
  now?: () => number;
  log: Logger;
}

export interface Collected {
  jobs: RunJob[];
  /** Names of jobs still not finished when the wait ended. */
  unfinished: string[];
  requests: number;
}

/** Is this the job doing the reporting? It runs on this runner and has not finished. */
export function isSelf(job: RunJob, self: CollectOptions['self']): boolean {
  if (job.status === 'completed') return false;
  if (self.runnerName && job.runnerName === self.runnerName) return true;
  return self.jobId !== undefined && job.name === self.jobId;
}

export async function collectJobs(list: () => Promise<RunJob[]>, options: CollectOptions): Promise<Collected> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.waitTimeoutMs;
  let requests = 0;
  for (;;) {
    requests++;
    const jobs = (await list()).filter(
      (job) =>
        !isSelf(job, options.self) &&
        (options.include.length === 0 || options.include.some((glob) => glob.test(job.name))),
    );
    const pending = jobs.filter((job) => job.status !== 'completed');
    if (pending.length === 0 || now() >= deadline) {
      return { jobs, unfinished: pending.map((job) => job.name), requests };
    }
    const names = pending.slice(0, 5).map((job) => job.name);
    options.log.info(
      `Waiting for ${pending.length} job(s) to finish (${names.join(', ')}${pending.length > 5 ? ', …' : ''}); next look in ${Math.round(options.pollIntervalMs / 1000)}s.`,
    );
    await options.sleep(Math.max(0, Math.min(options.pollIntervalMs, deadline - now())));
  }
}

const FAILED = new Set(['failure', 'timed_out', 'startup_failure', 'action_required', 'stale', 'cancelled']);

/**
 * The run's jobs as a gate report: failed, timed-out, cancelled and unfinished jobs fail. A
 * conclusion the report schema does not know fails too, as `failure`, naming it in the reason.
 */
export function jobsToReport(collected: Collected, run: ReportRun, waitTimeoutMs: number): GateReport {
  const jobs: ReportJob[] = collected.jobs.map((job) => {
    const conclusion = job.status === 'completed' ? job.conclusion : null;
    let row: ReportJob;
    if (conclusion === null) {
      const reason = `still ${job.status.replace(/_/g, ' ')} after waiting ${Math.round(waitTimeoutMs / 1000)}s`;
      row = { id: job.name, name: job.name, result: 'in_progress', verdict: 'fail', reason };
    } else if (!isJobResult(conclusion)) {
      const reason = `unknown conclusion ${JSON.stringify(conclusion)}`;
      row = { id: job.name, name: job.name, result: 'failure', verdict: 'fail', reason };
    } else {
      const fail = FAILED.has(conclusion);
      const reason = fail ? conclusion.replace(/_/g, ' ') : conclusion;
      row = { id: job.name, name: job.name, result: conclusion, verdict: fail ? 'fail' : 'pass', reason };
    }
    if (job.url) row.url = job.url;
    return row;
  });
  return {
    schema: GATE_REPORT_SCHEMA,
    result: jobs.some((job) => job.verdict === 'fail') ? 'failure' : 'success',
    run,
    jobs,
  };
}

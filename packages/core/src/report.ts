/**
 * The gate report: the JSON that status-aggregate writes to its `report` output and slack-notify
 * reads from its `report` input. One row per job (or per matrix leg when the jobs came from the
 * Actions API), each with GitHub's result, the gate's verdict and the reason for it. The schema
 * is versioned by `schema`; readers reject versions they do not know instead of guessing.
 */
import { type GitHubContext, runUrl } from './github.js';

/** The `schema` value of the current report version. */
export const GATE_REPORT_SCHEMA = 'dynamo-ci/gate-report@1';

/**
 * A job's result: the four `needs.<id>.result` values, plus the Actions API conclusions a matrix
 * leg can have (`timed_out`, `neutral`, ...) and `in_progress` for a job that had not finished.
 */
export const JOB_RESULTS = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'neutral',
  'action_required',
  'startup_failure',
  'stale',
  'in_progress',
] as const;

export type JobResult = (typeof JOB_RESULTS)[number];

export function isJobResult(value: unknown): value is JobResult {
  return (JOB_RESULTS as readonly unknown[]).includes(value);
}

export type Verdict = 'pass' | 'fail';

/** Why a job was skipped: its own `if:` (or a skipped dependency), or a failed/cancelled dependency. */
export type SkipKind = 'condition' | 'dependency' | 'unknown';

export interface ReportJob {
  /** The job id in the workflow (the key of `needs`). */
  id: string;
  /** The display name: the check-run name of a matrix leg (`test (3.11)`), else the id. */
  name: string;
  result: JobResult;
  verdict: Verdict;
  /** One sentence a person can act on: why this verdict. */
  reason: string;
  /** The job's page, when known (the Actions API gives it; `needs` does not). */
  url?: string;
  /** Only for `skipped` jobs. */
  skip?: SkipKind;
  /** For dependency skips: the job whose failure or cancellation caused the skip. */
  cause?: string;
}

export interface ReportRun {
  repository?: string;
  /** `https://github.com/owner/repo/actions/runs/123` */
  url?: string;
  id?: number;
  attempt?: number;
  workflow?: string;
  ref?: string;
  sha?: string;
  actor?: string;
}

/** The run block of a report, from the run's context. */
export function reportRunOf(context: GitHubContext): ReportRun {
  return {
    repository: `${context.repo.owner}/${context.repo.repo}`,
    url: runUrl(context),
    id: context.runId,
    attempt: context.runAttempt,
    workflow: context.workflow,
    ref: context.ref,
    sha: context.sha,
    actor: context.actor,
  };
}

export interface GateReport {
  schema: typeof GATE_REPORT_SCHEMA;
  result: 'success' | 'failure';
  /** The gate's own job id (`GITHUB_JOB`). */
  gate?: string;
  run: ReportRun;
  jobs: ReportJob[];
}

/**
 * Parse and validate a report. Throws an Error whose message says what is wrong (callers turn it
 * into an InputError naming their input).
 */
export function parseReport(text: string): GateReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(value)) throw new Error('it is not a JSON object');
  if (value.schema !== GATE_REPORT_SCHEMA) {
    throw new Error(
      `its schema is ${JSON.stringify(value.schema)}, expected "${GATE_REPORT_SCHEMA}" (pass status-aggregate's \`report\` output)`,
    );
  }
  if (value.result !== 'success' && value.result !== 'failure') {
    throw new Error(`its result is ${JSON.stringify(value.result)}, expected "success" or "failure"`);
  }
  if (!Array.isArray(value.jobs)) throw new Error('it has no `jobs` array');
  const jobs = value.jobs.map((job, index) => {
    if (!isObject(job)) throw new Error(`jobs[${index}] is not an object`);
    for (const key of ['id', 'name', 'reason'] as const) {
      if (typeof job[key] !== 'string') throw new Error(`jobs[${index}].${key} is not a string`);
    }
    if (!isJobResult(job.result)) {
      throw new Error(`jobs[${index}].result is ${JSON.stringify(job.result)}, not a job result`);
    }
    if (job.verdict !== 'pass' && job.verdict !== 'fail') {
      throw new Error(`jobs[${index}].verdict is ${JSON.stringify(job.verdict)}, expected "pass" or "fail"`);
    }
    return job as unknown as ReportJob;
  });
  const run = isObject(value.run) ? (value.run as ReportRun) : {};
  return {
    schema: GATE_REPORT_SCHEMA,
    result: value.result,
    gate: typeof value.gate === 'string' ? value.gate : undefined,
    run,
    jobs,
  };
}

/**
 * A job-name glob: `*` matches any run of characters (including `/` and spaces, since job names
 * are not paths), `?` one character, and everything else is literal, so `test (3.11)` and
 * `vllm / build` need no escaping.
 */
export function jobGlob(pattern: string): RegExp {
  const source = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** True when any of the globs matches any of the names. */
export function matchesAnyGlob(globs: readonly RegExp[], names: readonly string[]): boolean {
  return globs.some((glob) => names.some((name) => glob.test(name)));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

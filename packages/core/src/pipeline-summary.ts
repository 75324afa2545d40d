/**
 * The pipeline summary: the compact JSON that pipeline-report writes to its `report` output and
 * slack-notify reads from its `pipeline-report` input, so a message can link the report and name
 * the new failures first. Versioned by `schema`; readers reject versions they do not know.
 */

/** The `schema` value of the current summary version. */
export const PIPELINE_SUMMARY_SCHEMA = 'dynamo-ci/pipeline-summary@1';

/** How many failures a summary carries at most (the report file has them all). */
export const PIPELINE_SUMMARY_MAX_FAILURES = 20;

/** A failing test as the summary names it. */
export interface SummaryFailure {
  /** The leg (matrix job) it failed in. */
  leg: string;
  /** `classname::name` as JUnit gives it. */
  test: string;
  /** The first line of the failure message. */
  message?: string;
  /** The leg's job page. */
  url?: string;
  /** `new`, `known` (failing since an earlier run) or `unknown` (no history to tell). */
  status: 'new' | 'known' | 'unknown';
  /** For known failures: the run number it has failed since. */
  since?: number;
}

export interface PipelineSummary {
  schema: typeof PIPELINE_SUMMARY_SCHEMA;
  /** `failure` when a test failed or a leg that should have run left no results, else `success`. */
  result: 'success' | 'failure';
  /** One line: what the run did, what broke, what it cost. */
  line: string;
  /** The report: the reporting job's summary on the run page. */
  url?: string;
  counts: { tests: number; passed: number; failed: number; skipped: number; flaky: number; legs: number };
  newFailureCount: number;
  failureCount: number;
  /** New failures first, then known ones; at most `PIPELINE_SUMMARY_MAX_FAILURES`. */
  failures: SummaryFailure[];
}

/**
 * Parse and validate a summary. Throws an Error whose message says what is wrong (callers turn
 * it into an InputError naming their input).
 */
export function parsePipelineSummary(text: string): PipelineSummary {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(value)) throw new Error('it is not a JSON object');
  if (value.schema !== PIPELINE_SUMMARY_SCHEMA) {
    throw new Error(
      `its schema is ${JSON.stringify(value.schema)}, expected "${PIPELINE_SUMMARY_SCHEMA}" (pass pipeline-report's \`report\` output)`,
    );
  }
  if (value.result !== 'success' && value.result !== 'failure') {
    throw new Error(`its result is ${JSON.stringify(value.result)}, expected "success" or "failure"`);
  }
  if (typeof value.line !== 'string') throw new Error('it has no `line` string');
  if (!isObject(value.counts)) throw new Error('it has no `counts` object');
  if (!Array.isArray(value.failures)) throw new Error('it has no `failures` array');
  const failures = value.failures.slice(0, PIPELINE_SUMMARY_MAX_FAILURES).map((failure, index) => {
    if (!isObject(failure) || typeof failure.leg !== 'string' || typeof failure.test !== 'string') {
      throw new Error(`failures[${index}] needs string \`leg\` and \`test\``);
    }
    if (failure.status !== 'new' && failure.status !== 'known' && failure.status !== 'unknown') {
      throw new Error(`failures[${index}].status is ${JSON.stringify(failure.status)}, expected new|known|unknown`);
    }
    return failure as unknown as SummaryFailure;
  });
  const count = (key: string) => (typeof value.counts[key] === 'number' ? (value.counts[key] as number) : 0);
  return {
    schema: PIPELINE_SUMMARY_SCHEMA,
    result: value.result,
    line: value.line,
    url: typeof value.url === 'string' ? value.url : undefined,
    counts: {
      tests: count('tests'),
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      flaky: count('flaky'),
      legs: count('legs'),
    },
    newFailureCount: typeof value.newFailureCount === 'number' ? value.newFailureCount : 0,
    failureCount: typeof value.failureCount === 'number' ? value.failureCount : failures.length,
    failures,
  };
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

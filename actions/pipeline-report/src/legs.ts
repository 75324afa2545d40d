/**
 * From downloaded artifacts and the run's jobs to one result per leg. Pure. A leg is a test job
 * (usually a matrix leg running run-gpu-tests) and its results artifact. Within an artifact,
 * run-gpu-tests writes `junit-<phase>.xml` for the first attempt and `junit-rerun-<n>.xml` for each
 * rerun: a test that failed and then passed on a rerun is flaky, not failed, and so is a surefire
 * `flakyFailure`. A test seen in two first-attempt files keeps the worse outcome.
 */
import type { JunitCase, Outcome } from '@dynamo-ci/core';
import type { JobFacts } from './model.js';

export interface JunitFile {
  /** The path inside the artifact, for messages. */
  path: string;
  /** 0 for a first attempt, n for `junit-rerun-<n>.xml`. */
  attempt: number;
  cases: JunitCase[];
  /** The document ends before its closing tag: a killed writer or a cut upload. */
  truncated: boolean;
}

export interface TestResult {
  /** `classname::name`, the test's identity within its leg. */
  key: string;
  file?: string;
  outcome: Outcome;
  /** Seconds, of the last attempt. */
  time: number;
  /** The first line of the failure (or skip) message. */
  message?: string;
  flaky: boolean;
  attempts: number;
  /** The first failure's message, kept when a rerun passed. */
  firstFailure?: string;
}

export interface Counts {
  tests: number;
  passed: number;
  /** Failures and errors. */
  failed: number;
  skipped: number;
  flaky: number;
  /** The sum of the tests' times. */
  seconds: number;
}

export type LegState = 'reported' | 'no-results' | 'never-ran';

export interface Leg {
  /** Stable across runs (the job's name, or the artifact's name without run and job ids): the history's key. */
  name: string;
  artifact?: string;
  job?: JobFacts;
  state: LegState;
  tests: TestResult[];
  counts: Counts;
  /** What went wrong reading this leg (a truncated file, a failed download, no results at all). */
  problems: string[];
}

/** The attempt a run-gpu-tests JUnit file holds, from its name. */
export function attemptOf(path: string): number {
  const match = /junit-rerun-(\d+)(?:-killed)?\.xml$/i.exec(path);
  return match ? Number(match[1]) : 0;
}

const SEVERITY: Record<Outcome, number> = { passed: 0, skipped: 1, failed: 2, error: 3 };

/** One result per test across every attempt of a leg. */
export function mergeAttempts(files: readonly JunitFile[]): TestResult[] {
  const byKey = new Map<string, TestResult>();
  const ordered = [...files].sort((a, b) => a.attempt - b.attempt || (a.path < b.path ? -1 : 1));
  for (const file of ordered) {
    for (const testcase of file.cases) {
      // pytest writes a nameless <testcase/> for a test a KeyboardInterrupt cut short.
      if (testcase.name === '' && testcase.classname === '') continue;
      const key = `${testcase.classname}::${testcase.name}`;
      const existing = byKey.get(key);
      if (file.attempt === 0 || !existing) {
        if (existing && SEVERITY[existing.outcome] >= SEVERITY[testcase.outcome]) continue;
        byKey.set(key, firstAttempt(key, testcase));
        continue;
      }
      if (existing.outcome !== 'failed' && existing.outcome !== 'error') continue;
      existing.attempts += 1;
      existing.time = testcase.time;
      if (testcase.outcome === 'passed') {
        existing.flaky = true;
        existing.firstFailure ??= existing.message;
        existing.outcome = 'passed';
        existing.message = undefined;
      } else if (testcase.outcome !== 'skipped') {
        existing.outcome = testcase.outcome;
        existing.message = firstLine(testcase.message ?? testcase.details) ?? existing.message;
      }
    }
  }
  return [...byKey.values()];
}

function firstAttempt(key: string, testcase: JunitCase): TestResult {
  const result: TestResult = { key, outcome: testcase.outcome, time: testcase.time, flaky: false, attempts: 1 };
  if (testcase.file !== undefined) result.file = testcase.file;
  const message = firstLine(testcase.message ?? testcase.details);
  if (message !== undefined && testcase.outcome !== 'passed') result.message = message;
  if (testcase.flakyMessage !== undefined && testcase.outcome === 'passed') {
    result.flaky = true;
    result.attempts = 2;
    result.firstFailure = firstLine(testcase.flakyMessage);
  }
  return result;
}

/** The first non-empty line, at most 300 characters. */
export function firstLine(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  for (const line of text.split('\n', 20)) {
    const trimmed = line.trim();
    if (trimmed !== '') return trimmed.length > 300 ? `${trimmed.slice(0, 299)}…` : trimmed;
  }
  return undefined;
}

export function countTests(tests: readonly TestResult[]): Counts {
  const counts: Counts = { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0, seconds: 0 };
  for (const test of tests) {
    counts.tests++;
    if (test.outcome === 'passed') counts.passed++;
    else if (test.outcome === 'skipped') counts.skipped++;
    else counts.failed++;
    if (test.flaky) counts.flaky++;
    counts.seconds += test.time;
  }
  counts.seconds = Math.round(counts.seconds * 1000) / 1000;
  return counts;
}

export function addCounts(total: Counts, counts: Counts): Counts {
  return {
    tests: total.tests + counts.tests,
    passed: total.passed + counts.passed,
    failed: total.failed + counts.failed,
    skipped: total.skipped + counts.skipped,
    flaky: total.flaky + counts.flaky,
    seconds: Math.round((total.seconds + counts.seconds) * 1000) / 1000,
  };
}

export const NO_COUNTS: Counts = { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0, seconds: 0 };

/** Run and job ids in an artifact name (`test-results-vllm-1-17234567890`): long digit runs. */
const ID_SEGMENT = /-\d{6,}(?=-|$)/g;

/** The artifact's name without run and job ids, so the same leg has the same name in every run. */
export function stableArtifactName(name: string): string {
  return name.replace(ID_SEGMENT, '') || name;
}

function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9.]+/)
    .filter((token) => token !== '');
}

/**
 * The job that uploaded an artifact. The artifacts API does not say, so: a job id in the name
 * (`${{ job.check_run_id }}`, which is the job's id) decides; else, among the test jobs (all jobs
 * when `testJobs` is empty), the one job whose name holds every word of the artifact's name after
 * `prefix` (ids dropped) with the fewest other words, a job with an upload or run-gpu-tests step
 * winning a tie.
 */
export function jobOfArtifact(
  name: string,
  jobs: readonly JobFacts[],
  prefix: string,
  testJobs: readonly RegExp[] = [],
): JobFacts | undefined {
  for (const match of name.matchAll(/\d{6,}/g)) {
    const job = jobs.find((candidate) => String(candidate.id) === match[0]);
    if (job) return job;
  }
  const stable = stableArtifactName(name);
  const wanted = new Set(tokens(stable.startsWith(prefix) ? stable.slice(prefix.length) : stable));
  if (wanted.size === 0) return undefined;
  const pool = testJobs.length > 0 ? jobs.filter((job) => testJobs.some((glob) => glob.test(job.name))) : jobs;
  let best: JobFacts[] = [];
  let bestRank = Number.POSITIVE_INFINITY;
  for (const job of pool) {
    const have = new Set(tokens(job.name));
    if (![...wanted].every((token) => have.has(token))) continue;
    const uploads = job.steps.some((step) => /upload-artifact|run-gpu-tests|upload/i.test(step.name));
    const rank = (have.size - wanted.size) * 2 + (uploads ? 0 : 1);
    if (rank < bestRank) {
      best = [job];
      bestRank = rank;
    } else if (rank === bestRank) best.push(job);
  }
  return best.length === 1 ? best[0] : undefined;
}

export interface DownloadedArtifact {
  name: string;
  files: JunitFile[];
  /** Why the artifact could not be read (download failed, not a zip, digest mismatch). */
  error?: string;
}

export interface LegSources {
  artifacts: readonly DownloadedArtifact[];
  jobs: readonly JobFacts[];
  /** Globs naming the test jobs: one without an artifact is a leg without results. */
  testJobs: readonly RegExp[];
  /** The artifact name pattern's literal prefix. */
  prefix: string;
}

/** Every leg: one per results artifact, plus every test job that left none. */
export function buildLegs(sources: LegSources): Leg[] {
  const legs: Leg[] = [];
  const linked = new Set<number>();
  const names = new Map<string, number>();
  for (const artifact of sources.artifacts) {
    const job = jobOfArtifact(artifact.name, sources.jobs, sources.prefix, sources.testJobs);
    if (job) linked.add(job.id);
    const problems: string[] = [];
    if (artifact.error) problems.push(`artifact ${artifact.name} could not be read: ${artifact.error}`);
    for (const file of artifact.files) {
      if (file.truncated) {
        problems.push(
          `${file.path} in ${artifact.name} is truncated (${file.cases.length} testcase(s) read before it ends)`,
        );
      }
    }
    const tests = mergeAttempts(artifact.files);
    if (!artifact.error && artifact.files.length === 0) problems.push(`artifact ${artifact.name} holds no JUnit file`);
    const state: LegState =
      tests.length > 0 || (artifact.files.length > 0 && !artifact.error) ? 'reported' : 'no-results';
    legs.push({
      name: uniqueName(names, job?.name ?? stableArtifactName(artifact.name)),
      artifact: artifact.name,
      job,
      state,
      tests,
      counts: countTests(tests),
      problems,
    });
  }
  for (const job of sources.jobs) {
    if (linked.has(job.id) || !sources.testJobs.some((glob) => glob.test(job.name))) continue;
    const ran = job.startedAt !== undefined && job.steps.some((step) => step.conclusion !== 'skipped');
    const conclusion = job.conclusion ?? job.status;
    legs.push({
      name: uniqueName(names, job.name),
      job,
      state: ran ? 'no-results' : 'never-ran',
      tests: [],
      counts: { ...NO_COUNTS },
      problems: [
        ran
          ? `${job.name} ran (${conclusion}) but uploaded no results artifact`
          : `${job.name} never ran (${conclusion})`,
      ],
    });
  }
  return legs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function uniqueName(seen: Map<string, number>, name: string): string {
  const count = (seen.get(name) ?? 0) + 1;
  seen.set(name, count);
  return count === 1 ? name : `${name} #${count}`;
}

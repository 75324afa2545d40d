/**
 * Wiring: inputs -> the run and its jobs (REST) -> the legs' artifacts (`@actions/artifact`) ->
 * the history -> the report -> files, metrics, outputs and the job summary. Test failures do not
 * fail this step: the report observes; status-aggregate is the gate.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ConfigError,
  createGitHubClient,
  env,
  type GitHubClient,
  type GitHubContext,
  messageOf,
  type RepoRef,
  type Runner,
  readContext,
  runAction,
} from '@dynamo-ci/core';
import { type ArtifactRef, artifactClient, downloadResults, HISTORY_FILE, loadHistory } from './artifacts.js';
import { readJobs, readRun } from './github.js';
import type { History } from './history.js';
import { type Inputs, parseInputs } from './inputs.js';
import { buildLegs } from './legs.js';
import { bulkChunks } from './metrics.js';
import type { JobFacts, RunFacts } from './model.js';
import { postBulk } from './post.js';
import { FILE_LIMITS, renderReport, SUMMARY_LIMITS } from './render.js';
import { buildReport, pipelineSummary, type Report, summaryFailure } from './report.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: report });
}

/** New failures in the `new-failures` output at most (the report file lists them all). */
const MAX_NEW_FAILURES_OUTPUT = 100;

async function report(runner: Runner): Promise<void> {
  maskSecrets(runner);
  const inputs = parseInputs((name) => runner.input(name), { temp: env('RUNNER_TEMP') ?? tmpdir() });
  if (inputs.metrics?.authorization) runner.mask(inputs.metrics.authorization);
  const context = readContext();
  const repo = inputs.repository ?? context.repo;
  if (!repo.owner) throw new ConfigError("GITHUB_REPOSITORY is not set: pass 'repository' (owner/name).");
  const fromEvent =
    context.eventName === 'workflow_run' ? Number(context.payload.workflow_run?.id) || undefined : undefined;
  const runId = inputs.runId ?? fromEvent ?? context.runId;
  if (runId === undefined) {
    throw new ConfigError("No run to report on: GITHUB_RUN_ID is not set and 'run-id' was not given.");
  }
  const octokit = await createGitHubClient(inputs.token, { log: runner });

  const reportedRun = await readRun(octokit, repo, runId);
  const { jobs, truncated } = await readJobs(octokit, repo, runId, inputs.maxJobs);
  const reporter = await reportingJob(octokit, context, repo, runId, jobs, inputs.maxJobs);
  const otherJobs = jobs.filter((job) => job.id !== reporter.job?.id);
  runner.info(
    `Run ${runId} (${reportedRun.workflow} #${reportedRun.number} on ${reportedRun.branch}): ${jobs.length} job(s).`,
  );

  const dir = resolve(context.workspace, inputs.reportDir);
  mkdirSync(dir, { recursive: true });
  // A fresh folder for the downloads: nothing already under report-dir is overwritten or deleted.
  const downloads = mkdtempSync(join(dir, 'artifacts-'));
  const port = artifactClient(inputs.token, repo);
  const problems: string[] = [];
  if (truncated) {
    problems.push(
      `The run has more than ${inputs.maxJobs} jobs: only the first ${inputs.maxJobs} were read (raise 'max-jobs').`,
    );
  }

  let listed: ArtifactRef[] = [];
  try {
    listed = await port.list(runId);
  } catch (error) {
    problems.push(`The run's artifacts could not be listed: ${messageOf(error).split('\n')[0]}`);
  }
  const matching = listed.filter(
    (artifact) => artifact.name !== inputs.historyArtifact && inputs.artifacts.some((glob) => glob.test(artifact.name)),
  );
  if (matching.length === 0 && listed.length > 0) {
    const names = listed.slice(0, 10).map((artifact) => artifact.name);
    problems.push(
      `No artifact matched 'artifacts' (${inputs.artifactPatterns.join(', ')}); the run has ${names.join(', ')}${listed.length > 10 ? ', …' : ''}.`,
    );
  }
  const downloaded = await runner.group(`Download ${matching.length} results artifact(s)`, () =>
    downloadResults(port, runId, matching, downloads, runner),
  );
  const legs = buildLegs({
    artifacts: downloaded,
    jobs: otherJobs,
    testJobs: inputs.testJobs,
    prefix: inputs.artifactPrefix,
  });

  const history = await readHistory(runner, inputs, {
    octokit,
    repo,
    port,
    dir: downloads,
    run: reportedRun,
    reporter,
  });
  const report = buildReport({
    repository: `${repo.owner}/${repo.repo}`,
    run: reportedRun,
    jobs: otherJobs,
    legs,
    previousHistory: history.previous,
    historyNotes: history.notes,
    historyLimits: history.keep ? { runs: inputs.historyRuns, tests: 20_000 } : undefined,
    gpuRules: inputs.gpuRules,
    slowest: inputs.slowest,
    url: reporter.url,
    problems,
  });

  const files = writeFiles(dir, report, inputs);
  let posted = false;
  if (inputs.metrics) {
    const target = inputs.metrics;
    try {
      const result = await postBulk(target, files.chunks, { log: runner });
      posted = true;
      runner.info(`Posted ${result.documents} record(s) to ${target.display} in ${result.requests} request(s).`);
      if (result.rejected > 0) {
        runner.warning(
          `${result.rejected} of ${result.documents} metric record(s) were refused by ${target.display}: ${result.firstError}`,
        );
      }
    } catch (error) {
      runner.warning(
        `The metrics could not be posted to ${target.display}: ${messageOf(error)} (the bulk file is ${files.bulk}).`,
      );
    }
  }

  const summary = pipelineSummary(report);
  const newFailures = report.failures
    .filter((failure) => failure.standing.status === 'new')
    .slice(0, MAX_NEW_FAILURES_OUTPUT)
    .map(summaryFailure);
  runner.setOutput('result', report.result);
  runner.setOutput('summary', report.line);
  runner.setOutput('report', JSON.stringify(summary));
  runner.setOutput('new-failures', JSON.stringify(newFailures));
  runner.setOutput('report-file', files.markdown);
  runner.setOutput('json-file', files.json);
  runner.setOutput('bulk-file', files.bulk);
  runner.setOutput('history-file', files.history ?? '');
  runner.setOutput('metrics-posted', posted);

  for (const problem of report.problems.slice(0, 10)) runner.warning(problem);
  if (report.problems.length > 10)
    runner.warning(`… and ${report.problems.length - 10} more problems: see the job summary.`);
  runner.info(report.line);
  await runner.appendSummary(renderReport(report, SUMMARY_LIMITS));
}

function maskSecrets(runner: Runner): void {
  for (const name of ['token', 'metrics-credentials'] as const) {
    const value = runner.input(name)?.trim();
    if (value) runner.mask(value);
  }
  const metricsUrl = runner.input('metrics-url')?.trim();
  if (!metricsUrl) return;
  runner.mask(metricsUrl);
  try {
    const url = new URL(metricsUrl);
    if (url.password) runner.mask(decodeURIComponent(url.password));
    if (url.username && url.password) runner.mask(`${url.username}:${url.password}`);
  } catch {
    // A malformed URL is refused by parseInputs without echoing it.
  }
}

interface Reporter {
  /** The job running this action, when found. */
  job?: JobFacts;
  /** Its summary on the run page: where the report is shown. */
  url?: string;
  /** Set when the action runs in another run than the reported one (a `workflow_run` caller). */
  runId?: number;
  workflowId?: number;
}

/** This job (unfinished, on this runner) in the reporting run, for the summary link. */
async function reportingJob(
  octokit: GitHubClient,
  context: GitHubContext,
  repo: RepoRef,
  reportedRunId: number,
  reportedJobs: readonly JobFacts[],
  maxJobs: number,
): Promise<Reporter> {
  const runnerName = env('RUNNER_NAME');
  const reportingRunId = context.runId;
  const same = reportingRunId === undefined || reportingRunId === reportedRunId;
  let jobs = reportedJobs;
  let workflowId: number | undefined;
  if (!same) {
    try {
      jobs = (await readJobs(octokit, repo, reportingRunId as number, maxJobs)).jobs;
      workflowId = (await readRun(octokit, repo, reportingRunId as number)).workflowId;
    } catch {
      jobs = [];
    }
  }
  const job = runnerName
    ? jobs.find((candidate) => candidate.status !== 'completed' && candidate.runnerName === runnerName)
    : undefined;
  const runId = same ? reportedRunId : (reportingRunId as number);
  const runPage = `${context.serverUrl}/${repo.owner}/${repo.repo}/actions/runs/${runId}`;
  const url = job ? `${runPage}/attempts/${context.runAttempt}#summary-${job.id}` : runPage;
  return { job, url, ...(same ? {} : { runId, workflowId }) };
}

async function readHistory(
  runner: Runner,
  inputs: Inputs,
  deps: {
    octokit: GitHubClient;
    repo: RepoRef;
    port: ReturnType<typeof artifactClient>;
    dir: string;
    run: RunFacts;
    reporter: Reporter;
  },
): Promise<{ previous?: History; notes: string[]; keep: boolean }> {
  if (!inputs.history) return { notes: [], keep: false };
  const full = `${deps.repo.owner}/${deps.repo.repo}`;
  if (deps.run.headRepository !== full) {
    return {
      notes: [`No history for a run from a fork (${deps.run.headRepository}): its results are not compared or kept.`],
      keep: false,
    };
  }
  const loaded = await runner.group('Read the history', () =>
    loadHistory({
      octokit: deps.octokit,
      repo: deps.repo,
      port: deps.port,
      dir: deps.dir,
      artifactName: inputs.historyArtifact,
      lookback: inputs.historyLookback,
      run: deps.run,
      reporter:
        deps.reporter.runId !== undefined && deps.reporter.workflowId !== undefined
          ? { runId: deps.reporter.runId, workflowId: deps.reporter.workflowId }
          : undefined,
    }),
  );
  if (loaded.history) {
    runner.info(
      `History: ${loaded.history.runs.length} earlier run(s), ${Object.keys(loaded.history.tests).length} test(s) with failures or flakes.`,
    );
  }
  return { previous: loaded.history, notes: loaded.notes, keep: true };
}

interface WrittenFiles {
  markdown: string;
  json: string;
  bulk: string;
  history?: string;
  chunks: string[];
}

function writeFiles(dir: string, report: Report, inputs: Inputs): WrittenFiles {
  const markdown = join(dir, 'report.md');
  writeFileSync(markdown, renderReport(report, FILE_LIMITS));
  const json = join(dir, 'report.json');
  writeFileSync(json, `${JSON.stringify(reportJson(report))}\n`);
  const chunks = bulkChunks(
    {
      repository: report.repository,
      run: report.run,
      timeline: report.timeline,
      legs: report.legs,
      totals: report.totals,
      standings: report.standings,
      newFailures: report.newFailures,
    },
    inputs.metrics?.indexPrefix ?? 'dynamo-ci',
  );
  const bulk = join(dir, 'metrics.ndjson');
  writeFileSync(bulk, chunks.join(''));
  let history: string | undefined;
  if (report.history.next) {
    mkdirSync(join(dir, 'history'), { recursive: true });
    history = join(dir, 'history', HISTORY_FILE);
    writeFileSync(history, `${JSON.stringify(report.history.next)}\n`);
  }
  return { markdown, json, bulk, history, chunks };
}

/** The report file for machines: everything the summary shows, uncapped. */
function reportJson(report: Report): Record<string, unknown> {
  const byId = new Map(report.timeline.jobs.map((timing) => [timing.job.id, timing.job.name]));
  return {
    schema: 'dynamo-ci/pipeline-report@1',
    summary: pipelineSummary(report),
    run: report.run,
    totals: report.totals,
    legs: report.legs.map((leg) => ({
      name: leg.name,
      artifact: leg.artifact,
      job: leg.job
        ? { id: leg.job.id, name: leg.job.name, conclusion: leg.job.conclusion, url: leg.job.url }
        : undefined,
      state: leg.state,
      counts: leg.counts,
      problems: leg.problems,
    })),
    failures: report.failures,
    flaky: report.flaky,
    slowest: report.slowest,
    time: {
      wallSeconds: report.timeline.wallSeconds,
      queueSeconds: report.timeline.queueSeconds,
      runnerMinutes: report.timeline.runnerMinutes,
      gpuMinutes: report.timeline.gpuMinutes,
      criticalPath: report.timeline.criticalPath.map((id) => byId.get(id)),
      byLabels: report.timeline.byLabels,
    },
    problems: report.problems,
  };
}

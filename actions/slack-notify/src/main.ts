/** Wiring: inputs -> report or jobs or custom payload -> message -> Slack -> outputs and summary. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigError,
  createGitHubClient,
  env,
  type GateReport,
  type GitHubContext,
  InputError,
  listRunJobs,
  type PipelineSummary,
  parsePipelineSummary,
  parseReport,
  type Runner,
  readContext,
  reportRunOf,
  runAction,
  runUrl,
  sleep,
} from '@dynamo-ci/core';
import { parseInputs } from './inputs.js';
import { collectJobs, jobsToReport } from './jobs.js';
import { buildMessage, fitToLimits, type RunInfo, type SlackPayload } from './message.js';
import { renderSummary, type SummaryFacts } from './render.js';
import { SlackSendError, send } from './send.js';
import { parsePayload, placeholdersIn, type RunFields, substitute } from './template.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: notify });
}

const SECRET_INPUTS = ['webhook-url', 'token', 'github-token'] as const;

async function notify(runner: Runner): Promise<void> {
  // Mask before anything can print, including the errors of parsing.
  const secrets = SECRET_INPUTS.map((name) => runner.input(name)?.trim()).filter((value): value is string => !!value);
  for (const secret of secrets) runner.mask(secret);

  const inputs = parseInputs((name) => runner.input(name));
  const context = readContext();
  const run = runInfo(context);

  let report: GateReport | undefined;
  if (inputs.report !== undefined) {
    try {
      report = parseReport(inputs.report);
    } catch (error) {
      throw new InputError('report', `Input 'report' is not a status-aggregate report: ${(error as Error).message}`);
    }
  }

  let pipeline: PipelineSummary | undefined;
  if (inputs.pipelineReport !== undefined) {
    try {
      pipeline = parsePipelineSummary(inputs.pipelineReport);
    } catch (error) {
      throw new InputError(
        'pipeline-report',
        `Input 'pipeline-report' is not a pipeline-report summary: ${(error as Error).message}`,
      );
    }
  }

  let custom: SlackPayload | undefined;
  let customInput: 'payload' | 'payload-file' = 'payload';
  if (inputs.payload !== undefined) custom = parsePayload(inputs.payload, 'payload');
  if (inputs.payloadFile !== undefined) {
    customInput = 'payload-file';
    const path = resolve(context.workspace, inputs.payloadFile);
    if (!existsSync(path)) {
      throw new InputError(
        'payload-file',
        `Input 'payload-file' names ${JSON.stringify(inputs.payloadFile)}, which does not exist in the workspace.`,
      );
    }
    custom = parsePayload(readFileSync(path, 'utf8'), 'payload-file');
  }

  // The run's jobs are read when nothing else says what happened.
  const wanted = custom ? placeholdersIn(custom) : new Set<string>();
  const needJobs =
    report === undefined &&
    (custom === undefined ||
      wanted.has('failed_jobs') ||
      wanted.has('failed_count') ||
      (inputs.result === undefined && (inputs.notifyOn !== 'always' || wanted.has('result'))));
  if (needJobs) report = await collectReport(runner, inputs, context);

  const result = inputs.result ?? report?.result ?? 'unknown';
  const destination = describeDestination(inputs.transport);
  if (inputs.notifyOn !== 'always' && result !== inputs.notifyOn) {
    runner.info(`Not sending: the result is ${result} and notify-on is ${inputs.notifyOn}.`);
    setOutputs(runner, { sent: false });
    await runner.appendSummary(
      renderSummary({ outcome: 'skipped', destination, result, reason: `notify-on is ${inputs.notifyOn}.`, cuts: [] }),
    );
    return;
  }

  const message = custom
    ? substitute(custom, runFields(run, result, report), customInput)
    : buildMessage(report as GateReport, run, { title: inputs.title, mentions: inputs.mentions, pipeline });
  const { payload, cuts } = fitToLimits(message);
  for (const cut of cuts) runner.warning(`The Slack message was cut to fit Slack's limits: ${cut}.`);
  const payloadJson = JSON.stringify(payload);
  const facts: SummaryFacts = { outcome: 'sent', destination, result, cuts, payload };

  if (inputs.dryRun || !inputs.transport) {
    runner.info(`Dry run: this payload would go to ${destination}:\n${JSON.stringify(payload, null, 2)}`);
    setOutputs(runner, { sent: false, payload: payloadJson });
    await runner.appendSummary(renderSummary({ ...facts, outcome: 'dry-run' }));
    return;
  }

  try {
    const sent = await send(inputs.transport, payload, {
      retries: inputs.retries,
      requestTimeoutMs: inputs.requestTimeoutMs,
      log: runner,
      redact: (text) => runner.redact(text),
    });
    const updated = inputs.transport.kind === 'api' && inputs.transport.updateTs !== undefined;
    runner.info(`Slack message ${updated ? 'updated' : 'sent'} to ${destination}${sent.ts ? ` (ts ${sent.ts})` : ''}.`);
    setOutputs(runner, { sent: true, ts: sent.ts, channel: sent.channel, payload: payloadJson });
    await runner.appendSummary(renderSummary({ ...facts, outcome: updated ? 'updated' : 'sent' }));
  } catch (error) {
    if (!(error instanceof SlackSendError)) throw error;
    setOutputs(runner, { sent: false, payload: payloadJson });
    await runner.appendSummary(renderSummary({ ...facts, outcome: 'failed', reason: error.message }));
    if (inputs.failOnError) throw error;
    runner.warning(`${error.message} (fail-on-error is false, so the step continues.)`);
  }
}

async function collectReport(
  runner: Runner,
  inputs: ReturnType<typeof parseInputs>,
  context: GitHubContext,
): Promise<GateReport> {
  if (!inputs.githubToken) {
    throw new ConfigError(
      "Reading the run's jobs needs 'github-token' (default ${{ github.token }}); or pass a status-aggregate 'report', or 'result'.",
    );
  }
  if (context.runId === undefined) throw new ConfigError("GITHUB_RUN_ID is not set: cannot read the run's jobs.");
  const octokit = await createGitHubClient(inputs.githubToken, { log: runner });
  const runId = context.runId;
  const collected = await collectJobs(() => listRunJobs(octokit, context.repo, runId), {
    include: inputs.jobs,
    self: { jobId: context.job, runnerName: env('RUNNER_NAME') },
    waitTimeoutMs: inputs.waitTimeoutMs,
    pollIntervalMs: inputs.pollIntervalMs,
    sleep: (ms) => sleep(ms),
    log: runner,
  });
  runner.info(`Read ${collected.jobs.length} job(s) of run ${runId}.`);
  if (collected.unfinished.length > 0) {
    runner.warning(
      `${collected.unfinished.length} job(s) had not finished after ${Math.round(inputs.waitTimeoutMs / 1000)}s and are reported as still running: ${collected.unfinished.slice(0, 10).join(', ')}${collected.unfinished.length > 10 ? ', …' : ''}. Make this job need them, or narrow 'jobs'.`,
    );
  }
  return jobsToReport(collected, reportRunOf(context), inputs.waitTimeoutMs);
}

function runInfo(context: GitHubContext): RunInfo {
  const headCommit = context.payload.head_commit as
    | { message?: string; author?: { name?: string; username?: string } }
    | undefined;
  const pullHead = context.payload.pull_request?.head?.sha as string | undefined;
  return {
    serverUrl: context.serverUrl,
    repository: `${context.repo.owner}/${context.repo.repo}`,
    runId: context.runId,
    runAttempt: context.runAttempt,
    runUrl: runUrl(context),
    workflow: context.workflow,
    ref: context.ref,
    sha: pullHead ?? context.sha,
    actor: context.actor,
    author: headCommit?.author?.username ?? headCommit?.author?.name,
    commitTitle: headCommit?.message?.split('\n')[0],
  };
}

function runFields(run: RunInfo, result: string, report: GateReport | undefined): RunFields {
  const failed = report?.jobs.filter((job) => job.verdict === 'fail').map((job) => job.name) ?? [];
  return {
    url: run.runUrl ?? '',
    id: run.runId === undefined ? '' : String(run.runId),
    attempt: String(run.runAttempt ?? 1),
    workflow: run.workflow ?? '',
    repository: run.repository,
    server_url: run.serverUrl,
    ref: run.ref ?? '',
    ref_name: (run.ref ?? '').replace(/^refs\/(heads|tags)\//, ''),
    sha: run.sha ?? '',
    short_sha: (run.sha ?? '').slice(0, 7),
    commit_url: run.sha ? `${run.serverUrl}/${run.repository}/commit/${run.sha}` : '',
    actor: run.actor ?? '',
    author: run.author ?? run.actor ?? '',
    result,
    failed_count: String(failed.length),
    failed_jobs: failed.join(', '),
  };
}

function describeDestination(transport: ReturnType<typeof parseInputs>['transport']): string {
  if (!transport) return 'nowhere (dry run)';
  if (transport.kind === 'webhook') return 'the incoming webhook';
  return `channel ${transport.channel}${transport.updateTs ? ` (updating ${transport.updateTs})` : ''}`;
}

function setOutputs(runner: Runner, values: { sent: boolean; ts?: string; channel?: string; payload?: string }): void {
  runner.setOutput('sent', values.sent);
  runner.setOutput('ts', values.ts ?? '');
  runner.setOutput('channel', values.channel ?? '');
  runner.setOutput('payload', values.payload ?? '');
}

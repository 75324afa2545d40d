import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  cancellable,
  env,
  exec,
  type Runner,
  readContext,
  runAction,
  ServiceError,
  sleep,
  spawnProcess,
  TimeoutError,
  UserError,
} from '@dynamo-ci/core';
import {
  type BuildPorts,
  checkBuildFiles,
  checkDisk,
  checkSecrets,
  planImage,
  type RunContext,
  resolveEngine,
  runBuild,
  storagePath,
} from './build.js';
import { type Inputs, parseInputs } from './inputs.js';
import { buildMetadata, outputs, renderSummary } from './render.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: buildContainer });
}

async function buildContainer(runner: Runner): Promise<void> {
  const parsed = parseInputs((name) => runner.input(name));
  checkBuildFiles(parsed, process.cwd(), pathKind);
  for (const secret of parsed.secrets) {
    const value = env(secret.env);
    if (value !== undefined) runner.mask(value);
  }
  const inputs = checkSecrets(parsed, env, runner);

  const github = readContext();
  const context: RunContext = {
    eventName: github.eventName,
    ref: github.ref,
    sha: github.sha,
    pullRequestHeadSha: github.payload.pull_request?.head?.sha,
    repositoryUrl: github.repo.owner ? `${github.serverUrl}/${github.repo.owner}/${github.repo.repo}` : undefined,
    hostPlatform: `linux/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    createdAt: new Date().toISOString(),
  };

  await cancellable((signal) => build(runner, inputs, context, signal));
}

/** The build, stopped (and still reported) when the runner cancels the step. */
async function build(runner: Runner, inputs: Inputs, context: RunContext, signal: AbortSignal): Promise<void> {
  const workDir = mkdtempSync(join(env('RUNNER_TEMP') ?? tmpdir(), 'build-container-'));
  const ports: BuildPorts = {
    spawn: (command, args, options) =>
      spawnProcess(command, args, {
        timeoutMs: options.timeoutMs,
        killGraceMs: 5000,
        signal,
        onLine: (line) => options.onLine(line),
      }),
    exec: (command, args) => exec(command, args),
    diskSpace,
    readFile: async (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    workDir,
    env,
    now: () => Date.now(),
    sleep: (ms) => sleep(ms, signal),
    log: runner,
    signal,
    retryBaseDelayMs: inputs.pushRetryDelayMs,
  };

  try {
    const engine = await resolveEngine(inputs.engine, ports, inputs.builder);
    const plan = planImage(inputs, context, engine, workDir);
    runner.info(`Engine ${engine}; tags: ${plan.tags.join(', ')}`);
    runner.info(`Cache from ${plan.build.cache.from.join(', ') || 'nothing'}; to ${plan.build.cache.to ?? 'nothing'}`);
    const disk = await checkDisk(inputs.minFreeDiskGb, inputs.diskPath ?? (await storagePath(engine, ports)), ports);
    runner.info(`${engine} ${plan.buildArgs.join(' ')}`);
    const outcome = await runner.group(`Build ${plan.primary}`, () =>
      runBuild(plan, inputs.timeoutMs, inputs.pushRetries, ports),
    );
    outcome.disk = disk;
    const metadata = buildMetadata(outcome);
    for (const [name, value] of Object.entries(outputs(metadata))) runner.setOutput(name, value);
    await runner.appendSummary(renderSummary(outcome, metadata, inputs.logTailLines, runner.masked()));
    if (outcome.status === 'timed-out' || outcome.status === 'cancelled') throw new TimeoutError(outcome.message ?? '');
    if (outcome.status === 'push-failed') throw new ServiceError(outcome.message ?? '');
    if (outcome.status === 'build-failed') throw new UserError(outcome.message ?? '');
    runner.info(`Built ${plan.primary}${metadata.digest ? ` (${metadata.digest})` : ''}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** statfs of the nearest existing directory (the engine's storage may not exist before its first build). */
async function diskSpace(path: string) {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const stats = await statfs(existing);
  return { path: existing, freeBytes: stats.bavail * stats.bsize, totalBytes: stats.blocks * stats.bsize };
}

function pathKind(path: string): 'file' | 'directory' | undefined {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats?.isFile()) return 'file';
  return stats?.isDirectory() ? 'directory' : undefined;
}

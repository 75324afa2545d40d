import { tmpdir } from 'node:os';
import { cancellable, env, exec, type Runner, readContext, runAction, spawnProcess } from '@dynamo-ci/core';
import { createDurationsStore } from './durations-cache.js';
import { detectGpus } from './gpu.js';
import { parseInputs, RUNNER_ONLY_ENV } from './inputs.js';
import type { Arch } from './markers.js';
import { annotations, failureMessage, renderSummary } from './render.js';
import { runTests } from './run.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: runGpuTests });
}

async function runGpuTests(runner: Runner): Promise<void> {
  const context = readContext();
  const workspace = context.workspace;
  const temp = env('RUNNER_TEMP') ?? tmpdir();
  const inputs = parseInputs((name) => runner.input(name), { workspace, temp });
  for (const [name, value] of inputs.env) {
    if (/TOKEN|SECRET|PASSWORD|KEY/i.test(name)) runner.mask(value);
  }
  // A forwarded secret is usually masked already (secrets.*); a value from elsewhere is masked here.
  for (const name of inputs.forwardEnv) {
    const value = env(name);
    if (value !== undefined && /TOKEN|SECRET|PASSWORD|KEY/i.test(name)) runner.mask(value);
  }
  const arch: Arch = inputs.arch === 'auto' ? (env('RUNNER_ARCH') === 'ARM64' ? 'arm64' : 'amd64') : inputs.arch;

  const runId = String(context.runId ?? 'local');
  const runAttempt = String(context.runAttempt);
  const durationsPrefix = inputs.durationsKey ?? `run-gpu-tests-durations-${arch}`;
  // Cancelled, pytest is stopped and the run still reported.
  const report = await cancellable((signal) =>
    runTests(
      inputs,
      {
        workspace,
        temp,
        arch,
        runId,
        runAttempt,
        job: context.job ?? 'job',
        workflow: context.workflow ?? '',
        runnerUser: typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid?.()}` : undefined,
        hostEnv: testEnvironment(process.env),
      },
      {
        spawn: (command, args, options) => spawnProcess(command, args, options),
        exec: (command, args) => exec(command, args),
        detectGpus: () => detectGpus((command, args) => exec(command, args)),
        durations: createDurationsStore(
          workspace,
          { prefix: durationsPrefix, unique: `${runId}-${runAttempt}-${inputs.shardIndex}` },
          runner,
        ),
        // pytest's (or the container's) output goes to toolOutput: it can issue no workflow command.
        log: runner,
        signal,
        now: () => Date.now(),
      },
    ),
  );

  runner.setOutput('result', report.result);
  runner.setOutput('total', report.counts.total);
  runner.setOutput('passed', report.counts.passed);
  runner.setOutput('failed', report.counts.failed);
  runner.setOutput('skipped', report.counts.skipped);
  runner.setOutput('errors', report.counts.errors);
  runner.setOutput('flaky', report.counts.flaky);
  runner.setOutput('marker-expression', report.markerExpression);
  runner.setOutput('junit-files', JSON.stringify(report.junitFiles));
  runner.setOutput('report', JSON.stringify(report));

  for (const annotation of annotations(report, inputs.annotationPathPrefix)) {
    const properties = { title: annotation.title, file: annotation.file, line: annotation.line };
    if (annotation.level === 'error') runner.error(annotation.message, properties);
    else runner.warning(annotation.message, properties);
  }
  await runner.appendSummary(renderSummary(report));
  const failure = failureMessage(report, inputs.failOnEmpty);
  if (failure !== undefined) runner.fail(failure);
}

/**
 * The environment the tests inherit: the runner's, minus the action's inputs (which may carry
 * secrets from `env:`) and the runner's own service tokens, which test code has no business reading.
 */
export function testEnvironment(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const kept: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(source)) {
    if (!RUNNER_ONLY_ENV.test(name)) kept[name] = value;
  }
  return kept;
}

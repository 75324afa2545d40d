/**
 * Wiring only: runner -> inputs -> target (this run, or namespaces older than `older-than`) ->
 * kubeconfig -> cleanup -> outputs, summary. Deletions that failed are listed together at the end
 * (one error), after everything else was tried.
 */
// First: it fills in what @kubernetes/client-node needs on Node 20 before that loads.
import '@dynamo-ci/kube/node-compat';
import { env, type Runner, readContext, runAction, ServiceError, sleep } from '@dynamo-ci/core';
import { openCluster } from '@dynamo-ci/kube/open';
import { cleanUp } from './cleanup.js';
import { parseInputs } from './inputs.js';
import { renderSummary } from './render.js';
import { targetOf } from './select.js';

async function runMain(runner: Runner): Promise<void> {
  const inputs = parseInputs((name) => runner.input(name));
  const context = readContext();
  const target = targetOf(
    inputs,
    {
      runId: String(context.runId ?? 'local'),
      attempt: String(context.runAttempt),
      repository: `${context.repo.owner}/${context.repo.repo}`,
    },
    Date.now(),
  );
  const { kube, cluster } = await openCluster(inputs.kubeconfig, runner, {
    KUBECONFIG: env('KUBECONFIG'),
    HOME: env('HOME'),
    cwd: context.workspace,
    tempRoot: env('RUNNER_TEMP'),
  });
  try {
    const report = await cleanUp(target, inputs, {
      cluster,
      log: runner,
      sleep: (ms) => sleep(ms),
      now: Date.now,
    });
    runner.setOutput('namespaces', JSON.stringify(report.namespaces));
    runner.setOutput('objects', JSON.stringify(report.objects));
    runner.setOutput('count', report.namespaces.length + report.objects.length);
    await runner.appendSummary(renderSummary(report));
    if (report.errors.length > 0) {
      throw new ServiceError(
        `Cleanup of ${target.description} left ${report.errors.length} thing(s) behind: ${report.errors.join('; ')}`,
      );
    }
  } finally {
    kube.dispose();
  }
}

export async function run(): Promise<void> {
  await runAction({ main: runMain });
}

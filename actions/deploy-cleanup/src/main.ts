/**
 * Wiring only: runner -> inputs -> target (this run, or namespaces older than `older-than`) ->
 * kubeconfig -> cleanup -> outputs, summary. Deletions that failed are listed together at the end
 * (one error), after everything else was tried.
 */
import { env, type Runner, readContext, runAction, ServiceError, sleep } from '@dynamo-ci/core';
import { cleanUp } from './cleanup.js';
import { parseInputs } from './inputs.js';
import { renderSummary } from './render.js';
import { targetOf } from './select.js';

async function runMain(runner: Runner): Promise<void> {
  const inputs = parseInputs((name) => runner.input(name));
  if (inputs.kubeconfig !== undefined) runner.mask(inputs.kubeconfig.trim());
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
  // @kubernetes/client-node is megabytes of code: loaded once the inputs are checked.
  const [{ KubeCluster }, { openKubeconfig, resolveKubeconfig }] = await Promise.all([
    import('@dynamo-ci/kube/cluster'),
    import('@dynamo-ci/kube/kubeconfig'),
  ]);
  const source = resolveKubeconfig(inputs.kubeconfig, {
    KUBECONFIG: env('KUBECONFIG'),
    HOME: env('HOME'),
    cwd: context.workspace,
  });
  const kube = openKubeconfig(source, env('RUNNER_TEMP'), (secret) => runner.mask(secret));
  runner.info(`Kubernetes: context ${kube.context}, server ${kube.server} (kubeconfig from ${source.origin})`);
  try {
    const report = await cleanUp(target, inputs, {
      cluster: new KubeCluster(kube.config, kube.server),
      log: (line) => runner.info(line),
      warn: (line) => runner.warning(line),
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

export async function main(): Promise<void> {
  await runAction({ main: runMain });
}

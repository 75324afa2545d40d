/**
 * Wiring only: runner -> inputs -> manifests (files, or the chart rendered by helm) -> plan ->
 * kubeconfig -> install -> outputs, summary. There is no post step: the deployment tests use the
 * operator after this job, and the run's final cleanup job removes the namespace and everything
 * labelled with the run, also when this job was cancelled. The kubeconfig's private copy is removed
 * when the step ends, however it ends.
 */
// First: it fills in what @kubernetes/client-node needs on Node 20 before that loads.
import '@dynamo-ci/kube/node-compat';
import {
  cancellable,
  env,
  messageOf,
  type Runner,
  readContext,
  runAction,
  runUrl,
  sleep,
  spawnProcess,
} from '@dynamo-ci/core';
import type { KubeCluster } from '@dynamo-ci/kube/cluster';
import type { OpenedKubeconfig } from '@dynamo-ci/kube/kubeconfig';
import { MANAGED_BY_LABEL, runAnnotations, runLabels } from '@dynamo-ci/kube/labels';
import { refOf } from '@dynamo-ci/kube/manifests';
import { openCluster as open } from '@dynamo-ci/kube/open';
import { parseInputs } from './inputs.js';
import { defaultNamespace, type InstallProgress, install, MANAGED_BY, planInstall } from './install.js';
import { renderSummary } from './render.js';
import { loadManifests } from './source.js';

/** The cluster from the kubeconfig input; the client library loads only once the manifests are checked. */
function openCluster(
  runner: Runner,
  raw: string | undefined,
): Promise<{ kube: OpenedKubeconfig; cluster: KubeCluster }> {
  return open(raw, runner, {
    KUBECONFIG: env('KUBECONFIG'),
    HOME: env('HOME'),
    cwd: readContext().workspace,
    tempRoot: env('RUNNER_TEMP'),
  });
}

async function runMain(runner: Runner): Promise<void> {
  const inputs = parseInputs((name) => runner.input(name));
  if (inputs.hfToken !== undefined) runner.mask(inputs.hfToken);
  const context = readContext();
  const run = {
    runId: String(context.runId ?? 'local'),
    attempt: String(context.runAttempt),
    repository: `${context.repo.owner}/${context.repo.repo}`,
    runUrl: runUrl(context),
  };
  const namespace = inputs.namespace ?? defaultNamespace(run.runId, run.attempt);
  runner.setOutput('namespace', namespace);
  const { manifests, source } = await loadManifests(inputs, namespace, context.workspace, (args) => {
    runner.info(`helm ${args.join(' ')}`);
    return spawnProcess('helm', args, { cwd: context.workspace, timeoutMs: 5 * 60_000 });
  });
  const plan = planInstall(
    manifests,
    inputs,
    {
      namespace,
      namespaceLabels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        ...runLabels(run),
        ...Object.fromEntries(inputs.namespaceLabels),
      },
      namespaceAnnotations: runAnnotations(run, new Date()),
      objectLabels: runLabels(run),
    },
    source,
  );
  for (const change of plan.imageChanges) runner.info(change);
  runner.setOutput('objects', JSON.stringify(plan.objects.map(refOf)));
  if (inputs.image) runner.setOutput('image', inputs.image);

  const { kube, cluster } = await openCluster(runner, inputs.kubeconfig);
  const progress: InstallProgress = { phase: 'namespace', crdsApplied: [], crdsKept: [], applied: [] };
  const summary = { source, server: kube.server, image: inputs.image, plan, progress };
  try {
    await cancellable((signal) =>
      install(plan, inputs, { cluster, log: runner, sleep, now: Date.now, signal }, progress),
    );
    runner.setOutput('ready-seconds', progress.readySeconds ?? 0);
    await runner.appendSummary(renderSummary(summary));
  } catch (error) {
    await runner.appendSummary(renderSummary({ ...summary, failure: messageOf(error) }));
    throw error;
  } finally {
    kube.dispose();
  }
}

export async function run(): Promise<void> {
  await runAction({ main: runMain });
}

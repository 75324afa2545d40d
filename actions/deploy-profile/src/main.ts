/**
 * Wiring only: runner -> inputs -> kubeconfig -> deploy (main) or cleanup (post) -> outputs,
 * summary. The kubeconfig's private copy is removed when the phase ends, however it ends; a
 * cancelled run (SIGINT/SIGTERM) stops the wait and leaves cleanup to the post phase.
 */
// First: it fills in what @kubernetes/client-node needs on Node 20 before that loads.
import '@dynamo-ci/kube/node-compat';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  cancellable,
  env,
  InputError,
  messageOf,
  postState,
  type Runner,
  readContext,
  runAction,
  runUrl,
  sleep,
} from '@dynamo-ci/core';
import type { KubeCluster } from '@dynamo-ci/kube/cluster';
import type { OpenedKubeconfig } from '@dynamo-ci/kube/kubeconfig';
import { runLabels } from '@dynamo-ci/kube/labels';
import { openCluster as open } from '@dynamo-ci/kube/open';
import { cleanup, skipReason } from './cleanup.js';
import { type DeployProgress, deploy, plan } from './deploy.js';
import { collectDiagnostics } from './diagnostics.js';
import { parseInputs } from './inputs.js';
import {
  fieldManager,
  namespaceAnnotations,
  namespaceLabels,
  namespaceName,
  PROFILE_LABEL,
  profileLabel,
  slug,
} from './naming.js';
import { applyOverrides, parseProfile, profileName } from './profile.js';
import { renderCleanup, renderSummary } from './render.js';
import { DEPLOY_STATE } from './state.js';

/** The cluster from the kubeconfig input; the client library loads only once the inputs are checked. */
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
  const state = postState(runner, DEPLOY_STATE);
  state.save('cleanup', inputs.cleanup);
  const context = readContext();
  const profilePath = resolve(context.workspace, inputs.profile);
  if (!existsSync(profilePath) || !statSync(profilePath).isFile()) {
    throw new InputError(
      'profile',
      `Input 'profile' must be a profile YAML file; ${inputs.profile} does not exist (relative paths start at the workspace)`,
    );
  }
  const profileFile = parseProfile(readFileSync(profilePath, 'utf8'), inputs.profile);
  const graph = profileFile.graph;
  const profile = profileName(inputs.profile);
  const runId = String(context.runId ?? 'local');
  const attempt = String(context.runAttempt);
  // Jobs running at once never share a runner, so its name (with the job id, the profile path and
  // the image) keeps the matrix legs of one run in namespaces of their own.
  const job = [context.job ?? '', env('RUNNER_NAME') ?? '', inputs.profile, inputs.image ?? ''];
  const namespace = inputs.namespace ?? namespaceName(runId, attempt, profile, job);
  const run = {
    runId,
    attempt,
    profile,
    repository: `${context.repo.owner}/${context.repo.repo}`,
    runUrl: runUrl(context),
  };
  const objectLabels = { ...runLabels(run), [PROFILE_LABEL]: profileLabel(inputs.profile) };
  const overridden = applyOverrides(graph, { image: inputs.image, model: inputs.model, namespace });
  for (const placeholder of overridden.report.placeholderImages) {
    runner.warning(
      `Profile ${inputs.profile} keeps a placeholder image (${placeholder}); set the 'image' input to the image under test`,
    );
  }
  const deployPlan = plan({ ...profileFile, graph: overridden.graph }, inputs, {
    namespace,
    labels: namespaceLabels(run, inputs.namespaceLabels),
    annotations: namespaceAnnotations(run, new Date()),
    objectLabels,
    fieldManager: fieldManager(inputs.profile),
  });
  const name = graph.metadata.name;
  runner.setOutput('namespace', namespace);
  runner.setOutput('deployment-name', name);

  const { kube, cluster } = await openCluster(runner, inputs.kubeconfig);
  const progress: DeployProgress = { phase: 'namespace' };
  const summaryBase = {
    profile: inputs.profile,
    namespace,
    name,
    server: kube.server,
    overrides: overridden.report,
    model: deployPlan.model,
  };
  try {
    await cancellable(async (signal) => {
      try {
        await deploy(
          deployPlan,
          inputs,
          {
            cluster,
            log: runner,
            saveState: (key, value) => runner.saveState(key, value),
            sleep,
            now: Date.now,
            signal,
          },
          progress,
        );
        state.save('outcome', 'success');
        runner.setOutput('ready-seconds', progress.readySeconds ?? 0);
        if (progress.smoke) runner.setOutput('response', JSON.stringify(progress.smoke.response));
        await runner.appendSummary(renderSummary({ ...summaryBase, progress }));
      } catch (error) {
        state.save('outcome', 'failure');
        if (progress.namespace && !signal.aborted) {
          const logsDir = resolve(
            context.workspace,
            inputs.logsDir ?? join(env('RUNNER_TEMP') ?? context.workspace, 'deploy-profile-logs', slug(namespace)),
          );
          const diagnostics = await runner.group('Diagnostics', async () => {
            const collected = await collectDiagnostics(cluster, namespace, name, logsDir);
            runner.toolOutput(collected.tail);
            return collected;
          });
          runner.setOutput('logs-dir', diagnostics.dir);
          await runner.appendSummary(
            renderSummary({
              ...summaryBase,
              progress,
              failure: messageOf(error),
              logsDir: diagnostics.dir,
              diagnosticsTail: diagnostics.tail,
            }),
          );
        } else {
          await runner.appendSummary(renderSummary({ ...summaryBase, progress, failure: messageOf(error) }));
        }
        throw error;
      }
    });
  } finally {
    kube.dispose();
  }
}

async function runPost(runner: Runner): Promise<void> {
  const saved = postState(runner, DEPLOY_STATE).read();
  const namespace = saved.namespace;
  const name = saved['deployment-name'];
  const mode = saved.cleanup ?? 'always';
  const state = {
    namespace,
    name,
    objects: saved.objects ?? [],
    createdNamespace: saved['namespace-created'] ?? false,
    outcome: saved.outcome,
    mode,
  };
  const skipped = skipReason(state);
  if (skipped) {
    runner.info(skipped);
    await runner.appendSummary(
      renderCleanup(namespace, name, {
        skipped,
        deletedGraph: false,
        podsGone: false,
        deletedObjects: [],
        deletedNamespace: false,
        warnings: [],
      }),
    );
    return;
  }
  let opened: { kube: OpenedKubeconfig; cluster: KubeCluster };
  let timeouts: { timeoutMs: number; pollIntervalMs: number };
  try {
    const inputs = parseInputs((input) => runner.input(input));
    timeouts = { timeoutMs: inputs.cleanupTimeoutMs, pollIntervalMs: Math.min(inputs.pollIntervalMs, 2000) };
    opened = await openCluster(runner, inputs.kubeconfig);
  } catch (error) {
    runner.warning(
      `Cleanup could not reach the cluster, so ${namespace}${name ? `/${name}` : ''} may be left behind: ${messageOf(error)}`,
    );
    return;
  }
  try {
    const report = await cleanup(state, timeouts, {
      cluster: opened.cluster,
      log: runner,
      sleep: (ms) => sleep(ms),
      now: Date.now,
    });
    await runner.appendSummary(renderCleanup(namespace, name, report));
  } finally {
    opened.kube.dispose();
  }
}

/** The objects the main phase saved before applying; none when it stopped earlier. */
export async function run(): Promise<void> {
  await runAction({
    main: runMain,
    // Cleanup errors are warnings: never let the post phase fail the job.
    async post(runner) {
      try {
        await runPost(runner);
      } catch (error) {
        runner.warning(`Cleanup failed: ${messageOf(error)}`);
      }
    },
  });
}

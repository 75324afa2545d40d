/**
 * Installing the operator: plan (pure: which objects, where, labelled how, with which image) and
 * install (through the cluster port: namespace, CRDs, every other object by server-side apply, then
 * wait until every Deployment is Available, failing fast on pods that will not start). `progress` is
 * filled in as things happen, so the caller knows what exists when something throws.
 */
import { ConfigError, type Logger, ServiceError, TimeoutError, UserError } from '@dynamo-ci/core';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { INVENTORY_ANNOTATION, MANAGED_BY_LABEL, slug } from '@dynamo-ci/kube/labels';
import {
  applyOrder,
  CRD_KIND,
  clusterScopedKinds,
  describeRef,
  inNamespace,
  isNamespaced,
  type Json,
  type Manifest,
  type ObjectRef,
  refOf,
  withLabels,
} from '@dynamo-ci/kube/manifests';
import { deploymentReady, podFailure, podSummary } from '@dynamo-ci/kube/pods';
import type { Inputs } from './inputs.js';

export const FIELD_MANAGER = 'dynamo-ci-deploy-operator';
export const MANAGED_BY = 'dynamo-ci-deploy-operator';

/** Kinds whose pod template gets the operator image. */
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet']);

/** `ci-<run_id>-<attempt>-operator`: one namespace per run attempt, shared by its deployment tests. */
export function defaultNamespace(runId: string, attempt: string): string {
  return `ci-${slug(runId)}-${slug(attempt)}-operator`.slice(0, 63).replace(/-+$/, '');
}

export class InstallFailed extends UserError {
  override name = 'InstallFailed';
}

export interface InstallPlan {
  namespace: string;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
  /** Applied first and never labelled for cleanup: a CRD is the cluster's, shared by every run. */
  crds: Manifest[];
  /** Everything else, in order, labelled with the run. */
  objects: Manifest[];
  /** The cluster-scoped objects among `objects` (recorded on the namespace for cleanup). */
  clusterObjects: ObjectRef[];
  /** The Deployments waited on. */
  deployments: ObjectRef[];
  /** `Deployment x container y: old -> new` for each image replaced. */
  imageChanges: string[];
  /** Documents left out (a Namespace: the run's namespace is made here). */
  skipped: string[];
}

export interface PlanTarget {
  namespace: string;
  namespaceLabels: Record<string, string>;
  namespaceAnnotations: Record<string, string>;
  objectLabels: Record<string, string>;
}

/** Check and shape everything before touching the cluster. */
export function planInstall(
  manifests: readonly Manifest[],
  inputs: Pick<Inputs, 'image' | 'imageContainers' | 'hfToken' | 'hfTokenSecret' | 'chart'>,
  target: PlanTarget,
  source: string,
): InstallPlan {
  const skipped = manifests.filter((manifest) => manifest.kind === 'Namespace').map((m) => describeRef(refOf(m)));
  const kept = manifests.filter((manifest) => manifest.kind !== 'Namespace');
  // A chart is rendered for the namespace and may name it; plain manifests must not name another.
  const placed = inNamespace(kept, target.namespace, source, { override: inputs.chart !== undefined });
  const imageChanges: string[] = [];
  const withImage = placed.map((manifest) =>
    inputs.image ? setImage(manifest, inputs.image, inputs.imageContainers, imageChanges) : manifest,
  );
  if (inputs.image && imageChanges.length === 0) {
    const found = placed.flatMap((manifest) => containersOf(manifest).map((container) => String(container.name)));
    throw new ConfigError(
      `No container named ${inputs.imageContainers.join(' or ')} in the workloads of ${source} (found: ${found.join(', ') || 'none'}); set 'image-container' to the operator's container`,
    );
  }
  if (inputs.hfToken !== undefined) {
    withImage.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: inputs.hfTokenSecret, namespace: target.namespace },
      type: 'Opaque',
      data: { HF_TOKEN: Buffer.from(inputs.hfToken).toString('base64') },
    });
  }
  const ordered = applyOrder(withImage);
  const crds = ordered.filter((manifest) => manifest.kind === CRD_KIND);
  const clusterKinds = clusterScopedKinds(ordered);
  const objects = ordered
    .filter((manifest) => manifest.kind !== CRD_KIND)
    .map((manifest) => withLabels(manifest, target.objectLabels));
  const clusterObjects = objects.filter((manifest) => !isNamespaced(manifest, clusterKinds)).map(refOf);
  return {
    namespace: target.namespace,
    namespaceLabels: target.namespaceLabels,
    namespaceAnnotations: {
      ...target.namespaceAnnotations,
      ...(clusterObjects.length > 0 ? { [INVENTORY_ANNOTATION]: JSON.stringify(clusterObjects) } : {}),
    },
    crds,
    objects,
    clusterObjects,
    deployments: objects.filter((manifest) => manifest.kind === 'Deployment').map(refOf),
    imageChanges,
    skipped,
  };
}

function podSpecOf(manifest: Manifest): Json | undefined {
  const spec = (manifest as Json).spec;
  if (manifest.kind === 'Pod') return spec;
  if (manifest.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return WORKLOADS.has(manifest.kind) ? spec?.template?.spec : undefined;
}

function containersOf(manifest: Manifest): Json[] {
  const spec = podSpecOf(manifest);
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function setImage(manifest: Manifest, image: string, names: readonly string[], changes: string[]): Manifest {
  if (!podSpecOf(manifest)) return manifest;
  const copy = structuredClone(manifest);
  for (const container of containersOf(copy)) {
    if (!names.includes(container.name)) continue;
    if (container.image !== image) {
      changes.push(
        `${describeRef(refOf(copy))} container ${container.name}: ${container.image ?? '(none)'} -> ${image}`,
      );
    }
    container.image = image;
  }
  return copy;
}

export interface InstallPorts {
  cluster: Cluster;
  log: Logger;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  signal?: AbortSignal;
}

export interface InstallProgress {
  phase: 'namespace' | 'crds' | 'apply' | 'wait' | 'done';
  createdNamespace?: boolean;
  crdsApplied: string[];
  crdsKept: string[];
  applied: ObjectRef[];
  readySeconds?: number;
}

export async function install(
  plan: InstallPlan,
  inputs: Pick<Inputs, 'crds' | 'timeoutMs' | 'pollIntervalMs' | 'restartThreshold'>,
  ports: InstallPorts,
  progress: InstallProgress,
): Promise<InstallProgress> {
  const { cluster, log } = ports;
  const cancelled = (what: string) => {
    if (ports.signal?.aborted)
      throw new InstallFailed(`Cancelled while ${what}; the run's cleanup job removes what was created`);
  };

  progress.phase = 'namespace';
  const existing = await cluster.getNamespace(plan.namespace);
  if (existing?.status?.phase === 'Terminating') {
    throw new InstallFailed(`Namespace ${plan.namespace} is being deleted; use another namespace`);
  }
  if (existing) {
    if (plan.clusterObjects.length > 0 && existing.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) {
      throw new ConfigError(
        `The manifests hold cluster-scoped ${plan.clusterObjects.map(describeRef).join(', ')}, applied only with a namespace this action creates (whose labels the run's cleanup finds them by); leave 'namespace' empty`,
      );
    }
    log.info(`Using the existing namespace ${plan.namespace}`);
    progress.createdNamespace = false;
  } else {
    progress.createdNamespace = await cluster.createNamespace(
      plan.namespace,
      plan.namespaceLabels,
      plan.namespaceAnnotations,
    );
    log.info(`Created namespace ${plan.namespace}`);
  }
  cancelled('creating the namespace');

  progress.phase = 'crds';
  if (inputs.crds !== 'skip') {
    for (const crd of plan.crds) {
      const ref = refOf(crd);
      if (inputs.crds === 'install' && (await cluster.get(ref))) {
        progress.crdsKept.push(crd.metadata.name);
        log.info(`CustomResourceDefinition ${crd.metadata.name} is installed already; left as it is (crds: install)`);
        continue;
      }
      await cluster.apply(crd, FIELD_MANAGER, inputs.crds === 'upgrade');
      progress.crdsApplied.push(crd.metadata.name);
      log.info(`Applied CustomResourceDefinition ${crd.metadata.name}`);
    }
    await waitFor(
      'the CustomResourceDefinitions to be established',
      async () => {
        for (const name of progress.crdsApplied) {
          const crd = await cluster.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: CRD_KIND, name });
          const established = (crd?.status?.conditions ?? []).find(
            (condition: Json) => condition.type === 'Established',
          );
          if (established?.status !== 'True') return { done: false, progress: `${name} not established yet` };
        }
        return { done: true, progress: 'established' };
      },
      inputs,
      ports,
    );
  }
  cancelled('applying the CustomResourceDefinitions');

  progress.phase = 'apply';
  for (const object of plan.objects) {
    cancelled(`applying ${describeRef(refOf(object))}`);
    try {
      await cluster.apply(object, FIELD_MANAGER, false);
    } catch (error) {
      if (error instanceof ServiceError && error.status === 409) {
        throw new InstallFailed(`${error.message}. Another installation owns this object; give this one its own names`);
      }
      throw error;
    }
    progress.applied.push(refOf(object));
    log.info(`Applied ${describeRef(refOf(object))}`);
  }

  progress.phase = 'wait';
  const started = ports.now();
  await waitFor(
    `the operator's Deployments (${plan.deployments.map((ref) => ref.name).join(', ') || 'none'}) to be Available`,
    async () => {
      const lines: string[] = [];
      let done = true;
      for (const ref of plan.deployments) {
        const deployment = await cluster.get(ref);
        const readiness = deploymentReady(deployment);
        const selector = Object.entries(deployment?.spec?.selector?.matchLabels ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(',');
        const pods = selector ? await cluster.listPods(plan.namespace, selector) : [];
        for (const pod of pods) {
          const failure = podFailure(pod, { restartThreshold: inputs.restartThreshold });
          if (failure) return { done: false, failure: `Deployment ${ref.name}: ${failure}`, progress: '' };
        }
        lines.push(
          `${ref.name} ${readiness.progress}${pods.length > 0 ? ` [${pods.map(podSummary).join('; ')}]` : ''}`,
        );
        done &&= readiness.ready;
      }
      return { done, progress: lines.join('; ') || 'nothing to wait for' };
    },
    inputs,
    ports,
  );
  progress.readySeconds = Math.round((ports.now() - started) / 1000);
  progress.phase = 'done';
  return progress;
}

/** Poll `check` until done, a failure, the deadline or cancellation; progress is logged when it changes. */
async function waitFor(
  what: string,
  check: () => Promise<{ done: boolean; progress: string; failure?: string }>,
  inputs: Pick<Inputs, 'timeoutMs' | 'pollIntervalMs'>,
  ports: InstallPorts,
): Promise<void> {
  const deadline = ports.now() + inputs.timeoutMs;
  let last = '';
  for (;;) {
    const result = await check();
    if (result.failure) throw new InstallFailed(result.failure);
    if (result.done) return;
    if (result.progress !== last) {
      ports.log.info(`Waiting for ${what}: ${result.progress}`);
      last = result.progress;
    }
    const now = ports.now();
    if (now >= deadline) {
      throw new TimeoutError(`Timed out waiting for ${what} (timeout-minutes); last seen: ${result.progress}`);
    }
    try {
      await ports.sleep(Math.max(0, Math.min(inputs.pollIntervalMs, deadline - now)), ports.signal);
    } catch {
      throw new InstallFailed(`Cancelled while waiting for ${what}; the run's cleanup job removes what was created`);
    }
  }
}

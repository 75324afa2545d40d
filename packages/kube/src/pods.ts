/**
 * Pure: what a pod's status says about its future. Ready, still coming up, or stuck in a state
 * that will not heal (an image that cannot be pulled, a missing Secret or ConfigMap, a crash loop,
 * no GPU to schedule on), so an action can fail now, naming the pod and the reason, instead of at
 * its timeout. Also the readiness of a Deployment from its status.
 */
export type Json = Record<string, any>;

export interface PodCheckOptions {
  /** Fail when a container restarted more often than this. */
  restartThreshold: number;
}

/** The label a pod is best described by in messages (the Dynamo component), else its name. */
export const COMPONENT_LABEL = 'nvidia.com/dynamo-component';

/** Image pull errors that retrying cannot fix (the tag or repository does not exist, or no access). */
const PERMANENT_PULL = /not found|manifest unknown|unauthorized|denied|invalid reference|repository does not exist/i;
export function podReady(pod: Json): boolean {
  return (pod.status?.conditions ?? []).some(
    (condition: Json) => condition.type === 'Ready' && condition.status === 'True',
  );
}

export function isTerminating(pod: Json): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

export function serviceOf(pod: Json): string {
  return pod.metadata?.labels?.[COMPONENT_LABEL] ?? pod.metadata?.name ?? '?';
}

/** A short state of one pod: `Running, ready`, `Pending (ContainerCreating)`, `Running (CrashLoopBackOff, 4 restarts)`. */
export function podSummary(pod: Json): string {
  const phase = pod.status?.phase ?? 'Unknown';
  const statuses: Json[] = pod.status?.containerStatuses ?? [];
  const waiting = statuses.map((status) => status.state?.waiting?.reason).find(Boolean);
  const restarts = statuses.reduce((sum, status) => sum + (status.restartCount ?? 0), 0);
  const unscheduled = (pod.status?.conditions ?? []).find(
    (condition: Json) => condition.type === 'PodScheduled' && condition.status === 'False',
  );
  const details = [
    waiting ?? unscheduled?.reason,
    restarts > 0 ? `${restarts} restart${restarts > 1 ? 's' : ''}` : undefined,
  ].filter(Boolean);
  if (isTerminating(pod)) details.unshift('terminating');
  if (podReady(pod)) return `${phase}, ready`;
  return details.length > 0 ? `${phase} (${details.join(', ')})` : phase;
}

/** Why this pod will not become ready, or undefined. */
export function podFailure(pod: Json, options: PodCheckOptions): string | undefined {
  const name = `Pod ${pod.metadata?.name} (${serviceOf(pod)})`;
  const statuses: Json[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    const reason = waiting?.reason as string | undefined;
    const message = waiting?.message ? `: ${waiting.message}` : '';
    if (reason === 'ImagePullBackOff' || reason === 'InvalidImageName' || reason === 'ErrImageNeverPull') {
      return `${name} cannot pull its image ${status.image ?? ''} (${reason}${message}); check the image name, tag and pull secret`;
    }
    if (reason === 'ErrImagePull' && PERMANENT_PULL.test(waiting?.message ?? '')) {
      return `${name} cannot pull its image ${status.image ?? ''} (${reason}${message}); check the image name, tag and pull secret`;
    }
    if (reason === 'CreateContainerConfigError') {
      return `${name} cannot start its container (${reason}${message}); a Secret or ConfigMap it needs (e.g. hf-token-secret) is missing`;
    }
    const restarts = status.restartCount ?? 0;
    if (restarts > options.restartThreshold) {
      const last = status.lastState?.terminated;
      const exit = last ? `, last exit code ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
      return `${name}: container ${status.name} restarted ${restarts} times (more than restart-threshold ${options.restartThreshold})${reason ? `, now ${reason}` : ''}${exit}`;
    }
  }
  const unscheduled = (pod.status?.conditions ?? []).find(
    (condition: Json) =>
      condition.type === 'PodScheduled' && condition.status === 'False' && condition.reason === 'Unschedulable',
  );
  if (
    unscheduled &&
    /Insufficient (nvidia\.com\/gpu|amd\.com\/gpu|gpu)|nvidia\.com\/mig/i.test(unscheduled.message ?? '')
  ) {
    return `${name} cannot be scheduled: not enough GPUs in the cluster (${unscheduled.message})`;
  }
  return undefined;
}

/** A Deployment is ready when its controller saw the current generation and every replica is updated and available. */
export function deploymentReady(deployment: Json | undefined): { ready: boolean; progress: string } {
  const spec = deployment?.spec ?? {};
  const status = deployment?.status ?? {};
  const wanted = spec.replicas ?? 1;
  const fresh =
    status.observedGeneration === undefined ||
    (status.observedGeneration ?? 0) >= (deployment?.metadata?.generation ?? 0);
  const available = (status.conditions ?? []).find((condition: Json) => condition.type === 'Available');
  const ready =
    deployment !== undefined &&
    fresh &&
    (status.updatedReplicas ?? 0) >= wanted &&
    (status.availableReplicas ?? 0) >= wanted &&
    available?.status === 'True';
  return {
    ready,
    progress: `${status.availableReplicas ?? 0}/${wanted} available${available ? `, Available=${available.status}` : ''}`,
  };
}

/**
 * Pure: from the DynamoGraphDeployment, its pods and the namespace's events, decide whether the
 * graph is ready, still coming up, or stuck in a state that will not heal (so the action fails
 * now, with the reason, instead of after `timeout-minutes`).
 */
import { COMPONENT_LABEL, COMPONENT_TYPE_LABEL } from './labels.js';
import type { Json } from './profile.js';

export interface Assessment {
  ready: boolean;
  /** Why waiting longer will not help; set means fail now. */
  failure?: string;
  /** One line for the log: the graph's state and each pod's. */
  progress: string;
}

export interface AssessOptions {
  restartThreshold: number;
  /** The graph has a frontend service, so its pods must be ready too (the smoke request needs them). */
  requireFrontend: boolean;
}

/** Image pull errors that retrying cannot fix (the tag or repository does not exist, or no access). */
const PERMANENT_PULL = /not found|manifest unknown|unauthorized|denied|invalid reference|repository does not exist/i;
/** Warning event reasons that mean the operator or the API rejected the spec. */
const INVALID_SPEC_REASONS = new Set(['InvalidSpec', 'FailedValidation', 'ValidationFailed', 'InvalidConfiguration']);

export function graphReadiness(graph: Json | undefined): { ready: boolean; state: string; condition: string } {
  const status = graph?.status ?? {};
  const ready = (status.conditions ?? []).find((condition: Json) => condition.type === 'Ready');
  const state = String(status.state ?? 'unknown');
  const observed = status.observedGeneration;
  const current = graph?.metadata?.generation;
  const fresh = observed === undefined || current === undefined || observed >= current;
  const condition = ready
    ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : ''}`
    : 'Ready=?';
  return { ready: fresh && ready?.status === 'True' && state === 'successful', state, condition };
}

export function podReady(pod: Json): boolean {
  return (pod.status?.conditions ?? []).some(
    (condition: Json) => condition.type === 'Ready' && condition.status === 'True',
  );
}

export function isTerminating(pod: Json): boolean {
  return Boolean(pod.metadata?.deletionTimestamp);
}

function serviceOf(pod: Json): string {
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
export function podFailure(pod: Json, options: AssessOptions): string | undefined {
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

/** A Warning event saying the spec itself was rejected. */
export function invalidSpecEvent(events: readonly Json[], graphName: string): string | undefined {
  for (const event of events) {
    if (event.type !== 'Warning') continue;
    const object = event.involvedObject ?? event.regarding ?? {};
    const aboutGraph = object.kind === 'DynamoGraphDeployment' && object.name === graphName;
    if (INVALID_SPEC_REASONS.has(event.reason) || (aboutGraph && /invalid/i.test(event.message ?? ''))) {
      return `${object.kind ?? 'object'} ${object.name ?? '?'} was rejected (${event.reason}): ${event.note ?? event.message ?? ''}`;
    }
  }
  return undefined;
}

export function assess(
  graph: Json | undefined,
  pods: readonly Json[],
  events: readonly Json[],
  options: AssessOptions,
): Assessment {
  const name = graph?.metadata?.name ?? '?';
  const readiness = graphReadiness(graph);
  const live = pods.filter((pod) => !isTerminating(pod));
  const frontends = live.filter((pod) => pod.metadata?.labels?.[COMPONENT_TYPE_LABEL] === 'frontend');
  const frontendsReady = !options.requireFrontend || (frontends.length > 0 && frontends.every(podReady));
  const readyCount = live.filter(podReady).length;
  const podLines = live.map((pod) => `${serviceOf(pod)} ${podSummary(pod)}`);
  const progress = `state=${readiness.state} ${readiness.condition}; pods ${readyCount}/${live.length} ready${podLines.length > 0 ? ` [${podLines.join('; ')}]` : ''}`;
  if (!graph)
    return {
      ready: false,
      failure: `DynamoGraphDeployment ${name} disappeared while waiting for it (deleted by someone else?)`,
      progress,
    };
  if (readiness.state === 'failed')
    return {
      ready: false,
      failure: `DynamoGraphDeployment ${name} reports state=failed: ${readiness.condition}`,
      progress,
    };
  for (const pod of live) {
    const failure = podFailure(pod, options);
    if (failure) return { ready: false, failure, progress };
  }
  const invalid = invalidSpecEvent(events, name);
  if (invalid) return { ready: false, failure: invalid, progress };
  return { ready: readiness.ready && frontendsReady, progress };
}

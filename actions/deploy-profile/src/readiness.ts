/**
 * Pure: from the DynamoGraphDeployment, its pods and the namespace's events, decide whether the
 * graph is ready, still coming up, or stuck in a state that will not heal (so the action fails
 * now, with the reason, instead of after `timeout-minutes`).
 */
import { isTerminating, type PodCheckOptions, podFailure, podReady, podSummary, serviceOf } from '@dynamo-ci/kube/pods';
import { COMPONENT_TYPE_LABEL } from './labels.js';
import type { Json } from './profile.js';

export interface Assessment {
  ready: boolean;
  /** Why waiting longer will not help; set means fail now. */
  failure?: string;
  /** One line for the log: the graph's state and each pod's. */
  progress: string;
}

export interface AssessOptions extends PodCheckOptions {
  /** The graph has a frontend service, so its pods must be ready too (the smoke request needs them). */
  requireFrontend: boolean;
}

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

export { podFailure, podReady, podSummary } from '@dynamo-ci/kube/pods';

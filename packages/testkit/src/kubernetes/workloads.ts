/**
 * What the kubelet and the Deployment controller would do, scripted from time: each pod moves one
 * lifecycle step every `stepMs` after it was created (computed when it is read, so no timers and
 * no dependence on how often a client polls), and its fate decides where it ends up. A Deployment
 * gets one pod per replica, replaced when its pod template changes, and reports Available once
 * they are all Ready.
 */
import { BUILTIN_TYPES, type Json, type ResourceType } from './catalogue.js';
import type { ObjectStore, StoredObject } from './store.js';

/**
 * Where a pod ends up:
 * - `ready`: Pending -> Running -> Ready.
 * - `image-pull`: ErrImagePull, then ImagePullBackOff.
 * - `crash-loop`: Running, then CrashLoopBackOff with one more restart per step (previous logs exist).
 * - `unschedulable`: Pending with PodScheduled=False, reason Unschedulable (Insufficient nvidia.com/gpu).
 * - `never-ready`: Running but never Ready (a model that never finishes loading).
 * - `invalid-spec`: (Dynamo graphs only) the operator rejects the graph: no pods, a Warning event.
 */
export type PodScenario = 'ready' | 'image-pull' | 'crash-loop' | 'unschedulable' | 'never-ready' | 'invalid-spec';

export const POD_TYPE = BUILTIN_TYPES.find((type) => type.plural === 'pods') as ResourceType;
export const DEPLOYMENT_TYPE = BUILTIN_TYPES.find((type) => type.plural === 'deployments') as ResourceType;
export const SERVICE_TYPE = BUILTIN_TYPES.find((type) => type.plural === 'services') as ResourceType;

export interface PodState {
  phase: string;
  ready: boolean;
  restarts: number;
  status: Json;
}

export class Workloads {
  /** Pod uid -> its fate. */
  private readonly fates = new Map<string, PodScenario>();
  /** Deployment uid -> the template its pods were made from. */
  private readonly templates = new Map<string, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: { stepMs: () => number; deploymentScenario: () => PodScenario },
  ) {}

  /** Create a pod (as the operator or the Deployment controller would). */
  createPod(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    containers: Json[],
    owner: StoredObject,
    fate: PodScenario,
    now = Date.now(),
  ): StoredObject {
    const stored = this.store.put(
      POD_TYPE,
      {
        metadata: {
          name,
          namespace,
          labels,
          ownerReferences: [
            {
              apiVersion: owner.object.apiVersion,
              kind: owner.object.kind,
              name: owner.object.metadata.name,
              uid: owner.object.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: { containers, nodeName: fate === 'unschedulable' ? undefined : 'gpu-node-1' },
      },
      'kubelet',
      now,
    );
    this.fates.set(stored.object.metadata.uid, fate);
    return stored;
  }

  fate(pod: StoredObject): PodScenario {
    return this.fates.get(pod.object.metadata.uid) ?? 'ready';
  }

  state(pod: StoredObject, now = Date.now()): PodState {
    const fate = this.fate(pod);
    const step = Math.floor((now - pod.createdAt) / this.clock.stepMs());
    const image = String(pod.object.spec?.containers?.[0]?.image ?? 'unknown');
    const container: Json = {
      name: String(pod.object.spec?.containers?.[0]?.name ?? 'main'),
      image,
      imageID: '',
      restartCount: 0,
      ready: false,
      started: false,
    };
    const conditions: Json[] = [];
    let phase = 'Pending';
    let ready = false;
    if (fate === 'unschedulable') {
      conditions.push({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message:
          '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      });
    } else if (step === 0) {
      container.state = { waiting: { reason: 'ContainerCreating' } };
      conditions.push({ type: 'PodScheduled', status: 'True' });
    } else if (fate === 'image-pull') {
      conditions.push(
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      );
      container.state = {
        waiting:
          step === 1
            ? { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": not found` }
            : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
      };
    } else if (fate === 'crash-loop') {
      phase = 'Running';
      container.restartCount = step - 1;
      container.lastState =
        step > 1 ? { terminated: { exitCode: 1, reason: 'Error', finishedAt: new Date(now).toISOString() } } : {};
      container.state =
        step > 1
          ? {
              waiting: {
                reason: 'CrashLoopBackOff',
                message: `back-off 40s restarting failed container=${container.name}`,
              },
            }
          : { running: { startedAt: new Date(now).toISOString() } };
      conditions.push(
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      );
    } else {
      phase = 'Running';
      container.state = { running: { startedAt: new Date(pod.createdAt + this.clock.stepMs()).toISOString() } };
      container.started = true;
      ready = fate !== 'never-ready' && step >= 2;
      container.ready = ready;
      conditions.push(
        { type: 'PodScheduled', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False' },
      );
    }
    return {
      phase,
      ready,
      restarts: container.restartCount,
      status: { phase, conditions, containerStatuses: fate === 'unschedulable' ? undefined : [container] },
    };
  }

  /** A pod as the API server returns it. */
  podObject(pod: StoredObject, now = Date.now()): Json {
    return { ...pod.object, status: this.state(pod, now).status };
  }

  /** Give every Deployment its pods (replacing them when the template changed). */
  reconcileDeployments(now = Date.now()): void {
    for (const deployment of this.store.list(DEPLOYMENT_TYPE)) {
      if (deployment.deletedAt !== undefined) continue;
      const uid = deployment.object.metadata.uid;
      const template = JSON.stringify(deployment.object.spec?.template ?? {});
      const pods = this.podsOf(deployment);
      if (this.templates.get(uid) !== template) {
        for (const pod of pods) this.store.delete(pod, now);
        this.templates.set(uid, template);
      }
      const live = this.podsOf(deployment).filter((pod) => pod.deletedAt === undefined);
      const replicas = Number(deployment.object.spec?.replicas ?? 1);
      const labels = deployment.object.spec?.template?.metadata?.labels ?? {};
      const containers: Json[] = deployment.object.spec?.template?.spec?.containers ?? [];
      const hash = shortHash(template);
      for (let index = live.length; index < replicas; index++) {
        this.createPod(
          deployment.object.metadata.namespace,
          `${deployment.object.metadata.name}-${hash}-${randomSuffix()}`,
          { ...labels, 'pod-template-hash': hash },
          containers,
          deployment,
          this.clock.deploymentScenario(),
          now,
        );
      }
      for (const extra of live.slice(replicas)) this.store.delete(extra, now);
    }
  }

  podsOf(owner: StoredObject): StoredObject[] {
    const uid = owner.object.metadata.uid;
    return this.store
      .list(POD_TYPE, owner.object.metadata.namespace)
      .filter((pod) => (pod.object.metadata.ownerReferences ?? []).some((reference: Json) => reference.uid === uid));
  }

  deploymentStatus(deployment: StoredObject, now = Date.now()): Json {
    const live = this.podsOf(deployment).filter((pod) => pod.deletedAt === undefined);
    const ready = live.filter((pod) => this.state(pod, now).ready).length;
    const replicas = Number(deployment.object.spec?.replicas ?? 1);
    const available = ready >= replicas;
    const transition = new Date(deployment.createdAt).toISOString();
    return {
      observedGeneration: deployment.object.metadata.generation,
      replicas: live.length,
      updatedReplicas: live.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(available ? {} : { unavailableReplicas: Math.max(0, replicas - ready) }),
      conditions: [
        {
          type: 'Available',
          status: available ? 'True' : 'False',
          reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: available
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
          lastTransitionTime: transition,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: available ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
          message: `ReplicaSet "${deployment.object.metadata.name}" is progressing.`,
          lastTransitionTime: transition,
        },
      ],
    };
  }

  /** Events the kubelet and scheduler would have recorded for the pods of a namespace. */
  podEvents(namespace: string, now = Date.now()): Json[] {
    const events: Json[] = [];
    for (const pod of this.store.list(POD_TYPE, namespace)) {
      const name = pod.object.metadata.name;
      const state = this.state(pod, now);
      const waiting = state.status.containerStatuses?.[0]?.state?.waiting?.reason;
      const image = pod.object.spec?.containers?.[0]?.image;
      if (this.fate(pod) === 'unschedulable') {
        events.push(
          eventObject(namespace, 'Pod', name, 'Warning', 'FailedScheduling', state.status.conditions[0].message, now),
        );
        continue;
      }
      events.push(
        eventObject(
          namespace,
          'Pod',
          name,
          'Normal',
          'Scheduled',
          `Successfully assigned ${namespace}/${name} to gpu-node-1`,
          now,
        ),
      );
      if (waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff') {
        events.push(
          eventObject(namespace, 'Pod', name, 'Warning', 'Failed', `Failed to pull image "${image}": not found`, now),
        );
      }
      if (state.restarts > 0) {
        events.push(
          eventObject(namespace, 'Pod', name, 'Warning', 'BackOff', 'Back-off restarting failed container main', now),
        );
      }
    }
    return events;
  }

  /** `GET .../pods/<name>/log`: current or previous container, `tailLines`. */
  log(pod: StoredObject, previous: boolean, tailLines: number, now = Date.now()): { status: number; text: string } {
    const state = this.state(pod, now);
    const name = pod.object.metadata.name;
    const container = String(pod.object.spec?.containers?.[0]?.name ?? 'main');
    const component = pod.object.metadata.labels?.['nvidia.com/dynamo-component'] ?? container;
    const image = pod.object.spec?.containers?.[0]?.image;
    if (previous) {
      if (state.restarts === 0)
        return { status: 400, text: `previous terminated container "${container}" in pod "${name}" not found` };
      return {
        status: 200,
        text: 'INFO dynamo_runtime: starting worker\nTraceback (most recent call last):\nRuntimeError: CUDA error: no kernel image is available for execution on the device\n',
      };
    }
    if (state.phase === 'Pending') {
      const reason = state.status.containerStatuses?.[0]?.state?.waiting?.reason ?? 'Pending';
      return { status: 400, text: `container "${container}" in pod "${name}" is waiting to start: ${reason}` };
    }
    const lines = [`INFO ${component}: image ${image}`, `INFO ${component}: loading model`];
    if (state.ready) lines.push(`INFO ${component}: ready`);
    const shown = tailLines > 0 ? lines.slice(-tailLines) : lines;
    return { status: 200, text: `${shown.join('\n')}\n` };
  }
}

export function eventObject(
  namespace: string,
  kind: string,
  name: string,
  type: string,
  reason: string,
  message: string,
  now = Date.now(),
): Json {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${name}.${reason.toLowerCase()}`, namespace },
    involvedObject: { kind, name, namespace },
    type,
    reason,
    message,
    count: 1,
    lastTimestamp: new Date(now).toISOString(),
  };
}

export function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 7).padEnd(5, '0');
}

function shortHash(text: string): string {
  let hash = 5381;
  for (let index = 0; index < text.length; index++) hash = ((hash * 33) ^ text.charCodeAt(index)) >>> 0;
  return hash.toString(36).slice(0, 8);
}

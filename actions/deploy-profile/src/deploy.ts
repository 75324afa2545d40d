/**
 * The main phase's story, with every outside effect behind a port: namespace, apply, wait for
 * Ready (failing fast on states that will not heal), smoke request. `progress` is filled in as
 * things happen, so the caller knows what exists when something throws.
 */
import { ConfigError, type Logger, ServiceError, TimeoutError, UserError } from '@dynamo-ci/core';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { describeRef, inNamespace, type Manifest, type ObjectRef, refOf, withLabels } from '@dynamo-ci/kube/manifests';
import type { Inputs } from './inputs.js';
import { COMPONENT_TYPE_LABEL, GRAPH_LABEL } from './labels.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from './naming.js';
import { detectModel, frontendOf, type Graph, type Json, type Profile } from './profile.js';
import { assess } from './readiness.js';
import { type FrontendRequest, type SmokeResult, smokeTest } from './smoke.js';
import { PortForwardTunnel } from './tunnel.js';

export class DeploymentFailed extends UserError {
  override name = 'DeploymentFailed';
}

export class Cancelled extends UserError {
  override name = 'Cancelled';
  constructor(what: string) {
    super(`Cancelled while ${what}; the post step cleans up what this step created`);
  }
}

export interface DeployPorts {
  cluster: Cluster;
  log: Logger;
  saveState: (name: string, value: string) => void;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  signal?: AbortSignal;
}

export interface DeployPlan {
  graph: Graph;
  /** Every object of the profile, in file order, in the namespace and labelled; the graph among them. */
  objects: Manifest[];
  /** The field manager the objects are applied as. */
  fieldManager: string;
  namespace: string;
  /** The namespace came from the `namespace` input (reused if it exists, never deleted then). */
  namespaceGiven: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The model to request: the `model` input, else what the profile serves. */
  model: string | undefined;
  frontend: { service: string; serviceName: string } | undefined;
}

export interface DeployProgress {
  namespace?: string;
  createdNamespace?: boolean;
  applied?: boolean;
  /** The objects applied so far. */
  appliedObjects?: ObjectRef[];
  phase: 'namespace' | 'apply' | 'wait' | 'smoke' | 'done';
  readySeconds?: number;
  frontendService?: string;
  smoke?: SmokeResult;
}

/** Check everything that can be checked before touching the cluster. */
export function plan(
  profile: Profile,
  inputs: Inputs,
  target: {
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    objectLabels: Record<string, string>;
    fieldManager: string;
  },
): DeployPlan {
  const graph = profile.graph;
  const frontend = frontendOf(graph);
  const model = inputs.model ?? detectModel(graph);
  if (inputs.smokeRequest) {
    if (!frontend && !inputs.frontendService) {
      throw new ConfigError(
        `Profile ${inputs.profile} has no service with componentType: frontend; set 'frontend-service' to the Kubernetes Service to send the smoke request to, or set smoke-request: false`,
      );
    }
    if (!model) {
      throw new ConfigError(
        `Could not find the model in profile ${inputs.profile} (no --model, --model-path or --served-model-name argument); set the 'model' input`,
      );
    }
  }
  const documents = profile.documents.map((document, index) =>
    index === profile.graphIndex ? (graph as unknown as Manifest) : document,
  );
  const objects = inNamespace(documents, target.namespace, `Profile ${inputs.profile}`).map((object) =>
    withLabels(object, target.objectLabels),
  );
  return {
    graph: objects[profile.graphIndex] as unknown as Graph,
    objects,
    fieldManager: target.fieldManager,
    namespace: target.namespace,
    namespaceGiven: inputs.namespace !== undefined,
    labels: target.labels,
    annotations: target.annotations,
    model,
    frontend,
  };
}

export async function deploy(
  deployPlan: DeployPlan,
  inputs: Inputs,
  ports: DeployPorts,
  progress: DeployProgress,
): Promise<DeployProgress> {
  const { cluster, log } = ports;
  const name = deployPlan.graph.metadata.name;
  const namespace = deployPlan.namespace;
  const checkCancelled = (what: string) => {
    if (ports.signal?.aborted) throw new Cancelled(what);
  };

  progress.phase = 'namespace';
  let existing = await cluster.getNamespace(namespace);
  if (existing?.status?.phase === 'Terminating') {
    // A namespace of the same name is still going away: this job's own name after an earlier step
    // deployed the same profile and its cleanup deleted the namespace, or a `namespace` input naming
    // one that is being deleted. (A re-run gets a new attempt, so a new name.)
    log.info(
      `Namespace ${namespace} is still terminating; waiting up to ${formatDuration(inputs.cleanupTimeoutMs)} for it to go (cleanup-timeout)`,
    );
    const deadline = ports.now() + inputs.cleanupTimeoutMs;
    while (existing?.status?.phase === 'Terminating') {
      const now = ports.now();
      if (now >= deadline) {
        throw new DeploymentFailed(
          `Namespace ${namespace} is still being deleted (Terminating) after ${formatDuration(inputs.cleanupTimeoutMs)} (cleanup-timeout); check its finalizers or use another namespace`,
        );
      }
      try {
        await ports.sleep(Math.max(0, Math.min(inputs.pollIntervalMs, deadline - now)), ports.signal);
      } catch {
        throw new Cancelled(`waiting for namespace ${namespace} to finish terminating`);
      }
      existing = await cluster.getNamespace(namespace);
    }
  }
  let created = false;
  if (existing && !deployPlan.namespaceGiven && existing.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) {
    // Ours from an earlier step of this job (the name holds the run id, the attempt and the job).
    created = true;
    log.info(`Reusing namespace ${namespace}, created earlier in this job by deploy-profile; cleanup deletes it`);
  } else if (existing) {
    log.info(`Using the existing namespace ${namespace}; it will not be deleted by cleanup`);
  } else {
    created = await cluster.createNamespace(namespace, deployPlan.labels, deployPlan.annotations);
    log.info(created ? `Created namespace ${namespace}` : `Namespace ${namespace} appeared concurrently; using it`);
  }
  progress.namespace = namespace;
  progress.createdNamespace = created;
  ports.saveState('namespace', namespace);
  ports.saveState('namespace-created', String(created));
  checkCancelled('creating the namespace');

  progress.phase = 'apply';
  // The objects are saved in the step state before each apply is sent: if the step dies mid-apply,
  // cleanup still knows everything that may exist (upstream's cleanup never knew the graph's name).
  // An object refused with a conflict belongs to someone else and is dropped from the list again.
  ports.saveState('deployment-name', name);
  progress.appliedObjects = [];
  let appliedAt = ports.now();
  for (const object of deployPlan.objects) {
    const ref = refOf(object);
    checkCancelled(`applying ${describeRef(ref)}`);
    ports.saveState('objects', JSON.stringify([...progress.appliedObjects, ref]));
    try {
      await cluster.apply(object, deployPlan.fieldManager, false);
    } catch (error) {
      if (error instanceof ServiceError && error.status === 409) {
        ports.saveState('objects', JSON.stringify(progress.appliedObjects));
      }
      throw error;
    }
    progress.appliedObjects.push(ref);
    // The wait (and timeout-minutes) counts from the graph's apply.
    if (object.kind === deployPlan.graph.kind && object.metadata.name === name) appliedAt = ports.now();
    log.info(`Applied ${describeRef(ref)} (server-side apply)`);
  }
  progress.applied = true;

  progress.phase = 'wait';
  progress.readySeconds = await waitForReady(deployPlan, inputs, ports, appliedAt);
  log.info(`DynamoGraphDeployment ${namespace}/${name} is Ready after ${progress.readySeconds}s`);

  if (inputs.smokeRequest) {
    progress.phase = 'smoke';
    let send: FrontendRequest;
    let tunnel: PortForwardTunnel | undefined;
    if (inputs.access === 'port-forward') {
      tunnel = new PortForwardTunnel(cluster, namespace, name, inputs.frontendPort, log);
      await tunnel.start();
      send = tunnel.send;
      log.info(`Sending the smoke request through a port-forward to the frontend pods' port ${inputs.frontendPort}`);
    } else {
      const serviceName = await frontendServiceName(deployPlan, inputs, cluster);
      progress.frontendService = serviceName;
      send = (request) =>
        cluster.proxy(namespace, serviceName, inputs.frontendPort, { ...request, signal: ports.signal });
      log.info(`Sending the smoke request through the service proxy of ${serviceName}:${inputs.frontendPort}`);
    }
    try {
      progress.smoke = await smokeTest(send, {
        model: deployPlan.model as string,
        attempts: inputs.modelLoadAttempts,
        intervalMs: inputs.modelLoadIntervalMs,
        maxTokens: inputs.maxTokens,
        minChars: inputs.minResponseChars,
        requestTimeoutMs: inputs.requestTimeoutMs,
        log,
        sleep: async (ms) => {
          try {
            await ports.sleep(ms, ports.signal);
          } catch {
            throw new Cancelled('waiting for the model to load');
          }
        },
        now: ports.now,
      });
    } finally {
      tunnel?.close();
    }
    checkCancelled('sending the smoke request');
  }
  progress.phase = 'done';
  return progress;
}

async function waitForReady(
  deployPlan: DeployPlan,
  inputs: Inputs,
  ports: DeployPorts,
  appliedAt: number,
): Promise<number> {
  const { cluster, log } = ports;
  const name = deployPlan.graph.metadata.name;
  const namespace = deployPlan.namespace;
  const deadline = appliedAt + inputs.timeoutMs;
  let lastProgress = '';
  let lastPrinted = 0;
  for (;;) {
    const [graph, pods, events] = await Promise.all([
      cluster.get({ apiVersion: deployPlan.graph.apiVersion, kind: deployPlan.graph.kind, namespace, name }),
      cluster.listPods(namespace, `${GRAPH_LABEL}=${name}`),
      cluster.listEvents(namespace),
    ]);
    const ours = events.filter((event: Json) => {
      const object = event.involvedObject ?? event.regarding ?? {};
      return object.name === name || String(object.name ?? '').startsWith(`${name}-`);
    });
    const assessment = assess(graph, pods, ours, {
      restartThreshold: inputs.restartThreshold,
      requireFrontend: deployPlan.frontend !== undefined,
    });
    const now = ports.now();
    const elapsed = Math.round((now - appliedAt) / 1000);
    if (assessment.progress !== lastProgress || now - lastPrinted >= 30_000) {
      log.info(`[${elapsed}s] ${assessment.progress}`);
      lastProgress = assessment.progress;
      lastPrinted = now;
    }
    if (assessment.failure) throw new DeploymentFailed(assessment.failure);
    if (assessment.ready) return elapsed;
    if (now >= deadline) {
      throw new TimeoutError(
        `DynamoGraphDeployment ${namespace}/${name} was not Ready within ${formatDuration(inputs.timeoutMs)} (timeout-minutes); last seen: ${assessment.progress}`,
      );
    }
    try {
      await ports.sleep(Math.max(0, Math.min(inputs.pollIntervalMs, deadline - now)), ports.signal);
    } catch {
      throw new Cancelled(`waiting for ${namespace}/${name} to become Ready`);
    }
  }
}

/** The `frontend-service` input, else the Service the operator labelled as this graph's frontend, else `<graph>-<frontend service>`. */
async function frontendServiceName(deployPlan: DeployPlan, inputs: Inputs, cluster: Cluster): Promise<string> {
  if (inputs.frontendService) return inputs.frontendService;
  const name = deployPlan.graph.metadata.name;
  const labelled = await cluster.listServices(
    deployPlan.namespace,
    `${GRAPH_LABEL}=${name},${COMPONENT_TYPE_LABEL}=frontend`,
  );
  const found = labelled[0]?.metadata?.name;
  return found ?? (deployPlan.frontend?.serviceName as string);
}

function formatDuration(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} seconds`;
}

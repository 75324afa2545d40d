/**
 * A fake Kubernetes API server for the real `@kubernetes/client-node` (a kubeconfig pointing at
 * `http://127.0.0.1:PORT`, bearer token). It serves discovery and generic REST for every resource
 * type in `kubernetes/catalogue.ts` plus every kind a stored CustomResourceDefinition defines:
 * create, server-side apply with field ownership and conflicts, merge patch, get, list and
 * deletecollection by label selector (in a namespace or across all), and delete, with the API
 * server's real shapes (`Status` objects for errors, `APIResourceList` for discovery, `text/plain`
 * logs). Controllers are simulated on read: Deployments get pods and become Available, the Dynamo
 * operator turns DynamoGraphDeployments into pods, a frontend Service and a status, pods move
 * through their lifecycle, and deletion (pods, namespaces, owned objects) takes time as on a cluster.
 * Pod logs, the service proxy and port-forward over a WebSocket reach a fake OpenAI frontend.
 * Faults (403/404/409/429/5xx, delays, hang-ups) come from `FakeHttpServer.fault`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { FakeHttpServer, type FakeRequest } from './http.js';
import {
  CRD_TYPE,
  groupList,
  groupVersion,
  type Json,
  type ResourceType,
  resourceList,
} from './kubernetes/catalogue.js';
import { DynamoOperator, dgdCrd } from './kubernetes/dynamo.js';
import { portForward } from './kubernetes/network.js';
import { type ApplyRecord, Rest, status } from './kubernetes/rest.js';
import { ApiError, ObjectStore, type StoredObject } from './kubernetes/store.js';
import { POD_TYPE, type PodScenario, Workloads } from './kubernetes/workloads.js';

export type { ResourceType } from './kubernetes/catalogue.js';
export {
  COMPONENT_LABEL,
  COMPONENT_TYPE_LABEL,
  DGD_GROUP,
  DGD_KIND,
  DGD_PLURAL,
  DGD_VERSION,
  dgdCrd,
  GRAPH_LABEL,
} from './kubernetes/dynamo.js';
export type { ApplyRecord } from './kubernetes/rest.js';
export { matchesSelector } from './kubernetes/selectors.js';
export type { PodScenario } from './kubernetes/workloads.js';

export interface FakeKubernetesOptions {
  /** What happens to the pods of a graph's failing service (see `PodScenario`). */
  scenario?: PodScenario;
  /** The service whose pods follow `scenario` (default: the first worker). */
  failingService?: string;
  /** What happens to the pods of every Deployment (default `ready`). */
  deploymentScenario?: PodScenario;
  /** One lifecycle step of every pod (default 100 ms). */
  stepMs?: number;
  /** How long a deleted pod stays Terminating (default 200 ms). */
  podTerminationMs?: number;
  /** How long a deleted namespace stays Terminating (default 200 ms). */
  namespaceTerminationMs?: number;
  /** The URL the frontend service proxies to (e.g. a FakeOpenAIFrontend's). */
  frontendUrl?: string;
  /** Require `Authorization: Bearer <token>` on every request. */
  token?: string;
  /** Start with the DynamoGraphDeployment CRD installed (default true); false = apply it first. */
  crdInstalled?: boolean;
  /**
   * Reconcile a graph only once an Available operator Deployment (matching `operatorSelector`) runs
   * in its namespace (default false: an operator is assumed to watch every namespace).
   */
  requireOperator?: boolean;
  /** Label selector of the operator Deployment (default `app.kubernetes.io/name=dynamo-operator`). */
  operatorSelector?: string;
}

/** A short view of a stored object, for assertions. */
export interface ObjectSummary {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
  deleting: boolean;
}

const NOT_FOUND = 'the server could not find the requested resource';

export class FakeKubernetes extends FakeHttpServer {
  scenario: PodScenario;
  failingService: string | undefined;
  deploymentScenario: PodScenario;
  stepMs: number;
  frontendUrl: string | undefined;
  token: string | undefined;
  requireOperator: boolean;
  operatorSelector: string;
  readonly store: ObjectStore;
  readonly workloads: Workloads;
  readonly operator: DynamoOperator;
  /** Events added by tests (the fake also derives events from pod and graph states). */
  readonly extraEvents: Json[] = [];
  /** Every server-side apply request, in order (any kind). */
  readonly applies: ApplyRecord[] = [];
  /** Port-forward streams opened so far. */
  portForwards = 0;
  /** Drop the n-th port-forward stream (1-based) right after its handshake, as a flaky network path does. */
  dropPortForward: (n: number) => boolean = () => false;
  private applyWaiters: (() => void)[] = [];
  private readonly rest: Rest = new Rest(this);

  constructor(options: FakeKubernetesOptions = {}) {
    super();
    this.scenario = options.scenario ?? 'ready';
    this.failingService = options.failingService;
    this.deploymentScenario = options.deploymentScenario ?? 'ready';
    this.stepMs = options.stepMs ?? 100;
    this.frontendUrl = options.frontendUrl;
    this.token = options.token;
    this.requireOperator = options.requireOperator ?? false;
    this.operatorSelector = options.operatorSelector ?? 'app.kubernetes.io/name=dynamo-operator';
    this.store = new ObjectStore({
      podTerminationMs: options.podTerminationMs ?? 200,
      namespaceTerminationMs: options.namespaceTerminationMs ?? 200,
    });
    this.workloads = new Workloads(this.store, {
      stepMs: () => this.stepMs,
      deploymentScenario: () => this.deploymentScenario,
    });
    this.operator = new DynamoOperator(this.store, this.workloads, () => this.dgdType(), {
      scenario: () => this.scenario,
      failingService: () => this.failingService,
      requireOperator: () => this.requireOperator,
      operatorSelector: () => this.operatorSelector,
    });
    this.addNamespace('default');
    if (options.crdInstalled ?? true) this.store.put(CRD_TYPE, dgdCrd(), 'cluster-admin');
    this.registerRoutes();
  }

  override async start(host = '127.0.0.1'): Promise<this> {
    await super.start(host);
    // The base server is private to FakeHttpServer; port-forward needs its `upgrade` event.
    const server = this['server' as keyof this] as unknown as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
      this.tick();
      portForward(
        request,
        socket,
        {
          find: (namespace, name) => this.store.get(POD_TYPE, namespace, name),
          running: (pod) => this.workloads.state(pod).phase === 'Running',
          authorized: (incoming) => !this.token || incoming.headers.authorization === `Bearer ${this.token}`,
          frontendUrl: this.frontendUrl,
          drop: (count) => this.dropPortForward(count),
        },
        () => ++this.portForwards,
      );
    });
    return this;
  }

  /** A kubeconfig (YAML) whose current context points at this server. */
  kubeconfig(options: { token?: string; namespace?: string } = {}): string {
    const token = options.token ?? this.token ?? 'fake-token';
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      // @kubernetes/client-node refuses plain http unless TLS verification is explicitly off.
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: ci',
      '  user:',
      `    token: ${token}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: ci',
      ...(options.namespace ? [`    namespace: ${options.namespace}`] : []),
      'current-context: fake',
      '',
    ].join('\n');
  }

  /** Resolves when the next server-side apply has been answered. */
  nextApply(): Promise<void> {
    return new Promise((resolve) => this.applyWaiters.push(resolve));
  }

  /** Create a namespace directly (a test's fixture), e.g. one a crashed run left days ago. */
  addNamespace(
    name: string,
    options: { labels?: Record<string, string>; annotations?: Record<string, string>; createdAt?: Date } = {},
  ): void {
    const type = this.type('', 'v1', 'namespaces') as ResourceType;
    const now = options.createdAt?.getTime() ?? Date.now();
    this.store.put(
      type,
      {
        metadata: {
          name,
          labels: { 'kubernetes.io/metadata.name': name, ...options.labels },
          ...(options.annotations ? { annotations: options.annotations } : {}),
        },
      },
      'test',
      now,
    );
  }

  /** Names of the namespaces that exist (including Terminating ones). */
  namespaceNames(): string[] {
    this.tick();
    return this.store
      .list(this.type('', 'v1', 'namespaces') as ResourceType)
      .map((stored) => stored.object.metadata.name);
  }

  /**
   * Namespace name -> its object and when it was deleted (undefined while it lives), as of the last
   * request: a namespace deleted since stays in the map, Terminating, until a request finishes it.
   */
  get namespaces(): Map<string, { object: Json; deletedAt?: number }> {
    return new Map(
      this.store
        .list(this.type('', 'v1', 'namespaces') as ResourceType)
        .map((stored) => [
          stored.object.metadata.name,
          { object: this.withStatus(stored), deletedAt: stored.deletedAt },
        ]),
    );
  }

  /** `<namespace>/<name>` -> the DynamoGraphDeployments that exist. */
  get graphs(): Map<string, { object: Json }> {
    this.tick();
    return new Map(
      this.operator
        .graphs()
        .map((stored) => [
          `${stored.object.metadata.namespace}/${stored.object.metadata.name}`,
          { object: this.withStatus(stored) },
        ]),
    );
  }

  /** Pods that still exist in a namespace (including Terminating ones). */
  podNames(namespace: string): string[] {
    this.tick();
    return this.store.list(POD_TYPE, namespace).map((pod) => pod.object.metadata.name);
  }

  graph(namespace: string, name: string): Json | undefined {
    this.tick();
    const type = this.dgdType();
    const stored = type ? this.store.get(type, namespace, name) : undefined;
    return stored ? this.withStatus(stored) : undefined;
  }

  /** An object as the API server would return it, by apiVersion and kind. */
  object(apiVersion: string, kind: string, namespace: string | undefined, name: string): Json | undefined {
    this.tick();
    const type = this.types().find((candidate) => groupVersion(candidate) === apiVersion && candidate.kind === kind);
    const stored = type ? this.store.get(type, namespace, name) : undefined;
    return stored ? this.withStatus(stored) : undefined;
  }

  /** Every object that exists (pods and events excluded unless asked), for assertions. */
  objects(options: { includePods?: boolean; labelSelector?: string } = {}): ObjectSummary[] {
    this.tick();
    return this.store
      .all()
      .filter((stored) => options.includePods || stored.type.plural !== 'pods')
      .filter(
        (stored) =>
          !options.labelSelector || this.store.list(stored.type, undefined, options.labelSelector).includes(stored),
      )
      .map((stored) => ({
        apiVersion: stored.object.apiVersion,
        kind: stored.object.kind,
        ...(stored.type.namespaced ? { namespace: stored.object.metadata.namespace } : {}),
        name: stored.object.metadata.name,
        labels: stored.object.metadata.labels ?? {},
        deleting: stored.deletedAt !== undefined,
      }));
  }

  addEvent(namespace: string, event: { type?: string; reason: string; message: string; kind?: string; name: string }) {
    this.extraEvents.push({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${event.name}.${event.reason.toLowerCase()}`, namespace },
      involvedObject: { kind: event.kind ?? 'Pod', name: event.name, namespace },
      type: event.type ?? 'Warning',
      reason: event.reason,
      message: event.message,
      count: 1,
      lastTimestamp: new Date().toISOString(),
    });
  }

  /** Every type served now: the built-in ones and those of the installed CRDs. */
  types(): ResourceType[] {
    return this.rest.types();
  }

  private tick(): void {
    this.rest.tick();
  }

  private type(group: string, version: string, plural: string): ResourceType | undefined {
    return this.rest.type(group, version, plural);
  }

  private dgdType(): ResourceType | undefined {
    return this.rest.dgdType();
  }

  private withStatus(stored: StoredObject): Json {
    return this.rest.withStatus(stored);
  }

  private registerRoutes(): void {
    const api = (method: string, path: string, handler: (request: FakeRequest, response: ServerResponse) => any) =>
      this.route(method, path, async (request, response) => {
        if (this.token && request.headers.authorization !== `Bearer ${this.token}`) {
          return status(401, 'Unauthorized', 'Unauthorized');
        }
        this.tick();
        try {
          return await handler(request, response);
        } catch (error) {
          if (error instanceof ApiError) return status(error.code, error.reason, error.message);
          throw error;
        }
      });

    api('GET', '/version', () => ({ body: { major: '1', minor: '32', gitVersion: 'v1.32.13-fake' } }));
    api('GET', '/api', () => ({ body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } }));
    api('GET', '/apis', () => ({ body: groupList(this.types()) }));
    api('GET', '/api/v1', () => ({ body: resourceList(this.types(), '', 'v1') }));
    api('GET', '/apis/:group/:version', (request) => {
      const list = resourceList(this.types(), request.params.group as string, request.params.version as string);
      return list ? { body: list } : status(404, 'NotFound', NOT_FOUND);
    });
    for (const method of ['GET', 'POST', 'PATCH', 'DELETE', 'PUT']) {
      api(method, '/api/v1/*rest', (request, response) => this.rest.resource(request, response, '', 'v1'));
      api(method, '/apis/:group/:version/*rest', (request, response) =>
        this.rest.resource(request, response, request.params.group as string, request.params.version as string),
      );
      this.route(method, '/*rest', () => status(404, 'NotFound', NOT_FOUND));
    }
  }

  /** Wake `nextApply` waiters once the current response is written. */
  applied(): void {
    const waiters = this.applyWaiters;
    this.applyWaiters = [];
    // After this response has been written.
    setTimeout(() => {
      for (const waiter of waiters) waiter();
    }, 0);
  }
}

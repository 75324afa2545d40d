/**
 * A fake Kubernetes API server for the real `@kubernetes/client-node` (a kubeconfig pointing at
 * `http://127.0.0.1:PORT`): namespaces, the Dynamo operator's `DynamoGraphDeployment` custom
 * resource (nvidia.com/v1alpha1) with discovery and server-side apply, the pods, services and
 * events the operator would create, pod logs (current and previous container), the service proxy,
 * port-forward over a WebSocket (`v4.channel.k8s.io`, to the frontend pods only), and deletion
 * that takes time the way a cluster's does.
 *
 * Everything the "operator" does is scripted from the time since apply, computed when a request
 * reads it: each pod moves one lifecycle step every `stepMs`, so a test needs no timers and the
 * outcome does not depend on how often the client polls. Responses use the API server's real shapes
 * (`Status` objects for errors, `APIResourceList` for discovery, `text/plain` logs).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './http.js';
import { ServerWebSocket } from './websocket.js';

export const DGD_GROUP = 'nvidia.com';
export const DGD_VERSION = 'v1alpha1';
export const DGD_PLURAL = 'dynamographdeployments';
export const DGD_KIND = 'DynamoGraphDeployment';
/** The labels the Dynamo operator puts on the pods and services of a graph. */
export const GRAPH_LABEL = 'nvidia.com/dynamo-graph-deployment-name';
export const COMPONENT_LABEL = 'nvidia.com/dynamo-component';
export const COMPONENT_TYPE_LABEL = 'nvidia.com/dynamo-component-type';

/**
 * What happens to the pods of the failing service (`failingService`, default: the first worker):
 * - `ready`: Pending -> Running -> Ready, like every other pod.
 * - `image-pull`: ErrImagePull, then ImagePullBackOff.
 * - `crash-loop`: Running, then CrashLoopBackOff with one more restart per step (previous logs exist).
 * - `unschedulable`: Pending with PodScheduled=False, reason Unschedulable (Insufficient nvidia.com/gpu).
 * - `never-ready`: Running but never Ready (a model that never finishes loading).
 * - `invalid-spec`: the operator rejects the graph: no pods for that service, a Warning event on the DGD.
 */
export type PodScenario = 'ready' | 'image-pull' | 'crash-loop' | 'unschedulable' | 'never-ready' | 'invalid-spec';

export interface FakeKubernetesOptions {
  scenario?: PodScenario;
  failingService?: string;
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
  /** Serve the DynamoGraphDeployment CRD (default true); false = the operator is not installed. */
  crdInstalled?: boolean;
}

type Json = Record<string, any>;

interface PodRecord {
  namespace: string;
  name: string;
  service: string;
  componentType: string;
  graph: string;
  image: string;
  createdAt: number;
  deletedAt?: number;
  fate: PodScenario;
}

interface NamespaceRecord {
  object: Json;
  deletedAt?: number;
}

interface GraphRecord {
  object: Json;
  appliedAt: number;
  managers: Set<string>;
}

export interface ApplyRecord {
  namespace: string;
  name: string;
  contentType: string;
  fieldManager: string | null;
  force: boolean;
  body: Json;
}

export class FakeKubernetes extends FakeHttpServer {
  scenario: PodScenario;
  failingService: string | undefined;
  stepMs: number;
  podTerminationMs: number;
  namespaceTerminationMs: number;
  frontendUrl: string | undefined;
  token: string | undefined;
  crdInstalled: boolean;
  readonly namespaces = new Map<string, NamespaceRecord>();
  readonly graphs = new Map<string, GraphRecord>();
  readonly pods: PodRecord[] = [];
  readonly services = new Map<string, Json>();
  /** Events added by tests (the fake also derives events from pod states). */
  readonly extraEvents: Json[] = [];
  /** Every server-side apply request, in order. */
  readonly applies: ApplyRecord[] = [];
  /** Port-forward streams opened so far. */
  portForwards = 0;
  /** Drop the n-th port-forward stream (1-based) right after its handshake, as a flaky network path does. */
  dropPortForward: (n: number) => boolean = () => false;
  private applyWaiters: (() => void)[] = [];
  private resourceVersion = 1000;

  constructor(options: FakeKubernetesOptions = {}) {
    super();
    this.scenario = options.scenario ?? 'ready';
    this.failingService = options.failingService;
    this.stepMs = options.stepMs ?? 100;
    this.podTerminationMs = options.podTerminationMs ?? 200;
    this.namespaceTerminationMs = options.namespaceTerminationMs ?? 200;
    this.frontendUrl = options.frontendUrl;
    this.token = options.token;
    this.crdInstalled = options.crdInstalled ?? true;
    this.namespaces.set('default', { object: this.namespaceObject('default', {}) });
    this.registerRoutes();
  }

  override async start(host = '127.0.0.1'): Promise<this> {
    await super.start(host);
    // The base server is private to FakeHttpServer; port-forward needs its `upgrade` event.
    const server = this['server' as keyof this] as unknown as Server;
    server.on('upgrade', (request: IncomingMessage, socket: Duplex) => this.portForward(request, socket));
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

  /** Names of the namespaces that exist (including Terminating ones). */
  namespaceNames(): string[] {
    this.collect();
    return [...this.namespaces.keys()];
  }

  /** Pods that still exist in a namespace (including Terminating ones). */
  podNames(namespace: string): string[] {
    this.collect();
    return this.pods.filter((pod) => pod.namespace === namespace).map((pod) => pod.name);
  }

  graph(namespace: string, name: string): Json | undefined {
    this.collect();
    const record = this.graphs.get(`${namespace}/${name}`);
    return record ? this.graphWithStatus(record) : undefined;
  }

  addEvent(namespace: string, event: { type?: string; reason: string; message: string; kind?: string; name: string }) {
    this.extraEvents.push(
      this.eventObject(
        namespace,
        event.kind ?? 'Pod',
        event.name,
        event.type ?? 'Warning',
        event.reason,
        event.message,
      ),
    );
  }

  private registerRoutes(): void {
    const api = (method: string, path: string, handler: (request: FakeRequest, response: ServerResponse) => any) =>
      this.route(method, path, async (request, response) => {
        if (this.token && request.headers.authorization !== `Bearer ${this.token}`) {
          return status(401, 'Unauthorized', 'Unauthorized');
        }
        this.collect();
        return handler(request, response);
      });

    api('GET', '/version', () => ({ body: { major: '1', minor: '32', gitVersion: 'v1.32.13-fake' } }));
    api('GET', '/api/v1', () => ({
      body: {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: ['namespaces', 'pods', 'services', 'events'].map((name) => ({
          name,
          namespaced: name !== 'namespaces',
          kind:
            name === 'namespaces' ? 'Namespace' : name === 'pods' ? 'Pod' : name === 'services' ? 'Service' : 'Event',
          verbs: ['create', 'delete', 'get', 'list', 'patch'],
        })),
      },
    }));
    api('GET', `/apis/${DGD_GROUP}/${DGD_VERSION}`, () => {
      if (!this.crdInstalled) return status(404, 'NotFound', 'the server could not find the requested resource');
      return {
        body: {
          kind: 'APIResourceList',
          apiVersion: 'v1',
          groupVersion: `${DGD_GROUP}/${DGD_VERSION}`,
          resources: [
            {
              name: DGD_PLURAL,
              singularName: 'dynamographdeployment',
              namespaced: true,
              kind: DGD_KIND,
              shortNames: ['dgd'],
              verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
            },
            { name: `${DGD_PLURAL}/status`, singularName: '', namespaced: true, kind: DGD_KIND, verbs: ['get'] },
          ],
        },
      };
    });

    // Namespaces.
    api('GET', '/api/v1/namespaces', (request) => ({
      body: this.list(
        'NamespaceList',
        [...this.namespaces.values()].map((record) => this.namespaceWithStatus(record)),
        request.query,
      ),
    }));
    api('POST', '/api/v1/namespaces', (request) => {
      const name = request.body?.metadata?.name;
      if (typeof name !== 'string' || !isDnsLabel(name)) {
        return status(422, 'Invalid', `Namespace "${name}" is invalid: metadata.name: Invalid value: "${name}"`);
      }
      if (this.namespaces.has(name)) return status(409, 'AlreadyExists', `namespaces "${name}" already exists`);
      const object = this.namespaceObject(name, request.body.metadata.labels ?? {}, request.body.metadata.annotations);
      this.namespaces.set(name, { object });
      return { status: 201, body: object };
    });
    api('GET', '/api/v1/namespaces/:ns', (request) => {
      const record = this.namespaces.get(request.params.ns as string);
      if (!record) return status(404, 'NotFound', `namespaces "${request.params.ns}" not found`);
      return { body: this.namespaceWithStatus(record) };
    });
    api('DELETE', '/api/v1/namespaces/:ns', (request) => {
      const record = this.namespaces.get(request.params.ns as string);
      if (!record) return status(404, 'NotFound', `namespaces "${request.params.ns}" not found`);
      record.deletedAt ??= Date.now();
      return { body: this.namespaceWithStatus(record) };
    });

    // The DynamoGraphDeployment custom resource.
    const dgdBase = `/apis/${DGD_GROUP}/${DGD_VERSION}/namespaces/:ns/${DGD_PLURAL}`;
    api('GET', dgdBase, (request) => {
      if (!this.crdInstalled) return status(404, 'NotFound', 'the server could not find the requested resource');
      const items = [...this.graphs.values()]
        .filter((record) => record.object.metadata.namespace === request.params.ns)
        .map((record) => this.graphWithStatus(record));
      return { body: this.list(`${DGD_KIND}List`, items, request.query, `${DGD_GROUP}/${DGD_VERSION}`) };
    });
    api('GET', `${dgdBase}/:name`, (request) => {
      if (!this.crdInstalled) return status(404, 'NotFound', 'the server could not find the requested resource');
      const record = this.graphs.get(`${request.params.ns}/${request.params.name}`);
      if (!record) return status(404, 'NotFound', `${DGD_PLURAL}.${DGD_GROUP} "${request.params.name}" not found`);
      return { body: this.graphWithStatus(record) };
    });
    api('PATCH', `${dgdBase}/:name`, (request) => this.apply(request));
    api('DELETE', `${dgdBase}/:name`, (request) => {
      const key = `${request.params.ns}/${request.params.name}`;
      const record = this.graphs.get(key);
      if (!record) return status(404, 'NotFound', `${DGD_PLURAL}.${DGD_GROUP} "${request.params.name}" not found`);
      this.graphs.delete(key);
      const now = Date.now();
      for (const pod of this.pods) {
        if (pod.namespace === request.params.ns && pod.graph === request.params.name) pod.deletedAt ??= now;
      }
      for (const [serviceKey, service] of this.services) {
        if (
          service.metadata.namespace === request.params.ns &&
          service.metadata.labels[GRAPH_LABEL] === record.object.metadata.name
        ) {
          this.services.delete(serviceKey);
        }
      }
      return {
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: request.params.name },
        },
      };
    });

    // Pods, services, events, logs.
    api('GET', '/api/v1/namespaces/:ns/pods', (request) => ({
      body: this.list(
        'PodList',
        this.pods.filter((pod) => pod.namespace === request.params.ns).map((pod) => this.podObject(pod)),
        request.query,
      ),
    }));
    api('GET', '/api/v1/namespaces/:ns/pods/:name', (request) => {
      const pod = this.findPod(request.params.ns as string, request.params.name as string);
      if (!pod) return status(404, 'NotFound', `pods "${request.params.name}" not found`);
      return { body: this.podObject(pod) };
    });
    api('GET', '/api/v1/namespaces/:ns/pods/:name/log', (request) => this.log(request));
    api('GET', '/api/v1/namespaces/:ns/services', (request) => ({
      body: this.list(
        'ServiceList',
        [...this.services.values()].filter((service) => service.metadata.namespace === request.params.ns),
        request.query,
      ),
    }));
    api('GET', '/api/v1/namespaces/:ns/events', (request) => ({
      body: this.list('EventList', this.events(request.params.ns as string), request.query),
    }));
    for (const method of ['GET', 'POST']) {
      api(method, '/api/v1/namespaces/:ns/services/:service/proxy', (request, response) =>
        this.proxy(request, response, '/'),
      );
      api(method, '/api/v1/namespaces/:ns/services/:service/proxy/*path', (request, response) =>
        this.proxy(request, response, `/${request.params.path}`),
      );
    }
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      this.route(method, '/*rest', () => status(404, 'NotFound', 'the server could not find the requested resource'));
    }
  }

  private apply(request: FakeRequest): FakeResponse {
    if (!this.crdInstalled) return status(404, 'NotFound', 'the server could not find the requested resource');
    const namespace = request.params.ns as string;
    const name = request.params.name as string;
    const contentType = String(request.headers['content-type'] ?? '');
    const fieldManager = request.query.get('fieldManager');
    const force = request.query.get('force') === 'true';
    let body: Json;
    try {
      body = parseYaml(request.text) as Json;
    } catch (error) {
      return status(400, 'BadRequest', `error decoding YAML: ${String(error)}`);
    }
    this.applies.push({ namespace, name, contentType, fieldManager, force, body });
    if (!contentType.startsWith('application/apply-patch+yaml')) {
      return status(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
    }
    if (!fieldManager) {
      return status(
        400,
        'BadRequest',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (
      body?.apiVersion !== `${DGD_GROUP}/${DGD_VERSION}` ||
      body?.kind !== DGD_KIND ||
      body?.metadata?.name !== name
    ) {
      return status(
        400,
        'BadRequest',
        'the apiVersion, kind and metadata.name of the body must match the request path',
      );
    }
    const ns = this.namespaces.get(namespace);
    if (!ns) return status(404, 'NotFound', `namespaces "${namespace}" not found`);
    if (ns.deletedAt) {
      return status(
        403,
        'Forbidden',
        `${DGD_PLURAL}.${DGD_GROUP} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
    const key = `${namespace}/${name}`;
    const existing = this.graphs.get(key);
    if (existing && !force && [...existing.managers].some((manager) => manager !== fieldManager)) {
      return status(
        409,
        'Conflict',
        `Apply failed with 1 conflict: conflict with "${[...existing.managers][0]}": .spec`,
      );
    }
    const now = Date.now();
    if (existing) {
      const changed = JSON.stringify(existing.object.spec) !== JSON.stringify(body.spec);
      existing.object.spec = body.spec;
      existing.object.metadata.labels = body.metadata.labels ?? existing.object.metadata.labels;
      if (changed) existing.object.metadata.generation++;
      existing.object.metadata.resourceVersion = String(++this.resourceVersion);
      existing.managers.add(fieldManager);
      this.resolveApplyWaiters();
      return { body: this.graphWithStatus(existing) };
    }
    const object: Json = {
      apiVersion: `${DGD_GROUP}/${DGD_VERSION}`,
      kind: DGD_KIND,
      metadata: {
        ...body.metadata,
        namespace,
        uid: `uid-${this.resourceVersion}`,
        generation: 1,
        resourceVersion: String(++this.resourceVersion),
        creationTimestamp: new Date(now).toISOString(),
      },
      spec: body.spec,
    };
    const record: GraphRecord = { object, appliedAt: now, managers: new Set([fieldManager]) };
    this.graphs.set(key, record);
    this.createWorkloads(record);
    this.resolveApplyWaiters();
    return { status: 201, body: this.graphWithStatus(record) };
  }

  private resolveApplyWaiters(): void {
    const waiters = this.applyWaiters;
    this.applyWaiters = [];
    // After this response has been written.
    setTimeout(() => {
      for (const waiter of waiters) waiter();
    }, 0);
  }

  /** The operator's part: one pod per replica of every service, and a Service for the frontend. */
  private createWorkloads(record: GraphRecord): void {
    const graph = record.object.metadata.name as string;
    const namespace = record.object.metadata.namespace as string;
    const services = Object.entries((record.object.spec?.services ?? {}) as Record<string, Json>);
    const failing =
      this.failingService ?? services.find(([, spec]) => spec.componentType !== 'frontend')?.[0] ?? services[0]?.[0];
    for (const [service, spec] of services) {
      const fate = service === failing ? this.scenario : 'ready';
      if (fate === 'invalid-spec') continue;
      const componentType = String(spec.componentType ?? 'worker');
      const replicas = Number(spec.replicas ?? 1);
      for (let index = 0; index < replicas; index++) {
        this.pods.push({
          namespace,
          name: `${graph}-${service.toLowerCase()}-${index}-${randomSuffix()}`,
          service,
          componentType,
          graph,
          image: String(spec.extraPodSpec?.mainContainer?.image ?? 'unknown'),
          createdAt: record.appliedAt,
          fate,
        });
      }
      if (componentType === 'frontend') {
        const name = `${graph}-${service.toLowerCase()}`;
        this.services.set(`${namespace}/${name}`, {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            name,
            namespace,
            labels: { [GRAPH_LABEL]: graph, [COMPONENT_LABEL]: service, [COMPONENT_TYPE_LABEL]: 'frontend' },
          },
          spec: { ports: [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }], type: 'ClusterIP' },
        });
      }
    }
  }

  private step(since: number): number {
    return Math.floor((Date.now() - since) / this.stepMs);
  }

  private podState(pod: PodRecord): { phase: string; ready: boolean; restarts: number; json: Json } {
    const step = this.step(pod.createdAt);
    const container: Json = {
      name: 'main',
      image: pod.image,
      imageID: '',
      restartCount: 0,
      ready: false,
      started: false,
    };
    const conditions: Json[] = [];
    let phase = 'Pending';
    let ready = false;
    const creating = () => {
      container.state = { waiting: { reason: 'ContainerCreating' } };
      conditions.push({ type: 'PodScheduled', status: 'True' });
    };
    if (pod.fate === 'unschedulable') {
      conditions.push({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message:
          '0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      });
    } else if (step === 0) {
      creating();
    } else if (pod.fate === 'image-pull') {
      conditions.push(
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      );
      container.state = {
        waiting:
          step === 1
            ? { reason: 'ErrImagePull', message: `failed to pull and unpack image "${pod.image}": not found` }
            : { reason: 'ImagePullBackOff', message: `Back-off pulling image "${pod.image}"` },
      };
    } else if (pod.fate === 'crash-loop') {
      phase = 'Running';
      container.restartCount = step - 1;
      container.lastState =
        step > 1 ? { terminated: { exitCode: 1, reason: 'Error', finishedAt: new Date().toISOString() } } : {};
      container.state =
        step > 1
          ? { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=main' } }
          : { running: { startedAt: new Date().toISOString() } };
      conditions.push(
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
      );
    } else {
      phase = 'Running';
      container.state = { running: { startedAt: new Date(pod.createdAt + this.stepMs).toISOString() } };
      container.started = true;
      ready = pod.fate !== 'never-ready' && step >= 2;
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
      json: { phase, conditions, containerStatuses: pod.fate === 'unschedulable' ? undefined : [container] },
    };
  }

  private podObject(pod: PodRecord): Json {
    const state = this.podState(pod);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        uid: `uid-${pod.name}`,
        creationTimestamp: new Date(pod.createdAt).toISOString(),
        ...(pod.deletedAt ? { deletionTimestamp: new Date(pod.deletedAt).toISOString() } : {}),
        labels: { [GRAPH_LABEL]: pod.graph, [COMPONENT_LABEL]: pod.service, [COMPONENT_TYPE_LABEL]: pod.componentType },
      },
      spec: {
        containers: [{ name: 'main', image: pod.image, resources: { limits: { 'nvidia.com/gpu': '1' } } }],
        nodeName: pod.fate === 'unschedulable' ? undefined : 'gpu-node-1',
      },
      status: state.json,
    };
  }

  private graphWithStatus(record: GraphRecord): Json {
    const metadata = record.object.metadata;
    const pods = this.pods.filter((pod) => pod.namespace === metadata.namespace && pod.graph === metadata.name);
    const services = Object.keys(record.object.spec?.services ?? {});
    const notReady = services.filter((service) => {
      const mine = pods.filter((pod) => pod.service === service);
      return mine.length === 0 || mine.some((pod) => !this.podState(pod).ready);
    });
    const ready = notReady.length === 0 && services.length > 0;
    return {
      ...record.object,
      status: {
        state: ready ? 'successful' : 'pending',
        observedGeneration: metadata.generation,
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'AllComponentsReady' : 'ComponentsNotReady',
            message: ready ? 'All components are ready' : `Components not ready: ${notReady.join(', ')}`,
            lastTransitionTime: new Date(record.appliedAt).toISOString(),
          },
        ],
      },
    };
  }

  private events(namespace: string): Json[] {
    const events: Json[] = [];
    for (const pod of this.pods.filter((candidate) => candidate.namespace === namespace)) {
      const state = this.podState(pod);
      const waiting = state.json.containerStatuses?.[0]?.state?.waiting?.reason;
      if (pod.fate === 'unschedulable') {
        events.push(
          this.eventObject(namespace, 'Pod', pod.name, 'Warning', 'FailedScheduling', state.json.conditions[0].message),
        );
        continue;
      }
      events.push(
        this.eventObject(
          namespace,
          'Pod',
          pod.name,
          'Normal',
          'Scheduled',
          `Successfully assigned ${namespace}/${pod.name} to gpu-node-1`,
        ),
      );
      if (waiting === 'ErrImagePull' || waiting === 'ImagePullBackOff') {
        events.push(
          this.eventObject(
            namespace,
            'Pod',
            pod.name,
            'Warning',
            'Failed',
            `Failed to pull image "${pod.image}": not found`,
          ),
        );
      }
      if (state.restarts > 0) {
        events.push(
          this.eventObject(
            namespace,
            'Pod',
            pod.name,
            'Warning',
            'BackOff',
            'Back-off restarting failed container main',
          ),
        );
      }
    }
    for (const record of this.graphs.values()) {
      if (record.object.metadata.namespace !== namespace) continue;
      const rejected = Object.keys(record.object.spec?.services ?? {}).some(
        (service) =>
          this.scenario === 'invalid-spec' &&
          (this.failingService ?? service) === service &&
          !this.pods.some((pod) => pod.graph === record.object.metadata.name && pod.service === service),
      );
      if (rejected) {
        events.push(
          this.eventObject(
            namespace,
            DGD_KIND,
            record.object.metadata.name,
            'Warning',
            'InvalidSpec',
            'spec.services: resources.limits.gpu must be a whole number, got "one"',
          ),
        );
      }
    }
    return [...events, ...this.extraEvents.filter((event) => event.metadata.namespace === namespace)];
  }

  private eventObject(
    namespace: string,
    kind: string,
    name: string,
    type: string,
    reason: string,
    message: string,
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
      lastTimestamp: new Date().toISOString(),
    };
  }

  private log(request: FakeRequest): FakeResponse {
    const pod = this.findPod(request.params.ns as string, request.params.name as string);
    if (!pod) return status(404, 'NotFound', `pods "${request.params.name}" not found`);
    const state = this.podState(pod);
    const previous = request.query.get('previous') === 'true';
    if (previous) {
      if (state.restarts === 0) {
        return status(400, 'BadRequest', `previous terminated container "main" in pod "${pod.name}" not found`);
      }
      return {
        raw: 'INFO dynamo_runtime: starting worker\nTraceback (most recent call last):\nRuntimeError: CUDA error: no kernel image is available for execution on the device\n',
      };
    }
    if (state.phase === 'Pending') {
      const reason = state.json.containerStatuses?.[0]?.state?.waiting?.reason ?? 'Pending';
      return status(400, 'BadRequest', `container "main" in pod "${pod.name}" is waiting to start: ${reason}`);
    }
    const lines = [`INFO ${pod.service}: image ${pod.image}`, `INFO ${pod.service}: loading model`];
    if (state.ready) lines.push(`INFO ${pod.service}: ready`);
    const tailLines = Number(request.query.get('tailLines') ?? 0);
    const shown = tailLines > 0 ? lines.slice(-tailLines) : lines;
    return { raw: `${shown.join('\n')}\n` };
  }

  private async proxy(request: FakeRequest, response: ServerResponse, path: string): Promise<FakeResponse> {
    const [serviceName] = (request.params.service as string).split(':');
    const service = this.services.get(`${request.params.ns}/${serviceName}`);
    if (!service) return status(404, 'NotFound', `services "${serviceName}" not found`);
    const backends = this.pods.filter(
      (pod) =>
        pod.namespace === request.params.ns &&
        !pod.deletedAt &&
        pod.graph === service.metadata.labels[GRAPH_LABEL] &&
        pod.service === service.metadata.labels[COMPONENT_LABEL] &&
        this.podState(pod).ready,
    );
    if (backends.length === 0 || !this.frontendUrl) {
      return status(503, 'ServiceUnavailable', `no endpoints available for service "${serviceName}"`);
    }
    const target = new URL(path + (request.query.size > 0 ? `?${request.query}` : ''), this.frontendUrl);
    await new Promise<void>((resolve) => {
      const outgoing = httpRequest(
        target,
        {
          method: request.method,
          headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json') },
        },
        (incoming) => {
          response.writeHead(incoming.statusCode ?? 502, incoming.headers);
          incoming.pipe(response);
          incoming.on('end', resolve);
        },
      );
      outgoing.on('error', (error) => {
        response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`error trying to reach service: ${error.message}`);
        resolve();
      });
      outgoing.end(request.text);
    });
    return { handled: true };
  }

  /**
   * `GET /api/v1/namespaces/<ns>/pods/<pod>/portforward?ports=N` upgraded to a WebSocket. Each
   * message starts with a channel byte (0 data, 1 errors); the first message on each channel is
   * the port, little-endian, as the kubelet sends it. Data is relayed to `frontendUrl`.
   */
  private portForward(request: IncomingMessage, socket: Duplex): undefined {
    const reject = (code: number, reason: string, message: string): undefined => {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
      socket.end(
        `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    };
    const url = new URL(request.url ?? '/', 'http://fake');
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    if (!match) return reject(404, 'NotFound', 'the server could not find the requested resource');
    if (this.token && request.headers.authorization !== `Bearer ${this.token}`)
      return reject(401, 'Unauthorized', 'Unauthorized');
    this.collect();
    const pod = this.findPod(match[1] as string, match[2] as string);
    if (!pod) return reject(404, 'NotFound', `pods "${match[2]}" not found`);
    if (this.podState(pod).phase !== 'Running') {
      return reject(400, 'BadRequest', `pod ${pod.name} is not running`);
    }
    const port = Number(url.searchParams.get('ports'));
    if (!Number.isInteger(port) || port < 1 || port > 65535) return reject(400, 'BadRequest', 'invalid port');
    const ws = ServerWebSocket.accept(request, socket, ['v4.channel.k8s.io']);
    if (!ws) return;
    this.portForwards++;
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
    ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
    if (this.dropPortForward(this.portForwards)) {
      ws.terminate();
      return;
    }
    if (pod.componentType !== 'frontend' || !this.frontendUrl) {
      ws.send(
        Buffer.concat([
          Buffer.from([1]),
          Buffer.from(`error forwarding port ${port} to pod ${pod.name}: connection refused`),
        ]),
      );
      ws.close();
      return;
    }
    const target = new URL(this.frontendUrl);
    const upstream = connect(Number(target.port), target.hostname);
    upstream.on('data', (data: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), data])));
    upstream.on('close', () => ws.close());
    upstream.on('error', () => ws.close());
    ws.on('message', (message: Buffer) => {
      if (message[0] === 0) upstream.write(message.subarray(1));
    });
    ws.on('close', () => upstream.destroy());
  }

  private findPod(namespace: string, name: string): PodRecord | undefined {
    return this.pods.find((pod) => pod.namespace === namespace && pod.name === name);
  }

  /** Finish deletions whose time has come: pods, then namespaces and everything in them. */
  private collect(): void {
    const now = Date.now();
    for (let index = this.pods.length - 1; index >= 0; index--) {
      const pod = this.pods[index] as PodRecord;
      if (pod.deletedAt !== undefined && now - pod.deletedAt >= this.podTerminationMs) this.pods.splice(index, 1);
    }
    for (const [name, record] of this.namespaces) {
      if (record.deletedAt === undefined) continue;
      const inside = <T>(map: Map<string, T>) => [...map.keys()].filter((key) => key.startsWith(`${name}/`));
      for (const key of inside(this.graphs)) this.graphs.delete(key);
      for (const key of inside(this.services)) this.services.delete(key);
      for (const pod of this.pods) if (pod.namespace === name) pod.deletedAt ??= record.deletedAt;
      if (now - record.deletedAt >= this.namespaceTerminationMs && !this.pods.some((pod) => pod.namespace === name)) {
        this.namespaces.delete(name);
      }
    }
  }

  private namespaceObject(name: string, labels: Record<string, string>, annotations?: Record<string, string>): Json {
    return {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: { 'kubernetes.io/metadata.name': name, ...labels },
        ...(annotations ? { annotations } : {}),
        uid: `uid-ns-${name}`,
        creationTimestamp: new Date().toISOString(),
        resourceVersion: String(++this.resourceVersion),
      },
      spec: { finalizers: ['kubernetes'] },
    };
  }

  private namespaceWithStatus(record: NamespaceRecord): Json {
    const terminating = record.deletedAt !== undefined;
    return {
      ...record.object,
      metadata: {
        ...record.object.metadata,
        ...(terminating ? { deletionTimestamp: new Date(record.deletedAt as number).toISOString() } : {}),
      },
      status: { phase: terminating ? 'Terminating' : 'Active' },
    };
  }

  private list(kind: string, items: Json[], query: URLSearchParams, apiVersion = 'v1'): Json {
    const selector = query.get('labelSelector');
    const filtered = selector ? items.filter((item) => matchesSelector(selector, item.metadata?.labels ?? {})) : items;
    return { kind, apiVersion, metadata: { resourceVersion: String(this.resourceVersion) }, items: filtered };
  }
}

/** An API server error: a `Status` object with the HTTP code. */
function status(code: number, reason: string, message: string): FakeResponse {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
  };
}

/** Equality-based label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
      if (notEqual) return labels[notEqual[1] as string] !== notEqual[2];
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) return labels[equal[1] as string] === equal[2];
      if (term.startsWith('!')) return !(term.slice(1) in labels);
      return term in labels;
    });
}

function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 7);
}

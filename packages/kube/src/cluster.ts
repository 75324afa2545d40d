/**
 * The Kubernetes port and its implementation over `@kubernetes/client-node`. The actions see plain
 * JSON objects and errors that say what to fix; only this module knows the client library. Any
 * kind is applied (server-side apply), read, listed by label and deleted through the client's
 * discovery-driven object API. Reads are retried on 429/5xx and dropped connections, never on a
 * refused connection or a DNS failure (the kubeconfig is wrong; waiting will not help).
 */
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { retry, ServiceError } from '@dynamo-ci/core';
import {
  ApiException,
  CoreV1Api,
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  PortForward,
  RequestContext,
} from '@kubernetes/client-node';
import type { Json, ObjectRef } from './manifests.js';

export interface ProxyResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** One Kubernetes cluster, as the deploy actions use it. */
export interface Cluster {
  readonly server: string;
  getNamespace(name: string): Promise<Json | undefined>;
  /** Create the namespace; false when it already existed. */
  createNamespace(name: string, labels: Record<string, string>, annotations: Record<string, string>): Promise<boolean>;
  /** Merge labels and annotations into a namespace (a JSON merge patch). */
  annotateNamespace(name: string, annotations: Record<string, string>): Promise<Json>;
  /** False when it was already gone. */
  deleteNamespace(name: string): Promise<boolean>;
  /** Namespaces matching a label selector. */
  listNamespaces(labelSelector: string): Promise<Json[]>;
  /** Server-side apply of any object; `force` takes over fields another manager set. */
  apply(object: Json, fieldManager: string, force: boolean): Promise<Json>;
  /** Undefined when it does not exist. */
  get(ref: ObjectRef): Promise<Json | undefined>;
  /** Delete with background propagation; false when it was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** Objects of a kind with a label selector, in a namespace or (namespace undefined) everywhere. */
  list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<Json[]>;
  listPods(namespace: string, labelSelector?: string): Promise<Json[]>;
  listEvents(namespace: string): Promise<Json[]>;
  listServices(namespace: string, labelSelector?: string): Promise<Json[]>;
  podLog(namespace: string, pod: string, container: string, previous: boolean, tailLines: number): Promise<string>;
  /** A request through the API server's service proxy; any HTTP status resolves. */
  proxy(
    namespace: string,
    service: string,
    port: number,
    request: { method: 'GET' | 'POST'; path: string; body?: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ProxyResponse>;
  /** Carry one local TCP connection to a pod's port over a port-forward stream; ends the socket when the stream ends. */
  forwardConnection(namespace: string, pod: string, port: number, socket: Socket): Promise<void>;
}

export class KubeCluster implements Cluster {
  private readonly core: CoreV1Api;
  private readonly objects: KubernetesObjectApi;

  constructor(
    private readonly config: KubeConfig,
    readonly server: string,
  ) {
    this.core = config.makeApiClient(CoreV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(config);
  }

  async getNamespace(name: string): Promise<Json | undefined> {
    return this.read(`reading namespace ${name}`, () => this.core.readNamespace({ name }));
  }

  async createNamespace(name: string, labels: Record<string, string>, annotations: Record<string, string>) {
    try {
      await this.call(`creating namespace ${name}`, () =>
        this.core.createNamespace({ body: { metadata: { name, labels, annotations } } }),
      );
      return true;
    } catch (error) {
      if (error instanceof ServiceError && error.status === 409) return false;
      throw error;
    }
  }

  async deleteNamespace(name: string): Promise<boolean> {
    return (await this.read(`deleting namespace ${name}`, () => this.core.deleteNamespace({ name }))) !== undefined;
  }

  async annotateNamespace(name: string, annotations: Record<string, string>): Promise<Json> {
    return this.call(`annotating namespace ${name}`, () =>
      this.objects.patch(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, annotations } },
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
  }

  async listNamespaces(labelSelector: string): Promise<Json[]> {
    const list = await this.call('listing namespaces', () => this.core.listNamespace({ labelSelector }), true);
    return list.items;
  }

  async apply(object: Json, fieldManager: string, force: boolean): Promise<Json> {
    // Server-side apply: idempotent, so a retried step or a re-run attempt converges instead of
    // failing with AlreadyExists.
    return this.call(`applying ${describe(object)}`, () =>
      this.objects.patch(object as any, undefined, undefined, fieldManager, force, PatchStrategy.ServerSideApply),
    );
  }

  async get(ref: ObjectRef): Promise<Json | undefined> {
    return this.read(`reading ${describe(ref)}`, () =>
      this.objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: metadataOf(ref) }),
    );
  }

  async delete(ref: ObjectRef): Promise<boolean> {
    const deleted = await this.read(`deleting ${describe(ref)}`, () =>
      this.objects.delete(
        { apiVersion: ref.apiVersion, kind: ref.kind, metadata: metadataOf(ref) },
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      ),
    );
    return deleted !== undefined;
  }

  async list(apiVersion: string, kind: string, namespace: string | undefined, labelSelector?: string): Promise<Json[]> {
    const list = await this.call(
      `listing ${kind} objects${namespace ? ` in ${namespace}` : ''}`,
      () => this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
      true,
    );
    return list.items;
  }

  async listPods(namespace: string, labelSelector?: string): Promise<Json[]> {
    const list = await this.call(
      `listing pods in ${namespace}`,
      () => this.core.listNamespacedPod({ namespace, labelSelector }),
      true,
    );
    return list.items;
  }

  async listEvents(namespace: string): Promise<Json[]> {
    const list = await this.call(
      `listing events in ${namespace}`,
      () => this.core.listNamespacedEvent({ namespace }),
      true,
    );
    return list.items;
  }

  async listServices(namespace: string, labelSelector?: string): Promise<Json[]> {
    const list = await this.call(
      `listing services in ${namespace}`,
      () => this.core.listNamespacedService({ namespace, labelSelector }),
      true,
    );
    return list.items;
  }

  async podLog(
    namespace: string,
    pod: string,
    container: string,
    previous: boolean,
    tailLines: number,
  ): Promise<string> {
    return this.call(`reading the log of ${namespace}/${pod}`, () =>
      this.core.readNamespacedPodLog({ namespace, name: pod, container, previous, tailLines }),
    );
  }

  async proxy(
    namespace: string,
    service: string,
    port: number,
    request: { method: 'GET' | 'POST'; path: string; body?: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<ProxyResponse> {
    // The generated CoreV1Api proxy calls cannot send a body, so build the request the way the
    // client does (same auth, TLS and proxy settings) and send it with the client's HTTP library.
    const base = this.server.replace(/\/+$/, '');
    const url = `${base}/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}:${port}/proxy${request.path}`;
    const context = new RequestContext(url, request.method === 'POST' ? HttpMethod.POST : HttpMethod.GET);
    context.setHeaderParam('Accept', 'application/json');
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', 'application/json');
      context.setBody(request.body);
    }
    const signals = [AbortSignal.timeout(request.timeoutMs), ...(request.signal ? [request.signal] : [])];
    context.setSignal(AbortSignal.any(signals));
    await this.config.applySecurityAuthentication(context);
    try {
      const response = await new IsomorphicFetchHttpLibrary().send(context).toPromise();
      return { status: response.httpStatusCode, headers: response.headers, text: await response.body.text() };
    } catch (error) {
      throw translate(error, `calling ${service}:${port}${request.path} through the service proxy`, this.server);
    }
  }

  async forwardConnection(namespace: string, pod: string, port: number, socket: Socket): Promise<void> {
    // Hold the client's first bytes until the stream is open; the client library only starts
    // reading the socket once the WebSocket is connected.
    socket.pause();
    const errors: string[] = [];
    const errorStream = new Writable({
      write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void) {
        errors.push(chunk.toString('utf8'));
        done();
      },
    });
    let ws: any;
    try {
      ws = await new PortForward(this.config).portForward(namespace, pod, [port], socket, errorStream, socket);
    } catch (error) {
      socket.destroy();
      throw translate(error, `opening a port-forward to ${namespace}/${pod}:${port}`, this.server);
    }
    // A stream ended by either side must end the other, and neither may crash the action
    // (kubernetes-client/javascript#459).
    ws.on?.('error', () => socket.destroy());
    ws.on?.('close', () => {
      if (errors.length > 0) socket.destroy(new Error(errors.join('').trim()));
      else socket.end();
    });
    socket.on('error', () => ws.close?.());
    socket.on('close', () => ws.close?.());
    socket.resume();
  }

  /** A read whose 404 means "not there": resolves undefined. */
  private async read<T>(action: string, operation: () => Promise<T>): Promise<Json | undefined> {
    try {
      return toJson(await this.call(action, operation, true));
    } catch (error) {
      if (
        error instanceof ServiceError &&
        error.status === 404 &&
        !/the server could not find the requested resource|does not serve/.test(error.message)
      ) {
        return undefined;
      }
      throw error;
    }
  }

  private async call<T>(action: string, operation: () => Promise<T>, idempotent = false): Promise<any> {
    try {
      const result = await retry(() => operation(), {
        attempts: idempotent ? 4 : 2,
        baseDelayMs: 500,
        maxDelayMs: 4000,
        decide: (error) => ({ retry: isTransient(error) }),
      });
      return toJson(result);
    } catch (error) {
      throw translate(error, action, this.server);
    }
  }
}

function metadataOf(ref: ObjectRef): { name: string; namespace?: string } {
  return ref.namespace ? { name: ref.name, namespace: ref.namespace } : { name: ref.name };
}

function describe(object: { kind?: string; name?: string; namespace?: string; metadata?: Json }): string {
  const name = object.metadata?.name ?? object.name;
  const namespace = object.metadata?.namespace ?? object.namespace;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? `${messageOf(error)}: ${cause.message}` : messageOf(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toJson(value: unknown): any {
  if (value === undefined || value === null || typeof value === 'string') return value;
  return JSON.parse(JSON.stringify(value));
}

/** The system error code (ECONNREFUSED, ENOTFOUND, ...) anywhere in the cause chain or inside an AggregateError. */
function networkCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== 'object' || depth > 6) return undefined;
  const current = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof current.code === 'string' && /^[A-Z_]+$/.test(current.code)) return current.code;
  for (const inner of [current.cause, ...(Array.isArray(current.errors) ? current.errors : [])]) {
    const code = networkCode(inner, depth + 1);
    if (code) return code;
  }
  return undefined;
}

function isTransient(error: unknown): boolean {
  if (error instanceof ApiException) return error.code === 429 || (error.code >= 500 && error.code !== 501);
  return ['ECONNRESET', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'EPIPE'].includes(networkCode(error) ?? '');
}

/** The API server's `Status.message`, when the body is a Status. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.slice(0, 300) || undefined;
    }
  }
  if (body && typeof body === 'object' && typeof (body as Json).message === 'string') return (body as Json).message;
  return undefined;
}

/** Turn any client error into a ServiceError whose message says what happened and what to check. */
export function translate(error: unknown, action: string, server: string): ServiceError {
  if (error instanceof ServiceError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  // Discovery answered 404 for the group version, or the group version lacks the kind.
  const unserved =
    /Unrecognized API version and kind: (\S+) (\S+)/.exec(raw) ??
    (error instanceof ApiException && error.code === 404
      ? /Failed to fetch resource metadata for (\S+)\/([A-Za-z0-9]+):/.exec(raw)
      : null);
  if (unserved) {
    const [, apiVersion, kind] = unserved;
    const hint =
      kind === 'DynamoGraphDeployment'
        ? 'install the Dynamo operator (its CRDs) first'
        : 'install its CustomResourceDefinition first';
    return new ServiceError(`The cluster at ${server} does not serve ${apiVersion} ${kind} (${action}): ${hint}`, 404);
  }
  if (error instanceof ApiException) {
    const message = statusMessage(error.body) ?? `HTTP ${error.code}`;
    if (error.code === 401) {
      return new ServiceError(
        `The Kubernetes API server at ${server} rejected the kubeconfig's credentials (401 Unauthorized) while ${action}; refresh the token or certificate in the kubeconfig`,
        401,
      );
    }
    if (error.code === 403) {
      return new ServiceError(
        `Forbidden while ${action}: ${message}. Grant the kubeconfig's user that permission (RBAC)`,
        403,
      );
    }
    return new ServiceError(`Kubernetes API error while ${action}: HTTP ${error.code}: ${message}`, error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = networkCode(error);
  if (code === 'ABORT_ERR' || (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError') {
    return new ServiceError(`Timed out while ${action}`);
  }
  if (code || message === 'fetch failed') {
    return new ServiceError(
      `Cannot reach the Kubernetes API server at ${server} while ${action} (${code ?? causeOf(error)}): check the kubeconfig's cluster server URL and that the cluster is running and reachable from this runner`,
    );
  }
  return new ServiceError(`Kubernetes request failed while ${action}: ${message.split('\n')[0]}`);
}

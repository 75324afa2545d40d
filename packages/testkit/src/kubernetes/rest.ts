/**
 * The REST half of the fake API server: discovery-driven routing of `/api/v1/...` and
 * `/apis/<group>/<version>/...` to any served type (namespaced or not, one object or a collection,
 * the `log` and `proxy` subresources), and each object as the API server returns it, with the
 * status its controller computes.
 */
import type { ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { FakeRequest, FakeResponse } from '../http.js';
import { BUILTIN_TYPES, CRD_TYPE, groupVersion, type Json, type ResourceType, typesOfCrd } from './catalogue.js';
import { DGD_GROUP, DGD_KIND, DGD_PLURAL, DGD_VERSION, type DynamoOperator } from './dynamo.js';
import { relayProxy } from './network.js';
import type { ObjectStore, StoredObject } from './store.js';
import { DEPLOYMENT_TYPE, type Workloads } from './workloads.js';

const NOT_FOUND = 'the server could not find the requested resource';
const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';

export interface ApplyRecord {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  contentType: string;
  fieldManager: string | null;
  force: boolean;
  body: Json;
}

/** What the REST handlers read from the server they belong to. */
export interface RestHost {
  readonly store: ObjectStore;
  readonly workloads: Workloads;
  readonly operator: DynamoOperator;
  readonly extraEvents: Json[];
  readonly applies: ApplyRecord[];
  readonly frontendUrl: string | undefined;
  /** Called after every server-side apply has been handled. */
  applied(): void;
}

export class Rest {
  constructor(private readonly host: RestHost) {}

  /** Every type served now: the built-in ones and those of the installed CRDs. */
  types(): ResourceType[] {
    const custom = this.host.store
      .list(CRD_TYPE)
      .filter((crd) => crd.deletedAt === undefined)
      .flatMap((crd) => typesOfCrd(crd.object));
    return [...BUILTIN_TYPES, ...custom];
  }

  /** Run the controllers and finish due deletions; every request does this first. */
  tick(): void {
    this.host.store.collect();
    this.host.workloads.reconcileDeployments();
    this.host.operator.reconcile();
    this.host.store.collect();
  }

  dgdType(): ResourceType | undefined {
    return this.type(DGD_GROUP, DGD_VERSION, DGD_PLURAL);
  }

  type(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types().find((type) => type.group === group && type.version === version && type.plural === plural);
  }

  async resource(
    request: FakeRequest,
    response: ServerResponse,
    group: string,
    version: string,
  ): Promise<FakeResponse> {
    const segments = (request.params.rest as string).split('/');
    let namespace: string | undefined;
    let plural: string;
    let name: string | undefined;
    let sub: string[];
    if (segments[0] === 'namespaces' && segments.length >= 3) {
      namespace = segments[1];
      plural = segments[2] as string;
      name = segments[3];
      sub = segments.slice(4);
    } else {
      plural = segments[0] as string;
      name = segments[1];
      sub = segments.slice(2);
    }
    const type = this.type(group, version, plural);
    if (
      !type ||
      (type.namespaced && name !== undefined && namespace === undefined) ||
      (!type.namespaced && namespace !== undefined)
    ) {
      return status(404, 'NotFound', NOT_FOUND);
    }
    if (sub.length > 0) return this.subresource(request, response, type, namespace as string, name as string, sub);
    if (namespace !== undefined && type.namespaced && request.method !== 'GET' && !this.namespaceExists(namespace)) {
      return status(404, 'NotFound', `namespaces "${namespace}" not found`);
    }
    switch (request.method) {
      case 'GET':
        return name === undefined ? this.list(type, namespace, request) : this.get(type, namespace, name);
      case 'POST':
        if (name !== undefined)
          return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return this.create(type, namespace, request);
      case 'PATCH':
        if (name === undefined)
          return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        return this.patch(type, namespace, name, request);
      case 'DELETE':
        return name === undefined
          ? this.deleteCollection(type, namespace, request)
          : this.delete(type, namespace, name);
      default:
        return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  private namespaceExists(name: string): boolean {
    return this.host.store.get(this.type('', 'v1', 'namespaces') as ResourceType, undefined, name) !== undefined;
  }

  private get(type: ResourceType, namespace: string | undefined, name: string): FakeResponse {
    const stored = this.host.store.get(type, namespace, name);
    if (!stored) return status(404, 'NotFound', `${resourceName(type)} "${name}" not found`);
    return { body: this.withStatus(stored) };
  }

  private list(type: ResourceType, namespace: string | undefined, request: FakeRequest): FakeResponse {
    const selector = request.query.get('labelSelector');
    let items = this.host.store.list(type, namespace, selector).map((stored) => this.withStatus(stored));
    if (type.plural === 'events' && namespace !== undefined) {
      const derived = [
        ...this.host.workloads.podEvents(namespace),
        ...this.host.operator.events(namespace),
        ...this.host.extraEvents.filter((event) => event.metadata.namespace === namespace),
      ];
      items = [...derived, ...items];
    }
    return {
      body: {
        kind: `${type.kind}List`,
        apiVersion: groupVersion(type),
        metadata: { resourceVersion: this.host.store.currentResourceVersion() },
        items,
      },
    };
  }

  private create(type: ResourceType, namespace: string | undefined, request: FakeRequest): FakeResponse {
    const body = request.body as Json | undefined;
    if (!body || typeof body !== 'object') return status(400, 'BadRequest', 'the request body must be a JSON object');
    if (type.plural === 'namespaces' && !isDnsLabel(String(body.metadata?.name))) {
      return status(
        422,
        'Invalid',
        `Namespace "${body.metadata?.name}" is invalid: metadata.name: Invalid value: "${body.metadata?.name}"`,
      );
    }
    if (namespace !== undefined && body.metadata?.namespace !== undefined && body.metadata.namespace !== namespace) {
      return status(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const stored = this.host.store.create(type, namespace, body, request.query.get('fieldManager') ?? 'unknown');
    this.tick();
    return { status: 201, body: this.withStatus(stored) };
  }

  private patch(type: ResourceType, namespace: string | undefined, name: string, request: FakeRequest): FakeResponse {
    const contentType = String(request.headers['content-type'] ?? '');
    const fieldManager = request.query.get('fieldManager');
    if (contentType.startsWith(MERGE)) {
      const stored = this.host.store.get(type, namespace, name);
      if (!stored) return status(404, 'NotFound', `${resourceName(type)} "${name}" not found`);
      if (!request.body || typeof request.body !== 'object')
        return status(400, 'BadRequest', 'the patch must be a JSON object');
      this.host.store.mergePatch(stored, request.body, fieldManager ?? 'unknown');
      return { body: this.withStatus(stored) };
    }
    let body: Json;
    try {
      body = parseYaml(request.text) as Json;
    } catch (error) {
      return status(400, 'BadRequest', `error decoding YAML: ${String(error)}`);
    }
    const force = request.query.get('force') === 'true';
    this.host.applies.push({
      apiVersion: groupVersion(type),
      kind: type.kind,
      namespace,
      name,
      contentType,
      fieldManager,
      force,
      body,
    });
    if (!contentType.startsWith(APPLY)) {
      return status(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, ${APPLY}`,
      );
    }
    if (!fieldManager) {
      return status(
        400,
        'BadRequest',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    if (body?.apiVersion !== groupVersion(type) || body?.kind !== type.kind || body?.metadata?.name !== name) {
      return status(
        400,
        'BadRequest',
        'the apiVersion, kind and metadata.name of the body must match the request path',
      );
    }
    if (namespace !== undefined && body.metadata.namespace !== undefined && body.metadata.namespace !== namespace) {
      return status(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    const { stored, created } = this.host.store.apply(type, namespace, name, body, fieldManager, force);
    this.tick();
    this.host.applied();
    return { status: created ? 201 : 200, body: this.withStatus(stored) };
  }

  private delete(type: ResourceType, namespace: string | undefined, name: string): FakeResponse {
    const stored = this.host.store.get(type, namespace, name);
    if (!stored) return status(404, 'NotFound', `${resourceName(type)} "${name}" not found`);
    this.host.store.delete(stored);
    this.tick();
    if (type.plural === 'namespaces' || type.plural === 'pods') return { body: this.withStatus(stored) };
    return {
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: {
          name,
          kind: type.plural,
          ...(type.group ? { group: type.group } : {}),
          uid: stored.object.metadata.uid,
        },
      },
    };
  }

  private deleteCollection(type: ResourceType, namespace: string | undefined, request: FakeRequest): FakeResponse {
    const selected = this.host.store.list(type, namespace, request.query.get('labelSelector'));
    for (const stored of selected) this.host.store.delete(stored);
    this.tick();
    return {
      body: {
        kind: `${type.kind}List`,
        apiVersion: groupVersion(type),
        metadata: { resourceVersion: this.host.store.currentResourceVersion() },
        items: selected.map((stored) => this.withStatus(stored)),
      },
    };
  }

  private async subresource(
    request: FakeRequest,
    response: ServerResponse,
    type: ResourceType,
    namespace: string,
    name: string,
    sub: string[],
  ): Promise<FakeResponse> {
    if (type.plural === 'pods' && sub[0] === 'log' && request.method === 'GET') {
      const pod = this.host.store.get(type, namespace, name);
      if (!pod) return status(404, 'NotFound', `pods "${name}" not found`);
      const log = this.host.workloads.log(
        pod,
        request.query.get('previous') === 'true',
        Number(request.query.get('tailLines') ?? 0),
      );
      return log.status === 200 ? { raw: log.text } : status(log.status, 'BadRequest', log.text);
    }
    if (type.plural === 'services' && sub[0] === 'proxy' && (request.method === 'GET' || request.method === 'POST')) {
      const [serviceName] = name.split(':');
      const service = this.host.store.get(type, namespace, serviceName as string);
      if (!service) return status(404, 'NotFound', `services "${serviceName}" not found`);
      if (this.host.operator.readyBackends(service).length === 0 || !this.host.frontendUrl) {
        return status(503, 'ServiceUnavailable', `no endpoints available for service "${serviceName}"`);
      }
      return relayProxy(request, response, `/${sub.slice(1).join('/')}`, this.host.frontendUrl);
    }
    return status(404, 'NotFound', NOT_FOUND);
  }

  withStatus(stored: StoredObject): Json {
    const plural = stored.type.plural;
    if (plural === 'namespaces') {
      return { ...stored.object, status: { phase: stored.deletedAt !== undefined ? 'Terminating' : 'Active' } };
    }
    if (plural === 'pods') return this.host.workloads.podObject(stored);
    if (stored.type === DEPLOYMENT_TYPE)
      return { ...stored.object, status: this.host.workloads.deploymentStatus(stored) };
    if (stored.type.group === DGD_GROUP && stored.type.kind === DGD_KIND) return this.host.operator.withStatus(stored);
    if (stored.type === CRD_TYPE) {
      return {
        ...stored.object,
        status: {
          conditions: [
            { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts' },
            { type: 'Established', status: 'True', reason: 'InitialNamesAccepted' },
          ],
          acceptedNames: stored.object.spec?.names ?? {},
          storedVersions: (stored.object.spec?.versions ?? []).filter((v: Json) => v.storage).map((v: Json) => v.name),
        },
      };
    }
    return stored.status ? { ...stored.object, status: stored.status } : stored.object;
  }
}

function resourceName(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** An API server error: a `Status` object with the HTTP code. */
export function status(code: number, reason: string, message: string): FakeResponse {
  return {
    status: code,
    body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code },
  };
}

function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}

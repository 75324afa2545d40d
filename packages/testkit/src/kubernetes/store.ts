/**
 * The fake API server's objects, for any resource type: create, server-side apply with field
 * ownership (a field set by another manager with a different value is a 409 conflict unless the
 * apply is forced, and fields a manager stops applying are removed), merge patch, get, list by label
 * selector, and delete. Deletion takes time where it does on a cluster: pods stay Terminating for a
 * grace period, namespaces until everything in them is gone, and objects whose owner (by
 * `ownerReferences` uid) is gone are garbage-collected.
 */
import type { Json, ResourceType } from './catalogue.js';
import { matchesSelector } from './selectors.js';

export interface StoredObject {
  type: ResourceType;
  /** The object without `status` (controllers compute that on read). */
  object: Json;
  /** Field manager -> (field path -> JSON of the value it set), in the order managers first wrote. */
  owners: Map<string, Map<string, string>>;
  createdAt: number;
  deletedAt?: number;
  /** Status written by a test or a controller, returned as is. */
  status?: Json;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Metadata fields the server owns; an apply never sets or conflicts on them. */
const SYSTEM_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
]);

export interface StoreOptions {
  podTerminationMs: number;
  namespaceTerminationMs: number;
}

export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private resourceVersion = 1000;

  constructor(private readonly options: StoreOptions) {}

  static key(type: ResourceType, namespace: string | undefined, name: string): string {
    return `${type.group}/${type.plural}/${type.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  nextResourceVersion(): string {
    return String(++this.resourceVersion);
  }

  currentResourceVersion(): string {
    return String(this.resourceVersion);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): StoredObject | undefined {
    return this.objects.get(ObjectStore.key(type, namespace, name));
  }

  /** Every stored object of a type (all namespaces when `namespace` is undefined), optionally by label. */
  list(type: ResourceType, namespace?: string, labelSelector?: string | null): StoredObject[] {
    return [...this.objects.values()].filter(
      (stored) =>
        stored.type.group === type.group &&
        stored.type.plural === type.plural &&
        (namespace === undefined || stored.object.metadata.namespace === namespace) &&
        (!labelSelector || matchesSelector(labelSelector, stored.object.metadata.labels ?? {})),
    );
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  /** Create (POST): 409 when it exists. `manager` owns every field it set, as an Update. */
  create(
    type: ResourceType,
    namespace: string | undefined,
    body: Json,
    manager: string,
    now = Date.now(),
  ): StoredObject {
    const name = body?.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      throw new ApiError(422, 'Invalid', `${type.kind} "" is invalid: metadata.name: Required value: name is required`);
    }
    if (this.get(type, namespace, name)) {
      throw new ApiError(409, 'AlreadyExists', `${resourceName(type)} "${name}" already exists`);
    }
    this.checkNamespace(type, namespace, name);
    const stored: StoredObject = {
      type,
      object: this.baseObject(type, namespace, name, now),
      owners: new Map([[manager, fields(body)]]),
      createdAt: now,
    };
    this.rebuild(stored);
    this.objects.set(ObjectStore.key(type, namespace, name), stored);
    return stored;
  }

  /**
   * Server-side apply. Conflicts (another manager owns a field with a different value) are a 409
   * naming the manager and the field, unless `force`, which moves those fields to this manager.
   */
  apply(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: Json,
    manager: string,
    force: boolean,
    now = Date.now(),
  ): { stored: StoredObject; created: boolean } {
    const applied = fields(body);
    const existing = this.get(type, namespace, name);
    if (!existing) {
      this.checkNamespace(type, namespace, name);
      const stored: StoredObject = {
        type,
        object: this.baseObject(type, namespace, name, now),
        owners: new Map([[manager, applied]]),
        createdAt: now,
      };
      this.rebuild(stored);
      this.objects.set(ObjectStore.key(type, namespace, name), stored);
      return { stored, created: true };
    }
    if (existing.deletedAt !== undefined) {
      throw new ApiError(409, 'Conflict', `${resourceName(type)} "${name}" is being deleted`);
    }
    const conflicts: string[] = [];
    for (const [owner, owned] of existing.owners) {
      if (owner === manager) continue;
      for (const [path, value] of applied) {
        if (owned.has(path) && owned.get(path) !== value) conflicts.push(`conflict with "${owner}": ${dotted(path)}`);
      }
    }
    if (conflicts.length > 0 && !force) {
      throw new ApiError(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.join('; ')}`,
      );
    }
    if (force) {
      for (const [owner, owned] of existing.owners) {
        if (owner === manager) continue;
        for (const path of applied.keys()) if (owned.get(path) !== applied.get(path)) owned.delete(path);
      }
    }
    existing.owners.set(manager, applied);
    this.rebuild(existing);
    return { stored: existing, created: false };
  }

  /** JSON merge patch (RFC 7386) as an Update by `manager`. */
  mergePatch(stored: StoredObject, patch: Json, manager: string): StoredObject {
    const current = withoutSystem(stored.object);
    const merged = mergeJson(current, patch) as Json;
    const before = fields(current);
    const after = fields(merged);
    const mine = stored.owners.get(manager) ?? new Map<string, string>();
    for (const [path, value] of after) {
      if (before.get(path) !== value) {
        for (const owned of stored.owners.values()) owned.delete(path);
        mine.set(path, value);
      }
    }
    for (const path of before.keys()) {
      if (!after.has(path)) for (const owned of stored.owners.values()) owned.delete(path);
    }
    stored.owners.set(manager, mine);
    this.rebuild(stored);
    return stored;
  }

  /** Mark for deletion; pods and namespaces linger (see `collect`), anything else goes now. */
  delete(stored: StoredObject, now = Date.now()): void {
    if (stored.deletedAt !== undefined) return;
    stored.deletedAt = now;
    stored.object.metadata.deletionTimestamp = new Date(now).toISOString();
    stored.object.metadata.resourceVersion = this.nextResourceVersion();
    if (stored.type.plural !== 'pods' && stored.type.plural !== 'namespaces') this.remove(stored);
  }

  remove(stored: StoredObject): void {
    this.objects.delete(ObjectStore.key(stored.type, stored.object.metadata.namespace, stored.object.metadata.name));
  }

  /** Insert an object as is (a test's fixture, or a controller's Service). */
  put(type: ResourceType, object: Json, manager: string, now = Date.now()): StoredObject {
    const namespace = type.namespaced ? object.metadata.namespace : undefined;
    const stored: StoredObject = {
      type,
      object: this.baseObject(type, namespace, object.metadata.name, now),
      owners: new Map([[manager, fields(object)]]),
      createdAt: now,
    };
    this.rebuild(stored);
    this.objects.set(ObjectStore.key(type, namespace, object.metadata.name), stored);
    return stored;
  }

  /**
   * Finish what time has finished: terminated pods go after their grace period; everything in a
   * deleted namespace is deleted, and the namespace goes once empty and its grace period is over;
   * objects whose owner is gone are collected.
   */
  collect(now = Date.now()): void {
    for (const stored of this.all()) {
      if (stored.type.plural === 'pods' && stored.deletedAt !== undefined) {
        if (now - stored.deletedAt >= this.options.podTerminationMs) this.remove(stored);
      }
    }
    const terminating = this.all().filter((stored) => stored.type.plural === 'namespaces' && stored.deletedAt);
    for (const namespace of terminating) {
      const name = namespace.object.metadata.name;
      const inside = this.all().filter((stored) => stored.type.namespaced && stored.object.metadata.namespace === name);
      for (const stored of inside) this.delete(stored, namespace.deletedAt);
      const left = this.all().some((stored) => stored.type.namespaced && stored.object.metadata.namespace === name);
      if (!left && now - (namespace.deletedAt as number) >= this.options.namespaceTerminationMs) this.remove(namespace);
    }
    for (let changed = true; changed; ) {
      changed = false;
      const uids = new Set(this.all().map((stored) => stored.object.metadata.uid));
      for (const stored of this.all()) {
        const owners: Json[] = stored.object.metadata.ownerReferences ?? [];
        if (owners.length > 0 && owners.every((owner) => !uids.has(owner.uid)) && stored.deletedAt === undefined) {
          this.delete(stored, now);
          changed = true;
        }
      }
    }
  }

  private checkNamespace(type: ResourceType, namespace: string | undefined, name: string): void {
    if (!type.namespaced) return;
    const record = [...this.objects.values()].find(
      (stored) => stored.type.plural === 'namespaces' && stored.object.metadata.name === namespace,
    );
    if (!record) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`);
    if (record.deletedAt !== undefined) {
      throw new ApiError(
        403,
        'Forbidden',
        `${resourceName(type)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  private baseObject(type: ResourceType, namespace: string | undefined, name: string, now: number): Json {
    return {
      apiVersion: type.group === '' ? type.version : `${type.group}/${type.version}`,
      kind: type.kind,
      metadata: {
        name,
        ...(type.namespaced ? { namespace } : {}),
        uid: `uid-${type.plural}-${name}-${this.resourceVersion + 1}`,
        generation: 1,
        resourceVersion: this.nextResourceVersion(),
        creationTimestamp: new Date(now).toISOString(),
      },
    };
  }

  /** Rebuild the object from its managers' fields; bump generation when anything outside metadata changed. */
  private rebuild(stored: StoredObject): void {
    const system = stored.object.metadata;
    const previous = JSON.stringify(withoutMetadata(stored.object));
    const previousAll = JSON.stringify(withoutSystem(stored.object));
    const object: Json = { apiVersion: stored.object.apiVersion, kind: stored.object.kind, metadata: {} };
    for (const owned of stored.owners.values()) {
      for (const [path, value] of owned) setPath(object, JSON.parse(path) as string[], JSON.parse(value));
    }
    for (const key of SYSTEM_METADATA) if (system[key] !== undefined) object.metadata[key] = system[key];
    object.metadata.managedFields = [...stored.owners.keys()].map((manager) => ({
      manager,
      operation: 'Apply',
      apiVersion: object.apiVersion,
    }));
    const changedSpec = previous !== JSON.stringify(withoutMetadata(object));
    const changedAny = previousAll !== JSON.stringify(withoutSystem(object));
    if (changedSpec && stored.owners.size > 0 && previous !== '{}') object.metadata.generation = system.generation + 1;
    if (changedAny) object.metadata.resourceVersion = this.nextResourceVersion();
    stored.object = object;
  }
}

function resourceName(type: ResourceType): string {
  return type.group === '' ? type.plural : `${type.plural}.${type.group}`;
}

/** The leaf fields of an object as path -> JSON value; lists are atomic, as for most list fields. */
export function fields(body: Json): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (value: unknown, path: string[]) => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0 && path.length > 0) out.set(JSON.stringify(path), '{}');
      for (const [key, inner] of entries) walk(inner, [...path, key]);
      return;
    }
    if (value === undefined) return;
    out.set(JSON.stringify(path), JSON.stringify(value));
  };
  walk(withoutSystem(body), []);
  return out;
}

function withoutSystem(body: Json): Json {
  const { apiVersion: _apiVersion, kind: _kind, status: _status, metadata, ...rest } = body ?? {};
  const kept = Object.fromEntries(Object.entries(metadata ?? {}).filter(([key]) => !SYSTEM_METADATA.has(key)));
  return Object.keys(kept).length > 0 ? { metadata: kept, ...rest } : rest;
}

function withoutMetadata(body: Json): Json {
  const { apiVersion: _apiVersion, kind: _kind, status: _status, metadata: _metadata, ...rest } = body ?? {};
  return rest;
}

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) node[key] = {};
    node = node[key];
  }
  const last = path[path.length - 1] as string;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0) {
    node[last] ??= {};
  } else node[last] = value;
}

function dotted(path: string): string {
  return `.${(JSON.parse(path) as string[]).join('.')}`;
}

function mergeJson(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return patch;
  const out: Json = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergeJson(out[key], value);
  }
  return out;
}

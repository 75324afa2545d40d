/**
 * Pure: Kubernetes manifests (multi-document YAML, as `kubectl apply -f` reads it) -> validated
 * objects, each with a short description for messages, the namespace it lands in, and the run's
 * labels. Whether a kind is namespaced is decided without a cluster: the built-in cluster-scoped
 * kinds are listed here, a CustomResourceDefinition in the same set says its own scope, and any
 * other kind is namespaced (as every custom resource a profile carries is).
 */
import { ConfigError } from '@dynamo-ci/core';
import { parseAllDocuments } from 'yaml';

export type Json = Record<string, any>;

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Identifies one object: what the cluster port reads and deletes by. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export const CRD_KIND = 'CustomResourceDefinition';

/** Built-in kinds that live outside namespaces. */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'DeviceClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'ResourceSlice',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Parse every document; `source` names the file in messages. Empty documents are skipped; `kind: List` is expanded. */
export function parseManifests(text: string, source: string): Manifest[] {
  let values: unknown[];
  try {
    const documents = parseAllDocuments(text);
    const list = Array.isArray(documents) ? documents : [documents];
    for (const document of list) {
      const error = document.errors[0];
      if (error) throw new Error(error.message);
    }
    values = list.map((document) => document.toJS()).filter((value) => value !== null && value !== undefined);
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const expanded = values.flatMap((value) =>
    isObject(value) && value.kind === 'List' && Array.isArray(value.items) ? value.items : [value],
  );
  const problems: string[] = [];
  const seen = new Set<string>();
  const manifests: Manifest[] = [];
  expanded.forEach((value, index) => {
    const where = `document ${index + 1}`;
    if (!isObject(value)) {
      problems.push(`${where} must be a mapping, not ${Array.isArray(value) ? 'a list' : typeof value}`);
      return;
    }
    const missing = [
      typeof value.apiVersion === 'string' && value.apiVersion !== '' ? undefined : 'apiVersion',
      typeof value.kind === 'string' && value.kind !== '' ? undefined : 'kind',
    ].filter(Boolean);
    const name = isObject(value.metadata) ? value.metadata.name : undefined;
    if (missing.length > 0) {
      problems.push(`${where}${typeof name === 'string' ? ` (${name})` : ''} has no ${missing.join(' or ')}`);
      return;
    }
    if (typeof name !== 'string' || name.length > 253 || !SUBDOMAIN.test(name)) {
      problems.push(
        `${where} (${value.kind}) needs metadata.name: lowercase letters, digits, '-' and '.', got ${JSON.stringify(name)}`,
      );
      return;
    }
    const key = `${value.apiVersion}/${value.kind}/${value.metadata.namespace ?? ''}/${name}`;
    if (seen.has(key)) {
      problems.push(`${where}: ${value.kind} ${name} appears twice`);
      return;
    }
    seen.add(key);
    manifests.push(structuredClone(value) as Manifest);
  });
  if (problems.length > 0) throw new ConfigError(`${source}: ${problems.join('; ')}`);
  return manifests;
}

/** The kinds a set of manifests makes cluster-scoped: the built-in ones and its CRDs with `scope: Cluster`. */
export function clusterScopedKinds(manifests: readonly Manifest[]): Set<string> {
  const kinds = new Set(CLUSTER_SCOPED);
  for (const manifest of manifests) {
    const spec = (manifest as Json).spec;
    if (manifest.kind === CRD_KIND && spec?.scope === 'Cluster' && typeof spec?.names?.kind === 'string') {
      kinds.add(spec.names.kind);
    }
  }
  return kinds;
}

export function isNamespaced(manifest: Pick<Manifest, 'kind'>, clusterKinds: ReadonlySet<string>): boolean {
  return !clusterKinds.has(manifest.kind);
}

export function refOf(manifest: Manifest): ObjectRef {
  return {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    ...(manifest.metadata.namespace ? { namespace: manifest.metadata.namespace } : {}),
    name: manifest.metadata.name,
  };
}

/** `ConfigMap ns/name` or `ClusterRole name`, for messages. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** A copy with the run's labels added (the document's own labels are kept; ours win on the same key). */
export function withLabels(manifest: Manifest, labels: Record<string, string>): Manifest {
  const copy = structuredClone(manifest);
  copy.metadata.labels = { ...(copy.metadata.labels ?? {}), ...labels };
  return copy;
}

/**
 * Put namespaced objects into `namespace`. An object that names another namespace is an error (as
 * with `kubectl apply -n`), unless `override` (a chart rendered for that namespace may name it).
 * A ServiceAccount subject of a (Cluster)RoleBinding that names no namespace gets this one, as
 * kustomize's namespace transformer does: the binding must point at the account in this namespace.
 */
export function inNamespace(
  manifests: readonly Manifest[],
  namespace: string,
  source: string,
  options: { override?: boolean } = {},
): Manifest[] {
  const clusterKinds = clusterScopedKinds(manifests);
  return manifests.map((original) => {
    const manifest = bindSubjects(original, namespace);
    if (!isNamespaced(manifest, clusterKinds)) {
      const copy = structuredClone(manifest);
      delete copy.metadata.namespace;
      return copy;
    }
    const named = manifest.metadata.namespace;
    if (named !== undefined && named !== namespace && !options.override) {
      throw new ConfigError(
        `${source}: ${manifest.kind} ${manifest.metadata.name} names namespace ${named}, but everything is applied into ${namespace}; remove its metadata.namespace`,
      );
    }
    const copy = structuredClone(manifest);
    copy.metadata.namespace = namespace;
    return copy;
  });
}

function bindSubjects(manifest: Manifest, namespace: string): Manifest {
  const subjects = (manifest as Json).subjects;
  if (!/^(Cluster)?RoleBinding$/.test(manifest.kind) || !Array.isArray(subjects)) return manifest;
  const copy = structuredClone(manifest) as Json;
  for (const subject of copy.subjects) {
    if (subject?.kind === 'ServiceAccount' && !subject.namespace) subject.namespace = namespace;
  }
  return copy as Manifest;
}

/** CRDs first (a custom resource needs its CRD served), then the rest in file order. */
export function applyOrder(manifests: readonly Manifest[]): Manifest[] {
  return [...manifests.filter((m) => m.kind === CRD_KIND), ...manifests.filter((m) => m.kind !== CRD_KIND)];
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

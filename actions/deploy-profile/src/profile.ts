/**
 * Pure: a profile file (`examples/backends/<framework>/deploy/<profile>.yaml`) -> its documents, in
 * file order, as `kubectl apply -f` reads them: exactly one DynamoGraphDeployment (the one waited
 * on and sent the smoke request), validated, and beside it any namespaced objects it needs (a
 * ConfigMap of engine settings, a PersistentVolumeClaim for a model cache, a ResourceClaimTemplate
 * for DRA devices, ...). The CI image and model go into every service of the graph.
 */
import { ConfigError } from '@dynamo-ci/core';
import { isDnsLabel } from '@dynamo-ci/kube/labels';
import {
  clusterScopedKinds,
  describeRef,
  isNamespaced,
  type Manifest,
  parseManifests,
  refOf,
} from '@dynamo-ci/kube/manifests';
import { parseAllDocuments } from 'yaml';

export const DGD_API_VERSION = 'nvidia.com/v1alpha1';
export const DGD_KIND = 'DynamoGraphDeployment';
const COMPONENT_TYPES = new Set(['frontend', 'worker', 'prefill', 'decode', 'planner', 'epp', 'default']);
/** The flags Dynamo's backends take the model from (vllm/sglang `--model`, trtllm `--model-path`). */
const MODEL_FLAGS = ['--served-model-name', '--model-path', '--model-name', '--model'];

export type Json = Record<string, any>;

export interface Graph {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  spec: { services: Record<string, Json>; [key: string]: unknown };
}

export interface Profile {
  graph: Graph;
  /** Every document in file order; `documents[graphIndex]` is the graph. */
  documents: Manifest[];
  graphIndex: number;
}

/** Parse and validate; `source` names the file in messages. */
export function parseProfile(text: string, source: string): Profile {
  let values: unknown[];
  try {
    const parsed = parseAllDocuments(text);
    const list = Array.isArray(parsed) ? parsed : [parsed];
    for (const document of list) {
      const error = document.errors[0];
      if (error) throw new Error(error.message);
    }
    values = list.map((document) => document.toJS()).filter((value) => value !== null && value !== undefined);
  } catch (error) {
    throw new ConfigError(
      `Profile ${source} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (values.length === 0) {
    throw new ConfigError(`Profile ${source} must hold exactly one ${DGD_KIND} document, found 0 (the file is empty)`);
  }
  // A single document is the graph: its problems are reported as the graph's.
  if (values.length === 1) {
    const graph = validateGraph(values[0], source);
    return { graph, documents: [graph as unknown as Manifest], graphIndex: 0 };
  }
  const documents = parseManifests(text, `Profile ${source}`);
  const graphs = documents.filter((document) => document.kind === DGD_KIND);
  if (graphs.length !== 1) {
    const kinds = documents.map((document) => document.kind).join(', ');
    throw new ConfigError(
      `Profile ${source} must hold exactly one ${DGD_KIND} document, found ${graphs.length} among its ${documents.length} documents (${kinds}); a profile deploys one graph`,
    );
  }
  const clusterKinds = clusterScopedKinds(documents);
  const clusterScoped = documents.filter((document) => !isNamespaced(document, clusterKinds));
  if (clusterScoped.length > 0) {
    throw new ConfigError(
      `Profile ${source} holds cluster-scoped ${clusterScoped.map((document) => describeRef(refOf(document))).join(', ')}; a profile may only carry namespaced objects (install cluster-wide ones with the cluster or the operator)`,
    );
  }
  const graphIndex = documents.findIndex((document) => document.kind === DGD_KIND);
  const graph = validateGraph(documents[graphIndex], source);
  documents[graphIndex] = graph as unknown as Manifest;
  return { graph, documents, graphIndex };
}

export function validateGraph(value: unknown, source: string): Graph {
  const problems: string[] = [];
  if (!isObject(value)) throw new ConfigError(`Profile ${source} must be a YAML mapping, not ${typeOf(value)}`);
  if (value.apiVersion !== DGD_API_VERSION)
    problems.push(`apiVersion must be ${DGD_API_VERSION}, got ${JSON.stringify(value.apiVersion)}`);
  if (value.kind !== DGD_KIND) problems.push(`kind must be ${DGD_KIND}, got ${JSON.stringify(value.kind)}`);
  const name = isObject(value.metadata) ? value.metadata.name : undefined;
  if (typeof name !== 'string' || !isDnsLabel(name)) {
    problems.push(
      `metadata.name must be a DNS label (lowercase letters, digits, '-', at most 63), got ${JSON.stringify(name)}`,
    );
  }
  const services = isObject(value.spec) ? value.spec.services : undefined;
  if (!isObject(services) || Object.keys(services).length === 0) {
    problems.push('spec.services must map at least one service name to its spec');
  } else {
    for (const [service, spec] of Object.entries(services)) {
      if (!isObject(spec)) {
        problems.push(`spec.services.${service} must be a mapping`);
        continue;
      }
      if (spec.componentType !== undefined && !COMPONENT_TYPES.has(String(spec.componentType))) {
        problems.push(
          `spec.services.${service}.componentType must be one of ${[...COMPONENT_TYPES].join('|')}, got ${JSON.stringify(spec.componentType)}`,
        );
      }
      if (spec.replicas !== undefined && !(Number.isInteger(spec.replicas) && spec.replicas >= 0)) {
        problems.push(
          `spec.services.${service}.replicas must be a whole number >= 0, got ${JSON.stringify(spec.replicas)}`,
        );
      }
      const main = spec.extraPodSpec?.mainContainer;
      if (main !== undefined && !isObject(main))
        problems.push(`spec.services.${service}.extraPodSpec.mainContainer must be a mapping`);
      for (const field of ['args', 'command'] as const) {
        const list = isObject(main) ? main[field] : undefined;
        if (list !== undefined && !(Array.isArray(list) && list.every((item) => typeof item === 'string'))) {
          problems.push(`spec.services.${service}.extraPodSpec.mainContainer.${field} must be a list of strings`);
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Profile ${source} is not a valid ${DGD_KIND}: ${problems.join('; ')}`);
  }
  return structuredClone(value) as unknown as Graph;
}

export interface Overrides {
  image?: string;
  model?: string;
  namespace: string;
  labels?: Record<string, string>;
}

export interface OverrideReport {
  /** `Service: what changed` lines for the summary. */
  changes: string[];
  /** Services that kept a placeholder-looking image (e.g. `:my-tag`) because no `image` was given. */
  placeholderImages: string[];
}

/** Return a copy of the graph with the image and model in every service and the target namespace. */
export function applyOverrides(graph: Graph, overrides: Overrides): { graph: Graph; report: OverrideReport } {
  const copy = structuredClone(graph);
  const report: OverrideReport = { changes: [], placeholderImages: [] };
  copy.metadata.namespace = overrides.namespace;
  if (overrides.labels) copy.metadata.labels = { ...(copy.metadata.labels ?? {}), ...overrides.labels };
  for (const [service, spec] of Object.entries(copy.spec.services)) {
    spec.extraPodSpec ??= {};
    spec.extraPodSpec.mainContainer ??= {};
    const main = spec.extraPodSpec.mainContainer as Json;
    if (overrides.image) {
      if (main.image !== overrides.image)
        report.changes.push(`${service}: image ${main.image ?? '(none)'} -> ${overrides.image}`);
      main.image = overrides.image;
    } else if (typeof main.image === 'string' && /:(my-tag|latest|tag|TAG|<[^>]*>)$/.test(main.image)) {
      report.placeholderImages.push(`${service}: ${main.image}`);
    }
    if (overrides.model) {
      for (const field of ['command', 'args'] as const) {
        if (!Array.isArray(main[field])) continue;
        const replaced = replaceModel(main[field] as string[], overrides.model);
        if (replaced.count > 0) {
          main[field] = replaced.values;
          report.changes.push(
            `${service}: model -> ${overrides.model} (${replaced.count} flag${replaced.count > 1 ? 's' : ''} in ${field})`,
          );
        }
      }
    }
  }
  return { graph: copy, report };
}

const FLAG_PATTERN = new RegExp(`(${MODEL_FLAGS.join('|')})(=|\\s+)("[^"]*"|'[^']*'|[^\\s"';&|]+)`, 'g');

/**
 * Replace the value of every model flag, whether each argument is its own list item
 * (`["--model", "x"]`, `["--model=x"]`) or the flags sit inside one shell string (`["-c", "python -m dynamo.vllm --model x"]`).
 */
export function replaceModel(values: readonly string[], model: string): { values: string[]; count: number } {
  const out = [...values];
  let count = 0;
  for (let index = 0; index < out.length; index++) {
    const value = out[index] as string;
    if (MODEL_FLAGS.includes(value) && index + 1 < out.length) {
      out[index + 1] = model;
      count++;
      index++;
      continue;
    }
    out[index] = value.replace(FLAG_PATTERN, (_match, flag: string, separator: string, old: string) => {
      count++;
      const quote = old.startsWith('"') || old.startsWith("'") ? old[0] : '';
      return `${flag}${separator}${quote}${model}${quote}`;
    });
  }
  return { values: out, count };
}

/** The model the graph serves: `--served-model-name`, else `--model-path`/`--model` of any service. */
export function detectModel(graph: Graph): string | undefined {
  for (const flag of MODEL_FLAGS) {
    for (const spec of Object.values(graph.spec.services)) {
      const main = spec.extraPodSpec?.mainContainer ?? {};
      const values: string[] = [...(main.command ?? []), ...(main.args ?? [])];
      for (let index = 0; index < values.length; index++) {
        if (values[index] === flag && values[index + 1]) return values[index + 1];
        for (const match of (values[index] as string).matchAll(FLAG_PATTERN)) {
          if (match[1] === flag) return (match[3] as string).replace(/^["']|["']$/g, '');
        }
      }
    }
  }
  return undefined;
}

/** The service with `componentType: frontend`, and the Kubernetes Service the operator names after it. */
export function frontendOf(graph: Graph): { service: string; serviceName: string } | undefined {
  const entry = Object.entries(graph.spec.services).find(([, spec]) => spec.componentType === 'frontend');
  if (!entry) return undefined;
  return { service: entry[0], serviceName: `${graph.metadata.name}-${entry[0].toLowerCase()}` };
}

/** The profile name is the file's stem (`agg_router.yaml` -> `agg_router`). */
export function profileName(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.(ya?ml)$/i, '');
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'a list' : typeof value;
}

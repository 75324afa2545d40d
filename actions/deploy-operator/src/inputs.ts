/**
 * Pure: the raw inputs -> one typed `Inputs` object, or an InputError that names the input.
 * The kubeconfig stays a raw string; `@dynamo-ci/kube/kubeconfig` decides what it is.
 */
import { InputError, inputs } from '@dynamo-ci/core';
import { isDnsLabel } from '@dynamo-ci/kube/labels';

export type CrdMode = 'install' | 'upgrade' | 'skip';

export interface Inputs {
  kubeconfig: string | undefined;
  /** A Helm chart directory, rendered with `helm template`. */
  chart: string | undefined;
  /** Manifest files or directories (their *.yaml and *.yml files, sorted). */
  manifests: string[];
  release: string;
  values: string[];
  set: [string, string][];
  image: string | undefined;
  imageContainers: string[];
  namespace: string | undefined;
  namespaceLabels: Map<string, string>;
  crds: CrdMode;
  hfToken: string | undefined;
  hfTokenSecret: string;
  timeoutMs: number;
  pollIntervalMs: number;
  restartThreshold: number;
}

export type RawInput = (name: string) => string | undefined;

const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const CONTAINER = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseInputs(raw: RawInput): Inputs {
  const chart = inputs.optional(raw('chart'))?.trim();
  const manifests = inputs.list(raw('manifests'));
  if ((chart === undefined) === (manifests.length === 0)) {
    throw new InputError(
      chart === undefined ? 'chart' : 'manifests',
      "Set exactly one of the inputs 'chart' (a Helm chart directory, e.g. deploy/helm/charts/platform) and 'manifests' (YAML files or directories)",
    );
  }
  const values = inputs.list(raw('values'));
  const set = [...inputs.keyValues(raw('set'), 'set')];
  if (chart === undefined && (values.length > 0 || set.length > 0)) {
    throw new InputError(
      values.length > 0 ? 'values' : 'set',
      `Input '${values.length > 0 ? 'values' : 'set'}' applies to a Helm chart; set 'chart' or remove it`,
    );
  }
  const release = inputs.optional(raw('release'))?.trim() ?? 'dynamo-platform';
  if (!isDnsLabel(release) || release.length > 53) {
    throw new InputError(
      'release',
      `Input 'release' must be a Helm release name (lowercase letters, digits and '-', at most 53 characters), got ${JSON.stringify(release)}`,
    );
  }
  const image = inputs.optional(raw('image'))?.trim();
  if (image !== undefined && !IMAGE_REFERENCE.test(image)) {
    throw new InputError(
      'image',
      `Input 'image' must be an image reference like registry/repo:tag, got ${JSON.stringify(image)}`,
    );
  }
  const imageContainers = inputs.list(raw('image-container') ?? 'manager');
  for (const container of imageContainers) {
    if (!CONTAINER.test(container)) {
      throw new InputError(
        'image-container',
        `Input 'image-container' must list container names, got ${JSON.stringify(container)}`,
      );
    }
  }
  const namespace = inputs.optional(raw('namespace'))?.trim();
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new InputError(
      'namespace',
      `Input 'namespace' must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters), got ${JSON.stringify(namespace)}`,
    );
  }
  const hfTokenSecret = inputs.optional(raw('hf-token-secret'))?.trim() ?? 'hf-token-secret';
  if (!isDnsLabel(hfTokenSecret)) {
    throw new InputError(
      'hf-token-secret',
      `Input 'hf-token-secret' must be a Secret name, got ${JSON.stringify(hfTokenSecret)}`,
    );
  }
  return {
    kubeconfig: inputs.optional(raw('kubeconfig')),
    chart,
    manifests,
    release,
    values,
    set,
    image,
    imageContainers,
    namespace,
    namespaceLabels: parseLabels(raw('namespace-labels')),
    crds: inputs.oneOf(raw('crds'), 'crds', ['install', 'upgrade', 'skip'] as const, 'install'),
    hfToken: inputs.optional(raw('hf-token')),
    hfTokenSecret,
    timeoutMs: inputs.duration(raw('timeout-minutes'), 'timeout-minutes', 15 * 60_000, 'm'),
    pollIntervalMs: inputs.duration(raw('poll-interval'), 'poll-interval', 5_000, 's'),
    restartThreshold: inputs.integer(raw('restart-threshold'), 'restart-threshold', 3, { min: 0, max: 1000 }),
  };
}

/** `key=value` per line (or comma-separated); keys may carry a prefix (`nscleanup/enabled`). */
function parseLabels(raw: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  for (const entry of inputs.list(raw)) {
    const separator = entry.indexOf('=');
    const key = separator === -1 ? entry : entry.slice(0, separator).trim();
    const value = separator === -1 ? '' : entry.slice(separator + 1).trim();
    if (separator === -1 || !LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
      throw new InputError(
        'namespace-labels',
        `Input 'namespace-labels' has an invalid Kubernetes label ${JSON.stringify(entry)}: write key=value, keys are [prefix/]name, values at most 63 of [A-Za-z0-9_.-]`,
      );
    }
    labels.set(key, value);
  }
  return labels;
}

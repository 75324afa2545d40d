/**
 * Pure: the raw inputs -> one typed `Inputs` object, or an InputError that names the input.
 * The kubeconfig stays a raw string here; `kubeconfig.ts` decides whether it is a path or content.
 */
import { InputError, inputs } from '@dynamo-ci/core';
import { isDnsLabel } from './naming.js';

export type CleanupMode = 'always' | 'on-success' | 'never';
export type Access = 'service-proxy' | 'port-forward';

export interface Inputs {
  /** Base64 content, YAML content or a path; undefined = `KUBECONFIG`, then `~/.kube/config`. */
  kubeconfig: string | undefined;
  profile: string;
  namespace: string | undefined;
  namespaceLabels: Map<string, string>;
  image: string | undefined;
  model: string | undefined;
  timeoutMs: number;
  pollIntervalMs: number;
  restartThreshold: number;
  smokeRequest: boolean;
  access: Access;
  frontendService: string | undefined;
  frontendPort: number;
  minResponseChars: number;
  maxTokens: number;
  modelLoadAttempts: number;
  /** Fixed wait between readiness probes; undefined = upstream's schedule (10 s five times, then 5 s). */
  modelLoadIntervalMs: number | undefined;
  requestTimeoutMs: number;
  cleanup: CleanupMode;
  cleanupTimeoutMs: number;
  logsDir: string | undefined;
}

export type RawInput = (name: string) => string | undefined;

const IMAGE_REFERENCE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function parseInputs(raw: RawInput): Inputs {
  const namespace = inputs.optional(raw('namespace'))?.trim();
  if (namespace !== undefined && !isDnsLabel(namespace)) {
    throw new InputError(
      'namespace',
      `Input 'namespace' must be a Kubernetes namespace name (lowercase letters, digits and '-', at most 63 characters), got ${JSON.stringify(namespace)}`,
    );
  }
  const namespaceLabels = parseLabels(raw('namespace-labels'));
  const image = inputs.optional(raw('image'))?.trim();
  if (image !== undefined && !IMAGE_REFERENCE.test(image)) {
    throw new InputError(
      'image',
      `Input 'image' must be an image reference like registry/repo:tag, got ${JSON.stringify(image)}`,
    );
  }
  const model = inputs.optional(raw('model'))?.trim();
  if (model !== undefined && !MODEL_NAME.test(model)) {
    throw new InputError(
      'model',
      `Input 'model' must be a model name like Qwen/Qwen3-0.6B (no spaces or quotes), got ${JSON.stringify(model)}`,
    );
  }
  const frontendService = inputs.optional(raw('frontend-service'))?.trim();
  if (frontendService !== undefined && !isDnsLabel(frontendService)) {
    throw new InputError(
      'frontend-service',
      `Input 'frontend-service' must be a Kubernetes Service name, got ${JSON.stringify(frontendService)}`,
    );
  }
  return {
    kubeconfig: inputs.optional(raw('kubeconfig')),
    profile: inputs.required(raw('profile'), 'profile').trim(),
    namespace,
    namespaceLabels,
    image,
    model,
    timeoutMs: inputs.duration(raw('timeout-minutes'), 'timeout-minutes', 30 * 60_000, 'm'),
    pollIntervalMs: inputs.duration(raw('poll-interval'), 'poll-interval', 5_000, 's'),
    restartThreshold: inputs.integer(raw('restart-threshold'), 'restart-threshold', 3, { min: 0, max: 1000 }),
    smokeRequest: inputs.boolean(raw('smoke-request'), 'smoke-request', true),
    access: inputs.oneOf(raw('access'), 'access', ['service-proxy', 'port-forward'] as const, 'service-proxy'),
    frontendService,
    frontendPort: inputs.integer(raw('frontend-port'), 'frontend-port', 8000, { min: 1, max: 65535 }),
    minResponseChars: inputs.integer(raw('min-response-chars'), 'min-response-chars', 100, { min: 0 }),
    maxTokens: inputs.integer(raw('max-tokens'), 'max-tokens', 64, { min: 1, max: 100_000 }),
    modelLoadAttempts: inputs.integer(raw('model-load-attempts'), 'model-load-attempts', 30, { min: 1, max: 1000 }),
    modelLoadIntervalMs:
      inputs.optional(raw('model-load-interval')) === undefined
        ? undefined
        : inputs.duration(raw('model-load-interval'), 'model-load-interval', 10_000, 's'),
    requestTimeoutMs: inputs.duration(raw('request-timeout'), 'request-timeout', 120_000, 's'),
    cleanup: inputs.oneOf(raw('cleanup'), 'cleanup', ['always', 'on-success', 'never'] as const, 'always'),
    cleanupTimeoutMs: inputs.duration(raw('cleanup-timeout'), 'cleanup-timeout', 120_000, 's'),
    logsDir: inputs.optional(raw('logs-dir'))?.trim(),
  };
}

/** `key=value` per line (or comma-separated); keys may carry a prefix (`nscleanup/enabled`), unlike `inputs.keyValues`. */
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

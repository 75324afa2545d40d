/**
 * Pure: the raw inputs -> one typed `Inputs` object, or an InputError that names the input.
 * Without `older-than` the action cleans up after one run; with it, it sweeps namespaces older than that.
 */
import { InputError, inputs } from '@dynamo-ci/core';
import { isDnsLabel } from '@dynamo-ci/kube/labels';

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface Inputs {
  kubeconfig: string | undefined;
  /** Sweep mode: namespaces older than this many milliseconds. */
  olderThanMs: number | undefined;
  /** Run mode: the run whose objects go (default: this run). */
  runId: string | undefined;
  runAttempt: string | undefined;
  allAttempts: boolean;
  /** Replaces the computed selector (`dynamo-ci/run-id=...` or this repository's). */
  selector: string | undefined;
  /** Namespaces the run did not create, searched for objects labelled with it. */
  namespaces: string[];
  kinds: KindRef[];
  dryRun: boolean;
  waitMs: number;
  pollIntervalMs: number;
}

export type RawInput = (name: string) => string | undefined;

/** What deploy-profile and deploy-operator create inside a namespace, the graph first. */
export const DEFAULT_KINDS = [
  'nvidia.com/v1alpha1/DynamoGraphDeployment',
  'apps/v1/Deployment',
  'v1/Service',
  'v1/ConfigMap',
  'v1/Secret',
  'v1/PersistentVolumeClaim',
  'resource.k8s.io/v1beta1/ResourceClaimTemplate',
  'v1/ServiceAccount',
  'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1/Role',
];

const SELECTOR = /^[A-Za-z0-9_./\-=!,() ]+$/;

export function parseKind(entry: string): KindRef {
  const slash = entry.lastIndexOf('/');
  const apiVersion = entry.slice(0, slash);
  const kind = entry.slice(slash + 1);
  if (slash <= 0 || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind) || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion)) {
    throw new InputError(
      'kinds',
      `Input 'kinds' entries must be <apiVersion>/<Kind> like v1/ConfigMap or apps/v1/Deployment, got ${JSON.stringify(entry)}`,
    );
  }
  return { apiVersion, kind };
}

export function parseInputs(raw: RawInput): Inputs {
  const olderThan = inputs.optional(raw('older-than'));
  const olderThanMs = olderThan === undefined ? undefined : inputs.duration(olderThan, 'older-than', 0, 'h');
  if (olderThanMs !== undefined && olderThanMs < 60_000) {
    throw new InputError(
      'older-than',
      `Input 'older-than' must be at least a minute (a duration like 24h or 90m, or hours), got ${JSON.stringify(olderThan)}`,
    );
  }
  const runId = inputs.optional(raw('run-id'))?.trim();
  if (runId !== undefined && !/^[0-9]+$/.test(runId)) {
    throw new InputError('run-id', `Input 'run-id' must be a workflow run id (digits), got ${JSON.stringify(runId)}`);
  }
  if (runId !== undefined && olderThanMs !== undefined) {
    throw new InputError(
      'run-id',
      "Input 'run-id' names one run to clean up, 'older-than' sweeps by age: set one of them",
    );
  }
  const runAttempt = inputs.optional(raw('run-attempt'))?.trim();
  if (runAttempt !== undefined && !/^[0-9]+$/.test(runAttempt)) {
    throw new InputError('run-attempt', `Input 'run-attempt' must be a number, got ${JSON.stringify(runAttempt)}`);
  }
  const selector = inputs.optional(raw('selector'))?.trim();
  if (selector !== undefined && !SELECTOR.test(selector)) {
    throw new InputError(
      'selector',
      `Input 'selector' must be a Kubernetes label selector like dynamo-ci/run-id=123, got ${JSON.stringify(selector)}`,
    );
  }
  const namespaces = inputs.list(raw('namespaces'));
  for (const namespace of namespaces) {
    if (!isDnsLabel(namespace)) {
      throw new InputError(
        'namespaces',
        `Input 'namespaces' must list namespace names, got ${JSON.stringify(namespace)}`,
      );
    }
  }
  return {
    kubeconfig: inputs.optional(raw('kubeconfig')),
    olderThanMs,
    runId,
    runAttempt,
    allAttempts: inputs.boolean(raw('all-attempts'), 'all-attempts', false),
    selector,
    namespaces,
    kinds: (inputs.list(raw('kinds')).length > 0 ? inputs.list(raw('kinds')) : DEFAULT_KINDS).map(parseKind),
    dryRun: inputs.boolean(raw('dry-run'), 'dry-run', false),
    waitMs: inputs.duration(raw('wait'), 'wait', 0, 's'),
    pollIntervalMs: inputs.duration(raw('poll-interval'), 'poll-interval', 2_000, 's'),
  };
}

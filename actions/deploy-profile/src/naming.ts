/**
 * Pure: the per-run namespace name and the labels that let a sweeper find stale namespaces.
 * A namespace name is a DNS-1123 label: at most 63 of [a-z0-9-], starting and ending alphanumeric.
 */
import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

export function isDnsLabel(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(name);
}

/** Lowercase, runs of anything else become one '-', no '-' at the ends. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * `ci-<run_id>-<attempt>-<profile>-<job>`, where `<job>` is a short hash of `job`: what tells the
 * jobs of one run attempt apart (main.ts passes the job id, the runner's name, the profile path and
 * the image). Matrix legs share the run id and the job id: without it, vllm's and sglang's
 * `agg.yaml` would deploy into one namespace, and the first leg's cleanup would delete the other's
 * deployment mid-test. A second step of the same job deploying the same profile gets the same name.
 * When the name is too long, the profile part is cut and the hash covers the full name, so two long
 * profiles still get distinct names.
 */
export function namespaceName(runId: string, attempt: string, profile: string, job: readonly string[]): string {
  const head = ['ci', slug(runId), slug(attempt), slug(profile) || 'profile'].filter(Boolean).join('-');
  const full = `${head}-${shortHash(job.join('\u0000'), 6)}`;
  if (full.length <= MAX_LABEL) return full;
  const hash = shortHash(`${head}\u0000${job.join('\u0000')}`, 8);
  const room = MAX_LABEL - hash.length - 1;
  return `${head.slice(0, room).replace(/-+$/, '')}-${hash}`;
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** A label value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends ('' is allowed). */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_LABEL)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The label that marks a namespace as made by this action, and its value. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'dynamo-ci-deploy-profile';
export const FIELD_MANAGER = 'dynamo-ci-deploy-profile';

export interface RunIdentity {
  runId: string;
  attempt: string;
  profile: string;
  repository: string;
  runUrl: string | undefined;
}

/** Labels for stale-namespace sweeps (`app.kubernetes.io/managed-by=dynamo-ci-deploy-profile`). */
export function namespaceLabels(run: RunIdentity, extra: ReadonlyMap<string, string>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    'dynamo-ci/run-id': labelValue(run.runId),
    'dynamo-ci/run-attempt': labelValue(run.attempt),
    'dynamo-ci/profile': labelValue(run.profile),
    ...Object.fromEntries(extra),
  };
}

/** Annotations carry what labels cannot (slashes, URLs, timestamps). */
export function namespaceAnnotations(run: RunIdentity, now: Date): Record<string, string> {
  return {
    'dynamo-ci/repository': run.repository,
    'dynamo-ci/created-at': now.toISOString(),
    ...(run.runUrl ? { 'dynamo-ci/run-url': run.runUrl } : {}),
  };
}

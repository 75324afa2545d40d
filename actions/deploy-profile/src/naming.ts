/**
 * Pure: the per-job namespace name, the field manager of a profile, and the labels that let the
 * run's cleanup and the sweeper find what this action created (on top of the shared run labels).
 */
import {
  labelValue,
  MANAGED_BY_LABEL,
  type RunIdentity,
  runAnnotations,
  runLabels,
  shortHash,
  slug,
} from '@dynamo-ci/kube/labels';

export { isDnsLabel, labelValue, MANAGED_BY_LABEL, slug } from '@dynamo-ci/kube/labels';

const MAX_LABEL = 63;

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

/** The value of `app.kubernetes.io/managed-by` on a namespace this action created. */
export const MANAGED_BY = 'dynamo-ci-deploy-profile';
export const PROFILE_LABEL = 'dynamo-ci/profile';

/**
 * The field manager of one profile's objects. Each profile applies as its own manager, without
 * force, so two profiles (or a person's kubectl) setting one object differently is a conflict
 * that names both, instead of one silently overwriting the other in a shared namespace.
 */
export function fieldManager(profilePath: string): string {
  const name = slug(profilePath) || 'profile';
  const manager = `dynamo-ci-deploy-profile:${name}`;
  return manager.length <= 128 ? manager : `${manager.slice(0, 119)}-${shortHash(profilePath, 8)}`;
}

/** The profile as a label value: its path, unique within the repository, cut with a hash when long. */
export function profileLabel(profilePath: string): string {
  const plain = labelValue(slug(profilePath));
  if (slug(profilePath).length <= MAX_LABEL) return plain;
  const hash = shortHash(profilePath, 8);
  return `${labelValue(plain.slice(0, MAX_LABEL - hash.length - 1))}-${hash}`;
}

export interface ProfileRun extends RunIdentity {
  /** The profile's name (file stem). */
  profile: string;
}

/** Labels for a namespace this action creates: the run's, ours, the profile's, and the user's extra ones. */
export function namespaceLabels(run: ProfileRun, extra: ReadonlyMap<string, string>): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    ...runLabels(run),
    [PROFILE_LABEL]: labelValue(run.profile),
    ...Object.fromEntries(extra),
  };
}

/** Annotations carry what labels cannot (slashes, URLs, timestamps). */
export function namespaceAnnotations(run: RunIdentity, now: Date): Record<string, string> {
  return runAnnotations(run, now);
}

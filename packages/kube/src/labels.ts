/**
 * Pure: names, label values and the labels every object a CI run creates carries, so that the run's
 * final cleanup finds them by label even when the job that created them was cancelled, and a sweeper
 * finds the namespaces crashed runners left behind. Names are DNS-1123 labels (at most 63 of
 * [a-z0-9-], alphanumeric at both ends); label values at most 63 of [A-Za-z0-9_.-].
 */
import { createHash } from 'node:crypto';

const MAX_LABEL = 63;

/** The label naming what created a namespace (`dynamo-ci-deploy-profile`, `dynamo-ci-deploy-operator`). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const RUN_ID_LABEL = 'dynamo-ci/run-id';
export const RUN_ATTEMPT_LABEL = 'dynamo-ci/run-attempt';
export const REPOSITORY_LABEL = 'dynamo-ci/repository';
/** On a namespace: JSON list of the cluster-scoped objects applied for it, so cleanup can delete them. */
export const INVENTORY_ANNOTATION = 'dynamo-ci/cluster-objects';
export const CREATED_AT_ANNOTATION = 'dynamo-ci/created-at';

/** True for a valid namespace or object name segment (DNS-1123 label). */
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

/** A label value: at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends ('' is allowed). */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, MAX_LABEL)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** First `length` hex digits of the SHA-256 of `text`. */
export function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * `owner/repo` as a label value: `owner.repo` (GitHub owners have no dots, so it is unambiguous),
 * cut with a hash of the full name when longer than 63 characters.
 */
export function repositoryLabel(repository: string): string {
  const plain = labelValue(repository.replace('/', '.'));
  if (plain.length <= MAX_LABEL && plain === repository.replace('/', '.')) return plain;
  const hash = shortHash(repository, 8);
  return `${labelValue(plain.slice(0, MAX_LABEL - hash.length - 1))}-${hash}`;
}

/** Who and which run: what every created object is labelled with. */
export interface RunIdentity {
  runId: string;
  attempt: string;
  /** `owner/repo`. */
  repository: string;
  runUrl?: string;
}

/** The labels of everything a run creates: run id, attempt and repository. */
export function runLabels(run: RunIdentity): Record<string, string> {
  return {
    [RUN_ID_LABEL]: labelValue(run.runId),
    [RUN_ATTEMPT_LABEL]: labelValue(run.attempt),
    [REPOSITORY_LABEL]: repositoryLabel(run.repository),
  };
}

/** Selects what one run attempt (or, with `allAttempts`, every attempt of the run) created. */
export function runSelector(run: RunIdentity, allAttempts = false): string {
  const labels = runLabels(run);
  return [
    `${RUN_ID_LABEL}=${labels[RUN_ID_LABEL]}`,
    ...(allAttempts ? [] : [`${RUN_ATTEMPT_LABEL}=${labels[RUN_ATTEMPT_LABEL]}`]),
    `${REPOSITORY_LABEL}=${labels[REPOSITORY_LABEL]}`,
  ].join(',');
}

/** Selects what any CI run of this repository created. */
export function projectSelector(repository: string): string {
  return `${RUN_ID_LABEL},${REPOSITORY_LABEL}=${repositoryLabel(repository)}`;
}

/** Annotations carry what labels cannot (slashes, URLs, timestamps). */
export function runAnnotations(run: RunIdentity, now: Date): Record<string, string> {
  return {
    'dynamo-ci/repository': run.repository,
    [CREATED_AT_ANNOTATION]: now.toISOString(),
    ...(run.runUrl ? { 'dynamo-ci/run-url': run.runUrl } : {}),
  };
}

/** Whether labels satisfy an equality-based selector (`a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated). */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
      if (notEqual) return labels[(notEqual[1] as string).trim()] !== (notEqual[2] as string).trim();
      const equal = /^([^!=]+)==?(.*)$/.exec(term);
      if (equal) return labels[(equal[1] as string).trim()] === (equal[2] as string).trim();
      if (term.startsWith('!')) return !(term.slice(1).trim() in labels);
      return term in labels;
    });
}

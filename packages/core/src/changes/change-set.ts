/**
 * The change set of a workflow run, whatever the trigger: which files differ, between which two
 * commits, and why those commits; and the paths it touches, by change type.
 */
import {
  CHANGE_TYPES,
  type ChangeStatus,
  type ChangeType,
  type FileChange,
  type Git,
  type PathListing,
  PLAIN_CHANGE_TYPES,
  ZERO_SHA,
} from '../git.js';
import type { GitHubContext } from '../github.js';
import type { Logger } from '../runner.js';
import type { ChangeSetApi } from './api.js';

export type ChangeSource = 'git' | 'api' | 'none';

export interface ChangeSet {
  /** The commit the diff starts from; undefined when there is none (`source: 'none'`). */
  base: string | undefined;
  /** The commit the diff ends at (the run's commit when there is no diff). */
  head: string | undefined;
  files: FileChange[];
  /**
   * Every changed path, without statuses, as git listed them, when the caller asked for
   * `pathsOnly` and git answered (`files` is then empty). Use `changeSetPaths`, which reads either.
   */
  listing?: PathListing;
  /** `git`: a local diff; `api`: GitHub's PR files list; `none`: no diff (treat as everything). */
  source: ChangeSource;
  /** One sentence for humans: why these two commits, and any fallback taken. */
  reason: string;
}

export interface ChangeSetOptions {
  /** The event: `eventName`, `payload`, and `sha`/`ref` (GITHUB_SHA/GITHUB_REF) as fallbacks. */
  context: Pick<GitHubContext, 'eventName' | 'payload' | 'sha' | 'ref'>;
  /** Diff from this commit instead of the event's base. */
  baseSha?: string;
  /** Diff to this commit instead of the event's head. */
  headSha?: string;
  /** Branches that stand for a PR; group 1 is the PR number. Default `^pull-request/(\d+)$`. */
  prBranchPattern?: RegExp;
  /** The default branch; else the event's `repository.default_branch`, else the API, else `main`. */
  defaultBranch?: string;
  /**
   * Detect renames in git diffs (default true). Callers that count a rename's old and new path
   * alike pass false: without detection a rename is a deletion plus an addition of the same two
   * paths, and git answers sooner (measured: a third less time on a 50,000-file diff).
   */
  renames?: boolean;
  /**
   * Only the paths are needed, every change type alike: git lists them without statuses or
   * rename detection (`paths` instead of `files`), about half the parsing on a big diff.
   */
  pathsOnly?: boolean;
  /** The remote to fetch from (default `origin`). */
  remote?: string;
  /** The deepest bounded fetch before the API (and finally an unbounded fetch) is tried. Default 2048. */
  maxDepth?: number;
}

export interface ChangeSetPorts {
  git: Git;
  /** Created only when git alone cannot answer; leave undefined when there is no token. */
  api?: () => Promise<ChangeSetApi>;
  /** Progress lines (fetches, fallbacks) for the log. */
  log?: Logger;
}

/**
 * The paths a change set touches, limited to `types` (default all), in diff order without
 * duplicates. A rename counts as both its old and its new path; when `renamed` is not among the
 * types, a rename counts as the deletion of the old path and the addition of the new one. A
 * copy's source is unchanged and does not count.
 */
export function changedPaths(files: readonly FileChange[], types: readonly ChangeType[] = CHANGE_TYPES): string[] {
  const wanted = new Set<ChangeStatus>(types);
  const renamed = wanted.has('renamed');
  const added = wanted.has('added');
  const deleted = wanted.has('deleted');
  const paths: string[] = [];
  const previousPaths = new Set<string>();
  for (const change of files) {
    if (change.status === 'renamed' && change.previousPath !== undefined) {
      if (renamed || deleted) {
        paths.push(change.previousPath);
        previousPaths.add(change.previousPath);
      }
      if (renamed || added) paths.push(change.path);
    } else if (wanted.has(change.status)) {
      paths.push(change.path);
    }
  }
  // git lists each path once, so only a rename's old path can repeat another entry's path (a
  // file renamed away and a new one added in its place): dedupe just those.
  if (previousPaths.size === 0) return paths;
  const emitted = new Set<string>();
  return paths.filter((path) => {
    if (!previousPaths.has(path)) return true;
    if (emitted.has(path)) return false;
    emitted.add(path);
    return true;
  });
}

/** The paths of a change set limited to `types` (see `changedPaths`), whether it lists `files` or only `paths`. */
export function changeSetPaths(changeSet: ChangeSet, types: readonly ChangeType[] = CHANGE_TYPES): string[] {
  if (changeSet.listing === undefined) return changedPaths(changeSet.files, types);
  if (!PLAIN_CHANGE_TYPES.every((type) => types.includes(type)))
    throw new Error(`a paths-only change set cannot be limited to ${types.join(', ')}`);
  return changeSet.listing.paths;
}

/** A SHA shortened for messages. */
export function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : '(none)';
}

/** A full commit SHA (SHA-1 or SHA-256), not the all-zero SHA of "no commit". */
export function isSha(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(value) && value !== ZERO_SHA;
}

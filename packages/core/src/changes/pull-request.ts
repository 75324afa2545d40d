/**
 * `pull_request*` events: from the merge base of the PR's base and head, to head (what GitHub
 * shows as the PR's changes). The PR files API answers only when git cannot reach the merge base.
 */
import { ConfigError } from '../errors.js';
import type { PullInfo } from './api.js';
import { type ChangeSet, isSha, short } from './change-set.js';
import type { History } from './history.js';

/** The events whose payload carries `pull_request` with its base and head. */
export const PULL_REQUEST_EVENTS: ReadonlySet<string> = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

/** The event's `pull_request` payload (`number`, `base.sha`, `head.sha`). */
export async function resolvePullRequestEvent(history: History, pull: Record<string, any>): Promise<ChangeSet> {
  const eventName = history.options.context.eventName;
  const head = history.options.headSha ?? pull.head?.sha;
  if (!isSha(pull.base?.sha) || !isSha(head)) {
    throw new ConfigError(`The ${eventName} event has no base/head SHA; set \`base-sha\` and \`head-sha\`.`);
  }
  return pullRequestChangeSet(history, Number(pull.number), pull.base.sha, head, `pull request #${pull.number}`);
}

/**
 * A PR's change set: merge base of `base` and `head`, to `head`; the PR files API only when git
 * cannot get there (`knownPull`: the PR, when the caller has read it already).
 */
export async function pullRequestChangeSet(
  history: History,
  number: number,
  base: string,
  head: string,
  label: string,
  knownPull?: PullInfo,
): Promise<ChangeSet> {
  let mergeBase = await history.findMergeBase(base, head);
  const api = mergeBase === undefined ? await history.api() : undefined;
  if (mergeBase === undefined && api) {
    mergeBase = await history.apiMergeBase(api, base, head);
    if (mergeBase && !(await history.ensureCommits([mergeBase, head]))) mergeBase = undefined;
    if (mergeBase === undefined) {
      const listed = await history.apiPullFiles(api, number, head, knownPull);
      if (listed) return { base, head, files: listed.files, source: 'api', reason: `${label}: ${listed.note}` };
    }
  }
  if (mergeBase === undefined) mergeBase = await history.findMergeBaseUnbounded(base, head);
  if (mergeBase === undefined) {
    throw new ConfigError(
      `Could not find the merge base of ${short(base)} and ${short(head)} for ${label}: git could not fetch the history` +
        `${api ? ' and the GitHub API could not list the files' : ' and no token was given for the API fallback'}. ` +
        'Check that the repository is checked out with an `origin` remote, or use actions/checkout with `fetch-depth: 0`.',
    );
  }
  return history.diff(
    mergeBase,
    head,
    `${label}: from the merge base ${short(mergeBase)} of base ${short(base)} to head ${short(head)}`,
    false,
  );
}

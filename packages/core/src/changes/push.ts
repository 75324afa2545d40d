/**
 * `push`: `before..after`. A new branch, or a force push whose `before` is not an ancestor of
 * `after`, is measured from its merge base with the default branch instead; a push to a PR
 * branch (`pull-request/N`) goes to pr-branch.ts; a tag push or a deleted branch has no diff.
 */
import { type ChangeSet, isSha, short } from './change-set.js';
import type { History } from './history.js';
import { prBranchNumber, resolvePrBranchPush } from './pr-branch.js';

export async function resolvePush(history: History): Promise<ChangeSet> {
  const { context } = history.options;
  const payload = context.payload ?? {};
  const ref: string = payload.ref ?? context.ref ?? '';
  const branch = ref.replace(/^refs\/heads\//, '');
  const head = history.options.headSha ?? (isSha(payload.after) ? payload.after : context.sha);
  if (payload.deleted === true || !isSha(head)) {
    return history.everything(`push to ${branch || ref} has no head commit (branch deleted?)`, undefined);
  }
  if (ref.startsWith('refs/tags/')) {
    return history.everything(`tag push ${ref.slice(10)} has no base; every filter counts as changed`, head);
  }
  const prNumber = prBranchNumber(branch, history.options.prBranchPattern);
  if (prNumber !== undefined) return resolvePrBranchPush(history, prNumber, branch, head);
  const before = payload.before;
  const defaultBranch = await history.defaultBranch();
  if (!isSha(before)) {
    if (branch === defaultBranch) {
      return history.everything(`first push of the default branch ${branch}; every filter counts as changed`, head);
    }
    return history.againstDefaultBranch(head, defaultBranch, `new branch ${branch}`);
  }
  const mergeBase = await history.findMergeBase(before, head);
  if (mergeBase === before) return history.diff(before, head, `push ${short(before)}..${short(head)}`, false);
  // A force push (or a `before` git cannot reach): `before..after` would count the commits
  // the push threw away. The branch's own changes are measured from the default branch.
  const why = mergeBase === undefined ? `before ${short(before)} is unreachable` : 'force push';
  if (branch === defaultBranch) {
    if (mergeBase !== undefined) {
      return history.diff(mergeBase, head, `${why} to ${branch}: merge base with the previous tip`, false);
    }
    return history.everything(`${why} to the default branch ${branch}; every filter counts as changed`, head);
  }
  return history.againstDefaultBranch(head, defaultBranch, `${why} to ${branch}`);
}

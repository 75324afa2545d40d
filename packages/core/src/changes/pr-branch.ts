/**
 * A push to a branch that stands for a pull request (copy-pr-bot's `pull-request/N`): the PR's
 * merge base, found through the API, not the previous push. Without a token, or when the PR is
 * not found, the branch's changes since it left the default branch.
 */
import { messageOf } from '../errors.js';
import { DEFAULT_PR_BRANCH_PATTERN } from '../pr-branch.js';
import type { PullInfo } from './api.js';
import { type ChangeSet, short } from './change-set.js';
import type { History } from './history.js';
import { pullRequestChangeSet } from './pull-request.js';

/** The PR number `branch` stands for under `pattern`, or undefined. */
export function prBranchNumber(branch: string, pattern = DEFAULT_PR_BRANCH_PATTERN): number | undefined {
  const match = pattern.exec(branch);
  if (!match) return undefined;
  const number = Number(match[1]);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

export async function resolvePrBranchPush(
  history: History,
  number: number,
  branch: string,
  head: string,
): Promise<ChangeSet> {
  const api = await history.api();
  const label = `push to ${branch} (pull request #${number})`;
  if (api) {
    let pull: PullInfo | undefined;
    try {
      pull = await api.getPull(number);
    } catch (error) {
      history.log(`Could not read pull request #${number}: ${messageOf(error)}`);
    }
    if (pull) {
      const mergeBase = await history.apiMergeBase(api, pull.baseRef, head);
      if (mergeBase && (await history.ensureCommits([mergeBase, head]))) {
        return history.diff(mergeBase, head, `${label}: merge base with ${pull.baseRef} ${short(mergeBase)}`, false);
      }
      return pullRequestChangeSet(history, number, pull.baseSha, head, label, pull);
    }
    const defaultBranch = await history.defaultBranch();
    return history.againstDefaultBranch(head, defaultBranch, `${label}: the PR was not found`);
  }
  const defaultBranch = await history.defaultBranch();
  return history.againstDefaultBranch(head, defaultBranch, `${label} without a token (base branch unknown)`);
}

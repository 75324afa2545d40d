/**
 * The branches copy-pr moves a trusted pull request's head to (`pull-request/<N>`), where CI with
 * secrets runs on push; changed-files reads the PR number back from the branch name. One definition
 * for both, importable without the rest of core (changed-files' fast path loads it before core).
 */

/** The default start of those branch names (copy-pr's `branch-prefix`). */
export const PR_BRANCH_PREFIX = 'pull-request/';

/** The default `pr-branch-pattern` of changed-files: the prefix, then the PR number as group 1. */
export const DEFAULT_PR_BRANCH_PATTERN = /^pull-request\/(\d+)$/;

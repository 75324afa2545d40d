/**
 * The fast path of changed-files, and its only speed-only code: the diff starts before the rest of
 * the bundle loads. Loading core, the YAML parser and the matcher takes tens of milliseconds, and
 * the diff of a big change takes about as long: run side by side, the action costs little more than
 * the diff itself. When the event alone says which two commits the change set will be (a push
 * `before..after`, a merge group, explicit `base-sha`/`head-sha`), their diff (`diffArgs`, with the
 * action's diff options) starts here, and core's `Git` adopts it (`Git.adopt`): the first diff of
 * the same commits takes its result when it succeeded, else git runs again. A guess nobody uses is
 * stopped. Correctness never depends on this module; docs/decisions/fast-paths.md has the
 * measurements that keep it.
 *
 * It imports nothing heavy: only core's git and input modules, not the whole core (YAML, globbing,
 * the GitHub client), so it runs before those load.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { stopChild } from '@dynamo-ci/core/exec';
import { diffArgs, type Git, type StartedGit, startGit, ZERO_SHA } from '@dynamo-ci/core/git';
import { boolean } from '@dynamo-ci/core/inputs';
import { DEFAULT_PR_BRANCH_PATTERN } from '@dynamo-ci/core/pr-branch';
import { diffOptions, parseChangeTypes } from './change-types.js';

export interface EarlyDiff extends StartedGit {
  /** Where git runs (the resolved `working-directory`). */
  cwd: string;
}

const SHA = /^[0-9a-f]{40}$/;
/** The two commits the change set will most likely be, from the event and inputs alone. */
export function guessCommits(environment: NodeJS.ProcessEnv): [string, string] | undefined {
  const input = (name: string) => environment[`INPUT_${name}`]?.trim() ?? '';
  if (input('FORCE-ALL').toLowerCase() === 'true') return undefined;
  const isSha = (value: unknown): value is string => typeof value === 'string' && SHA.test(value) && value !== ZERO_SHA;
  const base = input('BASE-SHA');
  const head = input('HEAD-SHA');
  if (base !== '') return isSha(base) && isSha(head) ? [base, head] : undefined;
  const eventPath = environment.GITHUB_EVENT_PATH;
  if (!eventPath) return undefined;
  let payload: Record<string, any>;
  try {
    payload = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch {
    return undefined;
  }
  const event = environment.GITHUB_EVENT_NAME;
  if (event === 'merge_group') {
    const group = payload.merge_group ?? {};
    const after = head || group.head_sha;
    return isSha(group.base_sha) && isSha(after) ? [group.base_sha, after] : undefined;
  }
  if (event !== 'push' || payload.deleted === true) return undefined;
  const ref = String(payload.ref ?? '');
  if (!ref.startsWith('refs/heads/')) return undefined;
  let prBranch = DEFAULT_PR_BRANCH_PATTERN;
  try {
    if (input('PR-BRANCH-PATTERN') !== '') prBranch = new RegExp(input('PR-BRANCH-PATTERN'));
  } catch {
    return undefined;
  }
  if (prBranch.test(ref.slice('refs/heads/'.length))) return undefined;
  const after = head || payload.after;
  return isSha(payload.before) && isSha(after) ? [payload.before, after] : undefined;
}

/** Start the likely diff, or nothing. Never throws: this is only a head start. */
export function startEarlyDiff(environment: NodeJS.ProcessEnv = process.env): EarlyDiff | undefined {
  try {
    const commits = guessCommits(environment);
    if (!commits) return undefined;
    // The same diff options as the action's (an input the action rejects throws: no head start).
    const options = diffOptions(
      parseChangeTypes(environment['INPUT_CHANGE-TYPES']),
      boolean(environment['INPUT_WRITE-REPORT'], 'write-report', false),
    );
    const cwd = resolve(
      environment.GITHUB_WORKSPACE || process.cwd(),
      environment['INPUT_WORKING-DIRECTORY']?.trim() || '.',
    );
    return { cwd, ...startGit(cwd, diffArgs(...commits, options), environment) };
  } catch {
    return undefined;
  }
}

/** Hand the early diff to `git` when it runs where the diff was started (`cwd`). */
export function adoptEarlyDiff(git: Git, early: EarlyDiff | undefined): void {
  if (early?.cwd === git.cwd) git.adopt(early);
}

/** Stop the early diff if nobody used it: a git waiting on a full pipe would keep the job alive. */
export function stopEarlyDiff(early: EarlyDiff | undefined): void {
  if (early) stopChild(early.child);
}

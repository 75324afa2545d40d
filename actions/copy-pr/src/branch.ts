/**
 * Moving `pull-request/<N>` to an exact commit through the refs API, all-or-nothing: the branch
 * is created or force-updated in one call (never deleted first, so CI never sees it vanish),
 * then read back; the move counts only when the branch points at the commit afterwards.
 *
 * Fork PRs: the head commit was pushed to the fork, but GitHub also stores it in the base
 * repository under `refs/pull/<N>/head`, so a ref in the base repository can point at it
 * directly; nothing has to be fetched or pushed from the fork. GitHub updates
 * `refs/pull/<N>/head` a moment after the push, so an "Object does not exist" answer right
 * after a push is retried a few times before it is reported.
 */
import { messageOf, retry, ServiceError } from '@dynamo-ci/core';
import { type GatePort, OBJECT_MISSING } from './github.js';

export interface MoveOptions {
  /** Waits before retrying a write that named a commit GitHub did not have yet. */
  objectWaitsMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

export interface MoveResult {
  /** Where the branch pointed before; undefined when it did not exist. */
  before: string | undefined;
  changed: boolean;
}

export const DEFAULT_OBJECT_WAITS_MS = [2000, 5000] as const;

export async function moveBranch(
  port: GatePort,
  branch: string,
  sha: string,
  options: MoveOptions = {},
): Promise<MoveResult> {
  const before = await port.getBranch(branch);
  if (before === sha) return { before, changed: false };
  try {
    await writeWithObjectWait(() => writeBranch(port, branch, sha, before), options);
  } catch (error) {
    // The write may have landed even though its answer was lost; the read-back decides.
    const now = await port.getBranch(branch).catch(() => 'unknown' as const);
    if (now === sha) return { before, changed: true };
    const where =
      now === 'unknown'
        ? 'where it points now could not be read'
        : now === before
          ? `it is unchanged (${describe(before)})`
          : `it now points at ${describe(now)}`;
    throw new ServiceError(
      `Could not move ${branch} to ${sha}: ${messageOf(error)} ${sentence(where)}`,
      error instanceof ServiceError ? error.status : undefined,
    );
  }
  const after = await port.getBranch(branch);
  if (after !== sha) {
    throw new ServiceError(
      `${branch} points at ${describe(after)} right after it was moved to ${sha}: another writer changed it. ` +
        'Re-run this job or post the command again.',
    );
  }
  return { before, changed: true };
}

async function writeBranch(port: GatePort, branch: string, sha: string, before: string | undefined): Promise<void> {
  if (before === undefined) {
    if ((await port.createBranch(branch, sha)) === 'created') return;
    // Created by a concurrent run between our read and our write: move it instead.
    if ((await port.updateBranch(branch, sha)) === 'updated') return;
  } else {
    if ((await port.updateBranch(branch, sha)) === 'updated') return;
    // Deleted (PR closed) between our read and our write.
    if ((await port.createBranch(branch, sha)) === 'created') return;
  }
  throw new ServiceError(`${branch} was created and deleted by other writers while copy-pr moved it; re-run this job.`);
}

async function writeWithObjectWait(write: () => Promise<void>, options: MoveOptions): Promise<void> {
  const waits = options.objectWaitsMs ?? DEFAULT_OBJECT_WAITS_MS;
  try {
    await retry(() => write(), {
      attempts: waits.length + 1,
      decide: (error, attempt) => ({ retry: OBJECT_MISSING.test(messageOf(error)), delayMs: waits[attempt - 1] }),
      sleep: options.sleep,
    });
  } catch (error) {
    if (!OBJECT_MISSING.test(messageOf(error))) throw error;
    throw new ServiceError(
      `GitHub does not have the commit in this repository (${messageOf(error)}). A fork's commits appear ` +
        'in the base repository as refs/pull/<N>/head shortly after a push; if this persists, check that the ' +
        'SHA is the pull request head and post the command again.',
      422,
    );
  }
}

function describe(sha: string | undefined): string {
  return sha ?? 'nothing (the branch does not exist)';
}

function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

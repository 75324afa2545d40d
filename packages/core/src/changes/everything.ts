/**
 * Runs with nothing to compare with (`schedule`, `workflow_dispatch`, a tag push, a deleted
 * branch, the first push of the default branch) and runs told to take everything (changed-files'
 * `force-all`): a change set without a diff, `source: 'none'`, which callers treat as "everything
 * changed".
 */
import type { ChangeSet, ChangeSetOptions } from './change-set.js';
import { isSha } from './change-set.js';

/** A change set without a diff: every filter counts as changed. */
export function everythingChanged(reason: string, head: string | undefined): ChangeSet {
  return { base: undefined, head, files: [], source: 'none', reason };
}

/** An event with no base commit (`schedule`, `workflow_dispatch`, ...). */
export function resolveWithoutBase(options: ChangeSetOptions): ChangeSet {
  const { context } = options;
  const head = options.headSha ?? context.sha;
  return everythingChanged(
    `${context.eventName || 'this'} event has no base to compare with; every filter counts as changed`,
    isSha(head) ? head : undefined,
  );
}

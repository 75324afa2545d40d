/** `merge_group` (the merge queue): the group's `base_sha..head_sha`. */
import { ConfigError } from '../errors.js';
import { type ChangeSet, isSha, short } from './change-set.js';
import type { History } from './history.js';

/** The event's `merge_group` payload (`base_sha`, `head_sha`). */
export async function resolveMergeGroup(history: History, group: Record<string, unknown>): Promise<ChangeSet> {
  const { base_sha: base, head_sha: head } = group;
  if (!isSha(base) || !isSha(head)) throw new ConfigError('The merge_group event has no base_sha/head_sha.');
  return history.diff(base, history.options.headSha ?? head, `merge group base ${short(base)}`);
}

/**
 * The change set of a workflow run: which files differ, between which two commits, and why those
 * commits. Shared by every action that looks at "what this run changes" (changed-files,
 * spdx-check).
 *
 * ```ts
 * const changeSet = await resolveChangeSet(
 *   { context: readContext(), baseSha, headSha },          // ChangeSetOptions
 *   { git: new Git(cwd), api: token ? () => createChangeSetApi(token, context.repo) : undefined },
 * );
 * // changeSet: { base, head, files: FileChange[], source: 'git' | 'api' | 'none', reason }
 * const paths = changedPaths(changeSet.files, ['added', 'modified']);
 * ```
 *
 * One module per trigger under changes/ (an explicit `baseSha` overrides all of them):
 * - explicit.ts: `baseSha..head` directly;
 * - pull-request.ts: `pull_request*`, merge base of the PR's base and head, to head;
 * - push.ts: `before..after`, or the merge base with the default branch after a force push or
 *   for a new branch;
 * - pr-branch.ts: a push to copy-pr-bot's `pull-request/N`, the PR's merge base from the API;
 * - merge-group.ts: `base_sha..head_sha`;
 * - everything.ts: anything else (`schedule`, `workflow_dispatch`, ...), `source: 'none'`, no
 *   files; callers treat that as "everything changed".
 * What they share: change-set.ts (the types and the paths of a change set), history.ts (getting
 * commits into a shallow clone, merge bases, the diff) and api.ts (what is asked of GitHub). The
 * result is never silently partial: if nothing works, a `ConfigError` says what to change.
 */
import type { ChangeSet, ChangeSetOptions, ChangeSetPorts } from './changes/change-set.js';
import { resolveWithoutBase } from './changes/everything.js';
import { resolveExplicitBase } from './changes/explicit.js';
import { History } from './changes/history.js';
import { resolveMergeGroup } from './changes/merge-group.js';
import { PULL_REQUEST_EVENTS, resolvePullRequestEvent } from './changes/pull-request.js';
import { resolvePush } from './changes/push.js';

export {
  type ChangeSetApi,
  changeSetApi,
  createChangeSetApi,
  PULL_FILES_API_LIMIT,
  type PullInfo,
} from './changes/api.js';
export {
  type ChangeSet,
  type ChangeSetOptions,
  type ChangeSetPorts,
  type ChangeSource,
  changedPaths,
  changeSetPaths,
} from './changes/change-set.js';
export { everythingChanged } from './changes/everything.js';

/** Resolve the change set of a run. See the module comment for the rules per trigger. */
export async function resolveChangeSet(options: ChangeSetOptions, ports: ChangeSetPorts): Promise<ChangeSet> {
  const history = new History(options, ports);
  if (options.baseSha !== undefined) return resolveExplicitBase(history, options.baseSha);
  const { eventName } = options.context;
  const payload = options.context.payload ?? {};
  if (PULL_REQUEST_EVENTS.has(eventName) && payload.pull_request) {
    return resolvePullRequestEvent(history, payload.pull_request);
  }
  if (eventName === 'push') return resolvePush(history);
  if (eventName === 'merge_group' && payload.merge_group) return resolveMergeGroup(history, payload.merge_group);
  return resolveWithoutBase(options);
}

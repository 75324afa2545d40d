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
 * Per trigger (explicit `baseSha` overrides all of them and diffs `baseSha..head` directly):
 * - `pull_request*`: merge base of the PR's base and head, to head (what GitHub shows).
 * - `push` to a branch matching `prBranchPattern` (copy-pr-bot's `pull-request/N`): the PR's
 *   merge base from the API (the compare endpoint), not the previous push.
 * - other `push`: `before..after`; a new branch, or a force push whose `before` is not an ancestor
 *   of `after`, falls back to the merge base with the default branch.
 * - `merge_group`: `base_sha..head_sha`.
 * - anything else (`schedule`, `workflow_dispatch`, ...): `source: 'none'`, no files; callers
 *   treat that as "everything changed".
 *
 * Shallow clones (actions/checkout's default depth 1) work unchanged: missing commits are fetched
 * by SHA with a bounded, growing depth; branches are never fetched wholesale. When git cannot get
 * there and an API port is given, the merge base comes from the compare API, and the PR files API
 * is used as a last resort; its 3000-file cap is detected, and then git is asked again without a
 * depth bound rather than returning a partial list. The result is never silently partial: if
 * nothing works, a `ConfigError` says what to change.
 */
import { ConfigError, messageOf, ServiceError } from './errors.js';
import {
  assertRevision,
  CHANGE_TYPES,
  type ChangeStatus,
  type ChangeType,
  type FileChange,
  type Git,
  type PathListing,
  PLAIN_CHANGE_TYPES,
  ZERO_SHA,
} from './git.js';
import { createGitHubClient, type GitHubClient, type GitHubContext, type RepoRef } from './github.js';

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

/** What change-set resolution needs from GitHub; `createChangeSetApi` implements it over Octokit. */
export interface ChangeSetApi {
  /** The pull request, or undefined when GitHub says 404. */
  getPull(number: number): Promise<PullInfo | undefined>;
  /** GitHub's merge base of `base...head` (either may be a branch name or a SHA). */
  mergeBase(base: string, head: string): Promise<string | undefined>;
  /** The PR's files, every page; `truncated` when GitHub's 3000-file cap cut the list short. */
  listPullFiles(number: number, expectedCount?: number): Promise<{ files: FileChange[]; truncated: boolean }>;
  defaultBranch(): Promise<string>;
}

export interface PullInfo {
  number: number;
  baseRef: string;
  baseSha: string;
  headSha: string;
  /** GitHub's count of changed files (may exceed what the files API returns). */
  changedFiles?: number;
}

export interface ChangeSetPorts {
  git: Git;
  /** Created only when git alone cannot answer; leave undefined when there is no token. */
  api?: () => Promise<ChangeSetApi>;
  /** Progress lines (fetches, fallbacks) for the log. */
  log?: (message: string) => void;
}

export const DEFAULT_PR_BRANCH_PATTERN = /^pull-request\/(\d+)$/;

const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

/** Resolve the change set of a run. See the module comment for the rules per trigger. */
export async function resolveChangeSet(options: ChangeSetOptions, ports: ChangeSetPorts): Promise<ChangeSet> {
  return new ChangeSetResolver(options, ports).resolve();
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

/** A `ChangeSetApi` over the retrying Octokit client of `createGitHubClient`. */
export function changeSetApi(client: GitHubClient, repo: RepoRef): ChangeSetApi {
  return {
    async getPull(number) {
      try {
        const { data } = await client.rest.pulls.get({ ...repo, pull_number: number });
        return {
          number,
          baseRef: data.base.ref,
          baseSha: data.base.sha,
          headSha: data.head.sha,
          changedFiles: typeof data.changed_files === 'number' ? data.changed_files : undefined,
        };
      } catch (error) {
        if (error instanceof ServiceError && error.status === 404) return undefined;
        throw error;
      }
    },
    async mergeBase(base, head) {
      try {
        const { data } = await client.rest.repos.compareCommitsWithBasehead({
          ...repo,
          basehead: `${base}...${head}`,
          per_page: 1,
        });
        return data.merge_base_commit?.sha || undefined;
      } catch (error) {
        if (error instanceof ServiceError && error.status === 404) return undefined;
        throw error;
      }
    },
    async listPullFiles(number, expectedCount) {
      const raw = await client.paginate(client.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: 100 });
      const files: FileChange[] = [];
      for (const file of raw) {
        const change = fromApiFile(file);
        if (change) files.push(change);
      }
      const truncated =
        raw.length >= PULL_FILES_API_LIMIT || (expectedCount !== undefined && raw.length < expectedCount);
      return { files, truncated };
    },
    async defaultBranch() {
      const { data } = await client.rest.repos.get({ ...repo });
      return data.default_branch;
    },
  };
}

/** `changeSetApi` with its own client: what an action passes as `ports.api`. */
export async function createChangeSetApi(
  token: string,
  repo: RepoRef,
  options: Parameters<typeof createGitHubClient>[1] = {},
): Promise<ChangeSetApi> {
  return changeSetApi(await createGitHubClient(token, options), repo);
}

/** GitHub's pull request files list stops here, silently. */
export const PULL_FILES_API_LIMIT = 3000;

const API_STATUS: Record<string, ChangeStatus | undefined> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'copied',
  changed: 'type-changed',
  unchanged: undefined,
};

function fromApiFile(file: { filename: string; status: string; previous_filename?: string }): FileChange | undefined {
  const status = API_STATUS[file.status];
  if (status === undefined) return undefined;
  if ((status === 'renamed' || status === 'copied') && file.previous_filename) {
    return { status, path: file.filename, previousPath: file.previous_filename };
  }
  return { status, path: file.filename };
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : '(none)';
}

function isSha(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(value) && value !== ZERO_SHA;
}

class ChangeSetResolver {
  private readonly git: Git;
  private readonly remote: string;
  private readonly maxDepth: number;
  private apiPromise: Promise<ChangeSetApi> | undefined;
  private repositoryChecked: boolean | undefined;

  constructor(
    private readonly options: ChangeSetOptions,
    private readonly ports: ChangeSetPorts,
  ) {
    this.git = ports.git;
    this.remote = options.remote ?? 'origin';
    this.maxDepth = options.maxDepth ?? 2048;
  }

  async resolve(): Promise<ChangeSet> {
    const { context } = this.options;
    const payload = context.payload ?? {};
    if (this.options.baseSha !== undefined) {
      const head = this.options.headSha ?? this.eventHead() ?? (await this.localHead());
      if (head === undefined) throw new ConfigError('No head commit: set `head-sha` along with `base-sha`.');
      return this.diff(this.options.baseSha, head, `explicit base ${short(this.options.baseSha)}`);
    }
    const eventName = context.eventName;
    if (PULL_REQUEST_EVENTS.has(eventName) && payload.pull_request) {
      const pull = payload.pull_request;
      const head = this.options.headSha ?? pull.head?.sha;
      if (!isSha(pull.base?.sha) || !isSha(head)) {
        throw new ConfigError(`The ${eventName} event has no base/head SHA; set \`base-sha\` and \`head-sha\`.`);
      }
      return this.pullRequest(Number(pull.number), pull.base.sha, head, `pull request #${pull.number}`);
    }
    if (eventName === 'push') return this.push();
    if (eventName === 'merge_group' && payload.merge_group) {
      const { base_sha: base, head_sha: head } = payload.merge_group;
      if (!isSha(base) || !isSha(head)) throw new ConfigError('The merge_group event has no base_sha/head_sha.');
      return this.diff(base, this.options.headSha ?? head, `merge group base ${short(base)}`);
    }
    return this.everything(
      `${eventName || 'this'} event has no base to compare with; every filter counts as changed`,
      this.options.headSha ?? context.sha,
    );
  }

  private eventHead(): string | undefined {
    const { context } = this.options;
    const payload = context.payload ?? {};
    const candidates = [payload.pull_request?.head?.sha, payload.merge_group?.head_sha, payload.after, context.sha];
    return candidates.find(isSha);
  }

  private async localHead(): Promise<string | undefined> {
    const [head] = await this.resolveAll(['HEAD']);
    return head;
  }

  private everything(reason: string, head: string | undefined): ChangeSet {
    return { base: undefined, head: isSha(head) ? head : undefined, files: [], source: 'none', reason };
  }

  private async push(): Promise<ChangeSet> {
    const { context } = this.options;
    const payload = context.payload ?? {};
    const ref: string = payload.ref ?? context.ref ?? '';
    const branch = ref.replace(/^refs\/heads\//, '');
    const head = this.options.headSha ?? (isSha(payload.after) ? payload.after : context.sha);
    if (payload.deleted === true || !isSha(head)) {
      return this.everything(`push to ${branch || ref} has no head commit (branch deleted?)`, undefined);
    }
    if (ref.startsWith('refs/tags/')) {
      return this.everything(`tag push ${ref.slice(10)} has no base; every filter counts as changed`, head);
    }
    const prMatch = (this.options.prBranchPattern ?? DEFAULT_PR_BRANCH_PATTERN).exec(branch);
    if (prMatch) {
      const number = Number(prMatch[1]);
      if (Number.isInteger(number) && number > 0) return this.prBranchPush(number, branch, head);
    }
    const before = payload.before;
    const defaultBranch = await this.defaultBranch();
    if (!isSha(before)) {
      if (branch === defaultBranch) {
        return this.everything(`first push of the default branch ${branch}; every filter counts as changed`, head);
      }
      return this.againstDefaultBranch(head, defaultBranch, `new branch ${branch}`);
    }
    const mergeBase = await this.findMergeBase(before, head);
    if (mergeBase === before) return this.diff(before, head, `push ${short(before)}..${short(head)}`, false);
    // A force push (or a `before` git cannot reach): `before..after` would count the commits
    // the push threw away. The branch's own changes are measured from the default branch.
    const why = mergeBase === undefined ? `before ${short(before)} is unreachable` : 'force push';
    if (branch === defaultBranch) {
      if (mergeBase !== undefined) {
        return this.diff(mergeBase, head, `${why} to ${branch}: merge base with the previous tip`, false);
      }
      return this.everything(`${why} to the default branch ${branch}; every filter counts as changed`, head);
    }
    return this.againstDefaultBranch(head, defaultBranch, `${why} to ${branch}`);
  }

  /** copy-pr-bot's `pull-request/N`: the PR's merge base, found through the API. */
  private async prBranchPush(number: number, branch: string, head: string): Promise<ChangeSet> {
    const api = await this.api();
    const label = `push to ${branch} (pull request #${number})`;
    if (api) {
      let pull: PullInfo | undefined;
      try {
        pull = await api.getPull(number);
      } catch (error) {
        this.log(`Could not read pull request #${number}: ${messageOf(error)}`);
      }
      if (pull) {
        const mergeBase = await this.apiMergeBase(api, pull.baseRef, head);
        if (mergeBase && (await this.ensureCommits([mergeBase, head]))) {
          return this.diff(mergeBase, head, `${label}: merge base with ${pull.baseRef} ${short(mergeBase)}`, false);
        }
        return this.pullRequest(number, pull.baseSha, head, label, pull);
      }
      const defaultBranch = await this.defaultBranch();
      return this.againstDefaultBranch(head, defaultBranch, `${label}: the PR was not found`);
    }
    const defaultBranch = await this.defaultBranch();
    return this.againstDefaultBranch(head, defaultBranch, `${label} without a token (base branch unknown)`);
  }

  /** A PR: merge base of base and head, to head; the PR files API only when git cannot get there. */
  private async pullRequest(
    number: number,
    base: string,
    head: string,
    label: string,
    knownPull?: PullInfo,
  ): Promise<ChangeSet> {
    let mergeBase = await this.findMergeBase(base, head);
    const api = mergeBase === undefined ? await this.api() : undefined;
    if (mergeBase === undefined && api) {
      mergeBase = await this.apiMergeBase(api, base, head);
      if (mergeBase && !(await this.ensureCommits([mergeBase, head]))) mergeBase = undefined;
      if (mergeBase === undefined) {
        const listed = await this.apiPullFiles(api, number, head, knownPull);
        if (listed) return { base, head, files: listed.files, source: 'api', reason: `${label}: ${listed.note}` };
      }
    }
    if (mergeBase === undefined) mergeBase = await this.findMergeBaseUnbounded(base, head);
    if (mergeBase === undefined) {
      throw new ConfigError(
        `Could not find the merge base of ${short(base)} and ${short(head)} for ${label}: git could not fetch the history` +
          `${api ? ' and the GitHub API could not list the files' : ' and no token was given for the API fallback'}. ` +
          'Check that the repository is checked out with an `origin` remote, or use actions/checkout with `fetch-depth: 0`.',
      );
    }
    return this.diff(
      mergeBase,
      head,
      `${label}: from the merge base ${short(mergeBase)} of base ${short(base)} to head ${short(head)}`,
      false,
    );
  }

  private async againstDefaultBranch(head: string, defaultBranch: string, label: string): Promise<ChangeSet> {
    let mergeBase: string | undefined;
    const api = await this.api();
    if (api) {
      mergeBase = await this.apiMergeBase(api, defaultBranch, head);
      if (mergeBase && !(await this.ensureCommits([mergeBase, head]))) mergeBase = undefined;
    }
    mergeBase ??= await this.findMergeBaseWithBranch(defaultBranch, head);
    if (mergeBase === undefined) {
      return this.everything(
        `${label}: no merge base with ${defaultBranch} could be found; every filter counts as changed`,
        head,
      );
    }
    return this.diff(mergeBase, head, `${label}: merge base with ${defaultBranch} ${short(mergeBase)}`, false);
  }

  private async diff(base: string, head: string, reason: string, ensure = true): Promise<ChangeSet> {
    // Callers pass `ensure: false` with full SHAs they just saw locally: no need to look again.
    const known = !ensure && isSha(base) && isSha(head);
    const [baseSha, headSha] = known ? [base, head] : await this.resolveAll([base, head]);
    if (baseSha === undefined || headSha === undefined) await this.requireRepository();
    if (ensure && (baseSha === undefined || headSha === undefined)) {
      const missing = [base, head].filter((_, index) => [baseSha, headSha][index] === undefined);
      if (!(await this.ensureCommits(missing))) {
        throw new ConfigError(
          `Commit(s) ${missing.map(short).join(', ')} are not in the checkout and could not be fetched from ` +
            `${this.remote}; check the SHAs and that the checkout has an \`${this.remote}\` remote.`,
        );
      }
    }
    const [resolvedBase = base, resolvedHead = head] =
      baseSha !== undefined && headSha !== undefined ? [baseSha, headSha] : await this.resolveAll([base, head]);
    const same = resolvedBase === resolvedHead;
    if (this.options.pathsOnly) {
      const listing = same
        ? { paths: [], bytes: Buffer.alloc(0) }
        : await this.git.diffPaths(resolvedBase, resolvedHead);
      return { base: resolvedBase, head: resolvedHead, files: [], listing, source: 'git', reason };
    }
    const files = same
      ? []
      : await this.git.diff(resolvedBase, resolvedHead, { renames: this.options.renames !== false });
    return { base: resolvedBase, head: resolvedHead, files, source: 'git', reason };
  }

  /** Make commits present locally: fetch the missing ones by SHA at depth 1. */
  private async ensureCommits(shas: readonly string[]): Promise<boolean> {
    const unique = [...new Set(shas)];
    const resolved = await this.resolveAll(unique);
    const missing = unique.filter((_, index) => resolved[index] === undefined);
    if (missing.length === 0) return true;
    if (!(await this.isRepository())) return false;
    this.log(`Fetching ${missing.map(short).join(', ')} from ${this.remote} (depth 1)`);
    if (await this.git.fetchCommits(missing, { depth: 1, remote: this.remote })) return true;
    // One unfetchable SHA fails the whole fetch; fetch the others one by one.
    let all = true;
    for (const sha of missing) {
      if (!(await this.git.fetchCommits([sha], { depth: 1, remote: this.remote }))) all = false;
    }
    return all;
  }

  /**
   * The merge base of two commits, fetching history by SHA at growing depths (32, 256, 2048 by
   * default) while the clone is shallow. Undefined when git cannot connect them within the bound.
   */
  private async findMergeBase(a: string, b: string): Promise<string | undefined> {
    const resolved = await this.resolveAll([a, b]);
    if (!(await this.isRepository())) return undefined;
    if (resolved.every((sha) => sha !== undefined)) {
      const mergeBase = await this.git.mergeBase(a, b);
      if (mergeBase !== undefined || !(await this.git.isShallow())) return mergeBase;
    }
    for (const depth of this.depths()) {
      this.log(`Fetching ${short(a)} and ${short(b)} from ${this.remote} (depth ${depth})`);
      if (!(await this.git.fetchCommits([a, b], { depth, remote: this.remote }))) {
        // The remote refused (no remote, or a SHA it does not have): at least try what is here.
        return (await this.ensureCommits([a, b])) ? this.git.mergeBase(a, b) : undefined;
      }
      const mergeBase = await this.git.mergeBase(a, b);
      if (mergeBase !== undefined) return mergeBase;
      if (!(await this.git.isShallow())) return undefined;
    }
    return undefined;
  }

  /** The last resort: the whole history of the two commits (never of every branch). */
  private async findMergeBaseUnbounded(a: string, b: string): Promise<string | undefined> {
    if (!(await this.isRepository()) || !(await this.ensureCommits([a, b]))) return undefined;
    if (await this.git.isShallow()) {
      this.log(`Fetching the full history of ${short(a)} and ${short(b)} from ${this.remote}`);
      await this.git.succeeds([
        'fetch',
        '--no-tags',
        '--no-recurse-submodules',
        '--quiet',
        '--unshallow',
        this.remote,
        a,
        b,
      ]);
    }
    return this.git.mergeBase(a, b);
  }

  /**
   * The merge base of `head` with a branch of the remote: the branch tip is fetched by refspec
   * at depth 1 (git skips a second fetch of a refspec it already has, even with a deeper
   * `--depth`), then both histories are deepened by SHA.
   */
  private async findMergeBaseWithBranch(branch: string, head: string): Promise<string | undefined> {
    if (!(await this.isRepository()) || !/^[\w./-]+$/.test(branch) || branch.startsWith('-')) return undefined;
    const trackingRef = `refs/remotes/${this.remote}/${branch}`;
    let [tip] = await this.resolveAll([trackingRef]);
    if (tip === undefined) {
      this.log(`Fetching the tip of ${branch} from ${this.remote} (depth 1)`);
      await this.git.succeeds([
        'fetch',
        '--no-tags',
        '--no-recurse-submodules',
        '--quiet',
        '--depth=1',
        this.remote,
        `+refs/heads/${branch}:${trackingRef}`,
      ]);
      [tip] = await this.resolveAll([trackingRef]);
    }
    return tip === undefined ? undefined : this.findMergeBase(tip, head);
  }

  private depths(): number[] {
    const depths: number[] = [];
    for (let depth = 32; depth < this.maxDepth; depth *= 8) depths.push(depth);
    depths.push(this.maxDepth);
    return depths;
  }

  private async apiMergeBase(api: ChangeSetApi, base: string, head: string): Promise<string | undefined> {
    try {
      const mergeBase = await api.mergeBase(base, head);
      if (mergeBase === undefined) this.log(`GitHub found no merge base of ${base} and ${short(head)}`);
      return isSha(mergeBase) ? mergeBase : undefined;
    } catch (error) {
      this.log(`GitHub compare ${base}...${short(head)} failed: ${messageOf(error)}`);
      return undefined;
    }
  }

  private async apiPullFiles(
    api: ChangeSetApi,
    number: number,
    head: string,
    knownPull?: PullInfo,
  ): Promise<{ files: FileChange[]; note: string } | undefined> {
    try {
      const pull = knownPull ?? (await api.getPull(number));
      if (pull === undefined) {
        this.log(`GitHub has no pull request #${number}`);
        return undefined;
      }
      const { files, truncated } = await api.listPullFiles(number, pull.changedFiles);
      if (truncated) {
        this.log(
          `GitHub's files list of #${number} is cut at ${PULL_FILES_API_LIMIT} files` +
            `${pull.changedFiles ? ` (the PR changes ${pull.changedFiles})` : ''}; going back to git`,
        );
        return undefined;
      }
      const stale = pull.headSha !== head ? ` (GitHub lists head ${short(pull.headSha)}, not ${short(head)})` : '';
      return { files, note: `files from the GitHub API${stale}` };
    } catch (error) {
      this.log(`Listing the files of #${number} failed: ${messageOf(error)}`);
      return undefined;
    }
  }

  private async api(): Promise<ChangeSetApi | undefined> {
    if (!this.ports.api) return undefined;
    this.apiPromise ??= this.ports.api();
    try {
      return await this.apiPromise;
    } catch (error) {
      this.log(`The GitHub API is not available: ${messageOf(error)}`);
      return undefined;
    }
  }

  private async defaultBranch(): Promise<string> {
    if (this.options.defaultBranch) return this.options.defaultBranch;
    const fromEvent = this.options.context.payload?.repository?.default_branch;
    if (typeof fromEvent === 'string' && fromEvent !== '') return fromEvent;
    const api = await this.api();
    if (api) {
      try {
        return await api.defaultBranch();
      } catch (error) {
        this.log(`Could not read the default branch: ${messageOf(error)}`);
      }
    }
    return 'main';
  }

  /**
   * The full SHAs of revisions, undefined for each that names no commit here: one
   * `git cat-file --batch-check` for all of them instead of a `rev-parse` each.
   */
  private async resolveAll(revisions: readonly string[]): Promise<(string | undefined)[]> {
    const none = revisions.map(() => undefined);
    if (this.repositoryChecked === false) return none;
    for (const revision of revisions) assertRevision(revision);
    let output: string;
    try {
      output = await this.git.run(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
        input: revisions.map((revision) => `${revision}^{commit}\n`).join(''),
      });
    } catch {
      this.repositoryChecked = await this.git.isRepository();
      return none;
    }
    this.repositoryChecked = true;
    const lines = output.split('\n');
    return revisions.map((_, index) => {
      const [sha, type] = (lines[index] ?? '').split(' ');
      return type === 'commit' ? sha : undefined;
    });
  }

  private async isRepository(): Promise<boolean> {
    this.repositoryChecked ??= await this.git.isRepository();
    return this.repositoryChecked;
  }

  private async requireRepository(): Promise<void> {
    if (!(await this.isRepository())) {
      throw new ConfigError(
        `${this.git.cwd} is not a git repository: check the repository out first (actions/checkout) or set \`working-directory\`.`,
      );
    }
  }

  private log(message: string): void {
    this.ports.log?.(message);
  }
}

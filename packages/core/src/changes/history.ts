/**
 * What every trigger's resolution shares: the commits at hand and how to get missing ones (fetches
 * by SHA at growing depths, never whole branches), merge bases from git or the GitHub API, the
 * API's files list as the last resort, and the diff that makes the change set.
 *
 * Shallow clones (actions/checkout's default depth 1) work unchanged: missing commits are fetched
 * by SHA with a bounded, growing depth. When git cannot get there and an API port is given, the
 * merge base comes from the compare API, and the PR files API is used as a last resort; its
 * 3000-file cap is detected, and then git is asked again without a depth bound rather than
 * returning a partial list.
 */
import { ConfigError, messageOf } from '../errors.js';
import { assertRevision, type FileChange, type Git } from '../git.js';
import { type ChangeSetApi, PULL_FILES_API_LIMIT, type PullInfo } from './api.js';
import { type ChangeSet, type ChangeSetOptions, type ChangeSetPorts, isSha, short } from './change-set.js';
import { everythingChanged } from './everything.js';

/** One resolution of a change set: its options, its ports, and what it learned so far. */
export class History {
  readonly git: Git;
  readonly remote: string;
  private readonly maxDepth: number;
  private apiPromise: Promise<ChangeSetApi> | undefined;
  private repositoryChecked: boolean | undefined;

  constructor(
    readonly options: ChangeSetOptions,
    private readonly ports: ChangeSetPorts,
  ) {
    this.git = ports.git;
    this.remote = options.remote ?? 'origin';
    this.maxDepth = options.maxDepth ?? 2048;
  }

  eventHead(): string | undefined {
    const { context } = this.options;
    const payload = context.payload ?? {};
    const candidates = [payload.pull_request?.head?.sha, payload.merge_group?.head_sha, payload.after, context.sha];
    return candidates.find(isSha);
  }

  async localHead(): Promise<string | undefined> {
    const [head] = await this.resolveAll(['HEAD']);
    return head;
  }

  /** No diff: every filter counts as changed (see everything.ts). */
  everything(reason: string, head: string | undefined): ChangeSet {
    return everythingChanged(reason, isSha(head) ? head : undefined);
  }

  async againstDefaultBranch(head: string, defaultBranch: string, label: string): Promise<ChangeSet> {
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

  async diff(base: string, head: string, reason: string, ensure = true): Promise<ChangeSet> {
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
  async ensureCommits(shas: readonly string[]): Promise<boolean> {
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
  async findMergeBase(a: string, b: string): Promise<string | undefined> {
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
  async findMergeBaseUnbounded(a: string, b: string): Promise<string | undefined> {
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

  async apiMergeBase(api: ChangeSetApi, base: string, head: string): Promise<string | undefined> {
    try {
      const mergeBase = await api.mergeBase(base, head);
      if (mergeBase === undefined) this.log(`GitHub found no merge base of ${base} and ${short(head)}`);
      return isSha(mergeBase) ? mergeBase : undefined;
    } catch (error) {
      this.log(`GitHub compare ${base}...${short(head)} failed: ${messageOf(error)}`);
      return undefined;
    }
  }

  async apiPullFiles(
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

  async api(): Promise<ChangeSetApi | undefined> {
    if (!this.ports.api) return undefined;
    this.apiPromise ??= this.ports.api();
    try {
      return await this.apiPromise;
    } catch (error) {
      this.log(`The GitHub API is not available: ${messageOf(error)}`);
      return undefined;
    }
  }

  async defaultBranch(): Promise<string> {
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

  log(message: string): void {
    this.ports.log?.info(message);
  }
}

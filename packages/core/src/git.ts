/**
 * Git as a plain child process (output collected as Buffers, see `execCollect`), safe for any
 * file name: paths travel NUL-separated (`-z`) in both directions and always after `--`;
 * revisions are checked so that nothing user-supplied can be read as an option.
 */
import type { ChildProcess } from 'node:child_process';
import { ConfigError, InputError } from './errors.js';
import { type ExecOptions, type ExecResult, execCollect, startCollecting, stopChild } from './exec.js';

export type ChangeStatus = 'added' | 'copied' | 'modified' | 'renamed' | 'deleted' | 'type-changed' | 'unmerged';

export interface FileChange {
  status: ChangeStatus;
  path: string;
  /** The source path of a rename or copy. */
  previousPath?: string;
}

/** Every change type git reports between two commits (`unmerged` never appears there). */
export const CHANGE_TYPES = ['added', 'copied', 'modified', 'renamed', 'deleted', 'type-changed'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/**
 * The change types a diff without rename or copy detection reports: a paths-only diff
 * (`diffPaths`) is exactly the paths of every change when all of these count.
 */
export const PLAIN_CHANGE_TYPES: readonly ChangeType[] = ['added', 'modified', 'deleted', 'type-changed'];

/** git's status letters (`--name-status`, `--diff-filter`). */
export const STATUS_LETTERS: Readonly<Record<string, ChangeStatus>> = {
  A: 'added',
  C: 'copied',
  M: 'modified',
  R: 'renamed',
  D: 'deleted',
  T: 'type-changed',
  U: 'unmerged',
};

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** A revision given by a user or an event: a SHA, a ref name, or `HEAD~n`; never an option. */
export function assertRevision(revision: string, input = 'revision'): string {
  if (revision === '' || revision.startsWith('-') || /[\s\0]/.test(revision)) {
    throw new InputError(input, `Input '${input}' must be a commit SHA or ref name, got ${JSON.stringify(revision)}`);
  }
  return revision;
}

export type GitRunner = (args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/**
 * What `Git` puts before every command's arguments, whatever the user's config says: paths
 * unquoted, and no signature lines in `log` and `show` output (`log.showSignature` prints them
 * where a format's fields are expected).
 */
export const GIT_CONFIG_ARGS: readonly string[] = ['-c', 'core.quotepath=off', '-c', 'log.showSignature=false'];

/**
 * The environment git runs with: the process's, and no credential prompt (a fetch must fail, not
 * wait for a password nobody will type).
 */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return { ...(base as Record<string, string>), GIT_TERMINAL_PROMPT: '0' };
}

/**
 * What a diff reports: `renames` (default true) detects renames; `pathsOnly` asks for the paths
 * alone (`--name-only`, no rename detection), for callers that count every change type alike.
 */
export interface DiffOptions {
  renames?: boolean;
  pathsOnly?: boolean;
}

/**
 * The arguments of `Git.diff` and `Git.diffPaths` (after `GIT_CONFIG_ARGS`), for callers that
 * start the diff early. The plumbing `diff-tree`, not `diff`: a user's `diff.orderFile` or
 * `diff.relative` would reorder or shorten what the porcelain lists.
 */
export function diffArgs(base: string, head: string, options: DiffOptions = {}): string[] {
  return [
    'diff-tree',
    '-r',
    options.pathsOnly ? '--name-only' : '--name-status',
    '-z',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--ignore-submodules=none',
    options.renames === false || options.pathsOnly ? '--no-renames' : '-M',
    base,
    head,
    '--',
  ];
}

/**
 * Paths as git listed them (`-z`): decoded, and git's own bytes, each path followed by a NUL, in
 * git's order (ascending by bytes).
 */
export interface PathListing {
  paths: string[];
  bytes: Buffer;
}

/** A git command started ahead of need (see `startGit`). */
export interface StartedGit {
  /** git's arguments after `GIT_CONFIG_ARGS`. */
  args: readonly string[];
  child: ChildProcess;
  /** Collected from the moment of the spawn, so no output and no exit can be missed. */
  result: Promise<ExecResult>;
}

/**
 * Start `git ...GIT_CONFIG_ARGS ...args` now, the way `Git` would, for `Git.adopt` to pick up later.
 * Its output is collected at once: a command that finished before anyone adopted it still answers.
 */
export function startGit(
  cwd: string,
  args: readonly string[],
  environment: NodeJS.ProcessEnv = process.env,
): StartedGit {
  const started = startCollecting('git', [...GIT_CONFIG_ARGS, ...args], { cwd, env: gitEnv(environment) });
  return { args, ...started };
}

export class Git {
  private readonly runGit: GitRunner;
  private readonly adopted = new Map<string, StartedGit>();

  constructor(
    readonly cwd: string,
    runGit?: GitRunner,
  ) {
    this.runGit =
      runGit ??
      ((args, options = {}) =>
        execCollect('git', [...GIT_CONFIG_ARGS, ...args], {
          ...options,
          cwd: options.cwd ?? cwd,
          env: gitEnv(options.env ?? process.env),
        }));
  }

  /**
   * A git command already running in `cwd`, started as `git ...GIT_CONFIG_ARGS ...args` with
   * `gitEnv()` and piped stdout/stderr (say, while the bundle was still loading): the first
   * command of exactly these `args` takes its result instead of starting git again, if it
   * succeeded (a failure, e.g. before a fetch brought the commits, runs the command again). Only
   * a time saver: a command nobody asks for is stopped by `dispose()`.
   */
  adopt(started: StartedGit): void {
    this.adopted.set(started.args.join('\0'), started);
  }

  /** Stop adopted commands that were never used. */
  dispose(): void {
    for (const { child } of this.adopted.values()) {
      stopChild(child);
    }
    this.adopted.clear();
  }

  private async execute(args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    // Only a command run as it was started (no input, directory or environment of its own).
    const plain = options === undefined || (options.input === undefined && options.cwd === undefined && !options.env);
    if (this.adopted.size > 0 && plain) {
      const key = args.join('\0');
      const adopted = this.adopted.get(key);
      if (adopted) {
        this.adopted.delete(key);
        const result = await adopted.result;
        // It may have started before a fetch brought the commits it needs: then ask again.
        if (result.exitCode === 0) return result;
      }
    }
    return this.runGit(args, options);
  }

  /** Run git and return its output; throw a ConfigError carrying git's message on failure. */
  async run(args: readonly string[], options?: ExecOptions): Promise<string> {
    return (await this.runChecked(args, options)).stdout;
  }

  private async runChecked(args: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    const result = await this.execute(args, options);
    if (result.exitCode !== 0) {
      throw new ConfigError(
        `git ${args[0]} failed in ${this.cwd}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
      );
    }
    return result;
  }

  /** Run git and report success instead of throwing. */
  async succeeds(args: readonly string[]): Promise<boolean> {
    return (await this.execute(args)).exitCode === 0;
  }

  async isRepository(): Promise<boolean> {
    return this.succeeds(['rev-parse', '--git-dir']);
  }

  /** The full SHA of a revision, or undefined when it does not name a commit here. */
  async resolveCommit(revision: string): Promise<string | undefined> {
    assertRevision(revision);
    const result = await this.execute(['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`]);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  async hasCommit(sha: string): Promise<boolean> {
    return (await this.resolveCommit(sha)) !== undefined;
  }

  async isShallow(): Promise<boolean> {
    return (await this.run(['rev-parse', '--is-shallow-repository'])).trim() === 'true';
  }

  /**
   * Fetch single commits by SHA (servers allow it for reachable commits) with bounded depth,
   * never whole branches or tags. Returns false when the remote refused.
   */
  async fetchCommits(shas: readonly string[], options: { depth?: number; remote?: string } = {}): Promise<boolean> {
    for (const sha of shas) assertRevision(sha);
    const args = ['fetch', '--no-tags', '--no-recurse-submodules', '--quiet'];
    if (options.depth !== undefined) args.push(`--depth=${options.depth}`);
    args.push(options.remote ?? 'origin', ...shas);
    return this.succeeds(args);
  }

  /** Deepen a shallow history of the given commits by `by` more commits. */
  async deepen(shas: readonly string[], by: number, remote = 'origin'): Promise<boolean> {
    for (const sha of shas) assertRevision(sha);
    return this.succeeds([
      'fetch',
      '--no-tags',
      '--no-recurse-submodules',
      '--quiet',
      `--deepen=${by}`,
      remote,
      ...shas,
    ]);
  }

  /** The best common ancestor, or undefined when history here does not connect the two. */
  async mergeBase(a: string, b: string): Promise<string | undefined> {
    assertRevision(a);
    assertRevision(b);
    const result = await this.execute(['merge-base', '--end-of-options', a, b]);
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  }

  /**
   * The files that differ between two commits, with renames detected unless `renames: false`.
   * Submodule pointer moves are reported as modifications of the submodule path.
   */
  async diff(base: string, head: string, options: { renames?: boolean } = {}): Promise<FileChange[]> {
    assertRevision(base);
    assertRevision(head);
    return parseNameStatus(await this.run(diffArgs(base, head, options)));
  }

  /**
   * Only the paths that differ between two commits, in git's order: a rename is its old and its
   * new path. On a big diff this is about half the work of parsing `diff`'s statuses.
   */
  async diffPaths(base: string, head: string): Promise<PathListing> {
    assertRevision(base);
    assertRevision(head);
    const result = await this.runChecked(diffArgs(base, head, { pathsOnly: true }));
    return { paths: splitNul(result.stdout), bytes: result.stdoutBytes ?? Buffer.from(result.stdout, 'utf8') };
  }

  /** Tracked files (relative to the repository root when `cwd` is the root), optionally limited to paths. */
  async lsFiles(paths: readonly string[] = []): Promise<string[]> {
    return splitNul(await this.run(['ls-files', '-z', '--', ...paths]));
  }

  /** `git log` with the caller's format; paths, when given, come after `--`. */
  async log(args: readonly string[], paths: readonly string[] = []): Promise<string> {
    for (const arg of args) {
      if (!arg.startsWith('-')) assertRevision(arg);
    }
    return this.run(['log', ...args, '--', ...paths]);
  }

  /** The committer time of a commit. */
  async commitDate(revision: string): Promise<Date> {
    assertRevision(revision);
    const seconds = (await this.run(['show', '-s', '--format=%ct', '--end-of-options', revision])).trim();
    return new Date(Number(seconds) * 1000);
  }

  async topLevel(): Promise<string> {
    return (await this.run(['rev-parse', '--show-toplevel'])).trim();
  }
}

/** Parse `git diff --name-status -z` output: `S\0path\0`, or `Rnnn\0old\0new\0` for renames/copies. */
export function parseNameStatus(output: string): FileChange[] {
  const fields = output.split('\0');
  const changes: FileChange[] = [];
  let index = 0;
  while (index < fields.length) {
    const code = fields[index++];
    if (code === undefined || code === '') continue;
    const status = STATUS_LETTERS[code[0] as string];
    if (status === undefined) throw new Error(`Unexpected git status ${JSON.stringify(code)}`);
    if (status === 'renamed' || status === 'copied') {
      const previousPath = fields[index++] as string;
      const path = fields[index++] as string;
      changes.push({ status, path, previousPath });
    } else {
      changes.push({ status, path: fields[index++] as string });
    }
  }
  return changes;
}

/** The entries of NUL-terminated output (`-z`): git never lists an empty one. */
export function splitNul(output: string): string[] {
  const entries = output.split('\0');
  // The terminator of the last entry leaves one empty string at the end.
  if (entries[entries.length - 1] === '') entries.pop();
  return entries;
}

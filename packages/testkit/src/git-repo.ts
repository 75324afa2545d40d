/**
 * Real git repositories for tests: a builder that writes files, commits with fixed identities
 * and dates, branches, and makes bare and shallow clones (`git clone --depth 1` from a local bare
 * repository, the way actions/checkout leaves a runner's workspace).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scratchDir } from './scratch.js';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

/** Run git in `cwd` and return stdout (as a string unless `raw`). */
export function git(
  cwd: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): string {
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...IDENTITY, GIT_CONFIG_NOSYSTEM: '1', ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export interface CommitOptions {
  /** Committer and author date, ISO 8601 (default: a fixed date that advances per commit). */
  date?: string;
  /** Stage everything first (default true). */
  all?: boolean;
}

export class GitRepo {
  private commits = 0;

  private constructor(readonly dir: string) {}

  /** A new repository on branch `main` in a fresh temporary folder (or `dir`). */
  static init(dir?: string, options: { bare?: boolean; branch?: string } = {}): GitRepo {
    const path = dir ?? scratchDir('dynamo-ci-repo-');
    mkdirSync(path, { recursive: true });
    git(path, ['init', '--quiet', `--initial-branch=${options.branch ?? 'main'}`, ...(options.bare ? ['--bare'] : [])]);
    if (!options.bare) {
      git(path, ['config', 'user.name', IDENTITY.GIT_AUTHOR_NAME]);
      git(path, ['config', 'user.email', IDENTITY.GIT_AUTHOR_EMAIL]);
      git(path, ['config', 'commit.gpgsign', 'false']);
      git(path, ['config', 'protocol.file.allow', 'always']);
    }
    return new GitRepo(path);
  }

  /** Wrap an existing working tree. */
  static open(dir: string): GitRepo {
    return new GitRepo(dir);
  }

  git(args: readonly string[], options?: { env?: Record<string, string>; input?: string }): string {
    return git(this.dir, args, options);
  }

  /** Write files (creating folders); a Buffer is written as is. */
  write(files: Record<string, string | Buffer>): this {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    return this;
  }

  remove(...paths: string[]): this {
    for (const path of paths) rmSync(join(this.dir, path), { recursive: true, force: true });
    return this;
  }

  move(from: string, to: string): this {
    mkdirSync(dirname(join(this.dir, to)), { recursive: true });
    renameSync(join(this.dir, from), join(this.dir, to));
    return this;
  }

  symlink(path: string, target: string): this {
    mkdirSync(dirname(join(this.dir, path)), { recursive: true });
    symlinkSync(target, join(this.dir, path));
    return this;
  }

  /** Commit and return the new commit's SHA. */
  commit(message: string, options: CommitOptions = {}): string {
    this.commits++;
    const date = options.date ?? new Date(Date.UTC(2026, 0, 1, 0, this.commits)).toISOString();
    if (options.all !== false) this.git(['add', '--all']);
    this.git(['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message], {
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
    return this.head();
  }

  head(): string {
    return this.git(['rev-parse', 'HEAD']).trim();
  }

  branch(name: string, from = 'HEAD'): this {
    this.git(['branch', '--force', name, from]);
    return this;
  }

  checkout(name: string, options: { create?: boolean } = {}): this {
    this.git(['checkout', '--quiet', ...(options.create ? ['-b'] : []), name]);
    return this;
  }

  /** A bare copy of this repository, standing in for the remote `origin`. */
  bareClone(dir?: string): string {
    const path = dir ?? scratchDir('dynamo-ci-bare-');
    rmSync(path, { recursive: true, force: true });
    git(tmpdir(), ['clone', '--quiet', '--bare', '--', this.dir, path]);
    return path;
  }

  /** Push every branch to a bare repository (creating it when missing) and return its path. */
  pushAll(bare: string): string {
    this.git(['push', '--quiet', '--force', '--', bare, '+refs/heads/*:refs/heads/*']);
    return bare;
  }
}

/**
 * What actions/checkout does with its defaults: a clone of depth 1 of one ref, through the
 * file:// transport (so the server side behaves like a real remote and shallow rules apply).
 */
export function shallowClone(
  bare: string,
  options: { ref?: string; sha?: string; depth?: number; dir?: string } = {},
): GitRepo {
  const dir = options.dir ?? scratchDir('dynamo-ci-checkout-');
  const depth = String(options.depth ?? 1);
  if (options.sha) {
    // actions/checkout on a pull_request: init, fetch the one SHA at depth 1, check it out.
    git(dir, ['init', '--quiet']);
    git(dir, ['remote', 'add', 'origin', `file://${bare}`]);
    git(dir, ['-c', 'protocol.version=2', 'fetch', '--quiet', '--no-tags', `--depth=${depth}`, 'origin', options.sha]);
    git(dir, ['checkout', '--quiet', '--detach', options.sha]);
  } else {
    rmSync(dir, { recursive: true, force: true });
    git(tmpdir(), [
      'clone',
      '--quiet',
      `--depth=${depth}`,
      '--no-tags',
      ...(options.ref ? ['--branch', options.ref] : []),
      `file://${bare}`,
      dir,
    ]);
  }
  git(dir, ['config', 'user.name', IDENTITY.GIT_AUTHOR_NAME]);
  git(dir, ['config', 'user.email', IDENTITY.GIT_AUTHOR_EMAIL]);
  return GitRepo.open(dir);
}

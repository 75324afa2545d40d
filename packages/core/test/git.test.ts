import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo, shallowClone } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  collectOutput,
  diffArgs,
  execCollect,
  Git,
  InputError,
  parseNameStatus,
  type StartedGit,
  splitNul,
  startGit,
} from '../src/index.js';

/** A stand-in process adopted as if it were git. */
function started(args: readonly string[], child: ChildProcess): StartedGit {
  return { args, child, result: collectOutput(child, 'git') };
}

/** Names that break naive shell or line-based handling. */
const HOSTILE = [
  'with space.py',
  `quote'single.py`,
  'quote"double.py',
  '$(touch pwned).py',
  '`touch pwned2`.py',
  '--output=x.py',
  '-n',
  'line\nbreak.py',
  'tab\there.py',
  'ünïcödé/日本語.py',
  'dir with space/inner file.yaml',
  'back\\slash.py',
];

describe('Git on a real repository with hostile file names', () => {
  const repo = GitRepo.init();
  let base = '';
  let head = '';
  beforeAll(() => {
    repo.write(Object.fromEntries(HOSTILE.map((name) => [name, `content of ${name}\n`])));
    repo.write({
      'keep.txt': 'keep\n',
      'rename-me.txt': 'a fairly long content that makes rename detection certain\n',
    });
    base = repo.commit('base');
    repo.write(Object.fromEntries(HOSTILE.map((name) => [name, `changed ${name}\n`])));
    repo.move('rename-me.txt', '--renamed to.txt');
    repo.remove('keep.txt');
    repo.write({ 'new $(id).txt': 'new\n' });
    head = repo.commit('head');
  });

  it('diffs every name exactly, with renames and deletions, and runs nothing', async () => {
    const git = new Git(repo.dir);
    const changes = await git.diff(base, head);
    const byPath = new Map(changes.map((change) => [change.path, change]));
    for (const name of HOSTILE) expect(byPath.get(name)?.status).toBe('modified');
    expect(byPath.get('--renamed to.txt')).toEqual({
      status: 'renamed',
      path: '--renamed to.txt',
      previousPath: 'rename-me.txt',
    });
    expect(byPath.get('keep.txt')?.status).toBe('deleted');
    expect(byPath.get('new $(id).txt')?.status).toBe('added');
    expect(changes).toHaveLength(HOSTILE.length + 3);
    expect(existsSync(join(repo.dir, 'pwned'))).toBe(false);
    expect(existsSync(join(repo.dir, 'pwned2'))).toBe(false);
    expect(existsSync(join(repo.dir, 'x.py'))).toBe(false);
  });

  it('lists only the paths, every name exactly, in the order of the diff without renames', async () => {
    const git = new Git(repo.dir);
    const { paths, bytes } = await git.diffPaths(base, head);
    // git's own bytes: every path, NUL-terminated, in the same order.
    expect(bytes.toString('utf8')).toBe(paths.map((path) => `${path}\0`).join(''));
    expect(paths).toEqual((await git.diff(base, head, { renames: false })).map((change) => change.path));
    expect(paths).toEqual(expect.arrayContaining([...HOSTILE, 'rename-me.txt', '--renamed to.txt', 'keep.txt']));
    expect(paths).toHaveLength(HOSTILE.length + 4);
    expect(await git.diffPaths(head, head)).toEqual({ paths: [], bytes: Buffer.alloc(0) });
    expect(existsSync(join(repo.dir, 'pwned'))).toBe(false);
  });

  it('lists tracked files, and limits to paths given after --', async () => {
    const git = new Git(repo.dir);
    const files = await git.lsFiles();
    for (const name of HOSTILE) expect(files).toContain(name);
    expect(await git.lsFiles(['-n'])).toEqual(['-n']);
    expect(await git.lsFiles(['--output=x.py'])).toEqual(['--output=x.py']);
  });

  it('reads log and merge base and resolves commits', async () => {
    const git = new Git(repo.dir);
    expect(await git.mergeBase(base, head)).toBe(base);
    expect(await git.resolveCommit('HEAD')).toBe(head);
    expect(await git.resolveCommit('0123456789012345678901234567890123456789')).toBeUndefined();
    const log = await git.log(['--format=%H', '-z'], ['line\nbreak.py']);
    expect(log.split('\0').filter(Boolean)).toEqual([head, base]);
    expect((await git.commitDate(head)).toISOString()).toBe('2026-01-01T00:02:00.000Z');
  });

  it('refuses revisions that would be read as options', async () => {
    const git = new Git(repo.dir);
    await expect(git.diff('--output=/tmp/x', head)).rejects.toThrow(InputError);
    await expect(git.mergeBase(base, '-h')).rejects.toThrow(`must be a commit SHA or ref name, got "-h"`);
    await expect(git.fetchCommits(['--upload-pack=touch pwned'])).rejects.toThrow(InputError);
  });
});

describe('Git diffs and user diff configuration', () => {
  it('lists paths from the top, in path order, whatever diff.orderFile and diff.relative say', async () => {
    const repo = GitRepo.init();
    repo.write({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n', 'z.txt': 'z\n' });
    const base = repo.commit('base');
    repo.write({ 'a.txt': 'a2\n', 'sub/b.txt': 'b2\n', 'z.txt': 'z2\n' });
    const head = repo.commit('head');
    writeFileSync(join(repo.dir, '.git', 'order'), 'z.txt\nsub/*\n');
    repo.git(['config', 'diff.orderFile', join(repo.dir, '.git', 'order')]);
    repo.git(['config', 'diff.relative', 'true']);
    const git = new Git(join(repo.dir, 'sub'));
    expect((await git.diffPaths(base, head)).paths).toEqual(['a.txt', 'sub/b.txt', 'z.txt']);
    expect((await git.diff(base, head)).map((change) => change.path)).toEqual(['a.txt', 'sub/b.txt', 'z.txt']);
  });
});

describe('Git in a shallow clone', () => {
  it('fetches single commits by SHA with bounded depth and finds the merge base', async () => {
    const origin = GitRepo.init();
    origin.write({ 'a.txt': '1\n' });
    const root = origin.commit('root');
    origin.write({ 'a.txt': '2\n' });
    const mainTip = origin.commit('main tip');
    origin.checkout('feature', { create: true });
    origin.git(['reset', '--quiet', '--hard', root]);
    origin.write({ 'b.txt': 'feature\n' });
    const featureTip = origin.commit('feature');
    const bare = origin.bareClone();
    const clone = shallowClone(bare, { sha: featureTip });
    const git = new Git(clone.dir);

    expect(await git.isShallow()).toBe(true);
    expect(await git.hasCommit(mainTip)).toBe(false);
    expect(await git.mergeBase(mainTip, featureTip)).toBeUndefined();
    expect(await git.fetchCommits([mainTip], { depth: 1 })).toBe(true);
    expect(await git.hasCommit(mainTip)).toBe(true);
    expect(await git.mergeBase(mainTip, featureTip)).toBeUndefined();
    expect(await git.deepen([mainTip, featureTip], 5)).toBe(true);
    expect(await git.mergeBase(mainTip, featureTip)).toBe(root);
    expect(await git.fetchCommits(['1111111111111111111111111111111111111111'], { depth: 1 })).toBe(false);
    const refs = clone.git(['for-each-ref', '--format=%(refname)']).trim();
    expect(refs).toBe('');
  });
});

describe('splitNul', () => {
  it('splits NUL-terminated entries, names with spaces and newlines kept whole', () => {
    expect(splitNul('')).toEqual([]);
    expect(splitNul('a\0')).toEqual(['a']);
    expect(splitNul('a b\0line\nbreak\0-x\0')).toEqual(['a b', 'line\nbreak', '-x']);
    expect(splitNul('unterminated')).toEqual(['unterminated']);
  });
});

describe('parseNameStatus', () => {
  it('parses every status letter and similarity scores', () => {
    expect(parseNameStatus('M\0a\0R100\0old\0new\0C75\0src\0copy\0D\0gone\0A\0added\0T\0link\0')).toEqual([
      { status: 'modified', path: 'a' },
      { status: 'renamed', path: 'new', previousPath: 'old' },
      { status: 'copied', path: 'copy', previousPath: 'src' },
      { status: 'deleted', path: 'gone' },
      { status: 'added', path: 'added' },
      { status: 'type-changed', path: 'link' },
    ]);
    expect(parseNameStatus('')).toEqual([]);
  });
});

describe('a git command started early (adopt)', () => {
  const repo = GitRepo.init();
  let base = '';
  let head = '';
  beforeAll(() => {
    repo.write({ 'a.txt': '1\n' });
    base = repo.commit('base');
    repo.write({ 'a.txt': '2\n', 'b c.txt': 'new\n' });
    head = repo.commit('head');
  });
  it('gives its result to the first diff of the same commits, then runs git again', async () => {
    const git = new Git(repo.dir);
    // A stand-in whose answer differs from git's proves which process answered.
    const child = spawn('printf', ['A\\0early.txt\\0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    git.adopt(started(diffArgs(base, head), child));
    expect(await git.diff(base, head)).toEqual([{ status: 'added', path: 'early.txt' }]);
    expect(await git.diff(base, head)).toEqual([
      { status: 'modified', path: 'a.txt' },
      { status: 'added', path: 'b c.txt' },
    ]);
  });

  it('startGit starts the very diff Git.diff would run', async () => {
    const git = new Git(repo.dir);
    const early = startGit(repo.dir, diffArgs(base, head));
    git.adopt(early);
    expect(await git.diff(base, head)).toHaveLength(2);
    expect(early.child.exitCode).toBe(0);
  });

  it('still answers when the early command finished long before anyone adopted it', async () => {
    const git = new Git(repo.dir);
    const early = startGit(repo.dir, diffArgs(base, head));
    await new Promise((resolve) => early.child.once('close', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    git.adopt(early);
    expect(await git.diff(base, head)).toHaveLength(2);
  });

  it('is not used for other commands, and dispose() stops it', async () => {
    const git = new Git(repo.dir);
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    git.adopt(started(diffArgs(head, base), child));
    expect(await git.diff(base, head)).toHaveLength(2);
    const closed = new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    git.dispose();
    expect(await closed).toBe('SIGTERM');
  });

  it('runs the command again when the early one failed or could not start', async () => {
    const git = new Git(repo.dir);
    const child = spawn('/nonexistent/git', [], { stdio: ['ignore', 'pipe', 'pipe'] });
    git.adopt(started(['rev-parse', '--is-shallow-repository'], child));
    expect(await git.isShallow()).toBe(false);
    // Started before the commits were here (a fetch came in between): not the answer.
    const early = startGit(repo.dir, diffArgs(base, '1'.repeat(40)));
    git.adopt({ ...early, args: diffArgs(base, head) });
    expect(await git.diff(base, head)).toHaveLength(2);
  });
});

describe('execCollect', () => {
  it('collects big outputs whole, passes stdin, and reports a missing program as exit 127', async () => {
    const big = await execCollect('sh', ['-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo err >&2; exit 3']);
    expect(big).toMatchObject({ exitCode: 3, stdout: 'x'.repeat(3_000_000), stderr: 'err\n' });
    expect(big.stdoutBytes?.equals(Buffer.from(big.stdout))).toBe(true);
    expect((await execCollect('cat', [], { input: 'ünï\0code' })).stdout).toBe('ünï\0code');
    const missing = await execCollect('/nonexistent/program', []);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('cannot run /nonexistent/program');
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo, shallowClone } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { Git, InputError, parseNameStatus } from '../src/index.js';

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

/**
 * The repository is self-contained: no tracked file names an absolute path of somebody's machine (a
 * home folder, a workspace folder), and none cites a document kept outside it. Such a path works
 * on the machine that wrote it and fails, or reads something else, on every other one, a fresh clone
 * first of all; such a citation sends a reader to a document they do not have.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

/**
 * Absolute home and workspace paths. Each must start a path (not follow a letter, digit, `.`, `-`,
 * `~` or `/`), so a relative `scripts/work/x` or the path part of a URL is not one.
 */
const MACHINE_PATHS: readonly RegExp[] = [
  /(?<![\w.~/-])\/work\/\S*/g,
  /(?<![\w.~/-])\/root\/\S*/g,
  // GitHub's hosted runners work in /home/runner/work on every machine: a platform path, not ours.
  /(?<![\w.~/-])\/home\/(?!runner\/)[^\s/'"`]+\/\S*/g,
  /(?<![\w.~/-])\/Users\/[^\s/'"`]+\/\S*/g,
  /\b[A-Za-z]:[\\/]+Users[\\/]+\S*/gi,
];

/** Every machine path in `text`, as `line N: path`. */
function machinePaths(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    for (const pattern of MACHINE_PATHS) {
      for (const match of line.matchAll(pattern)) found.push(`line ${index + 1}: ${match[0]}`);
    }
  });
  return found;
}

/**
 * The documents this project was planned from, which live beside the repository, not in it (the
 * names are put together here so that this file does not cite them either).
 */
const OUTSIDE_DOCUMENTS = ['dynamo-ci', 'peers', 'PR_WORKFLOW', 'STYLE'].map((name) => `${name}.md`);

/** The tracked files (as a fresh clone has them), text only. */
function trackedTextFiles(): { path: string; text: string }[] {
  const paths = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0');
  return paths
    .filter((path) => path !== '')
    .map((path) => ({ path, bytes: readFileSync(join(repoRoot, path)) }))
    .filter(({ bytes }) => !bytes.subarray(0, 8000).includes(0))
    .map(({ path, bytes }) => ({ path, text: bytes.toString('utf8') }));
}

describe('absolute machine paths', () => {
  // Built from pieces, so this file does not name them itself.
  const at = (...parts: string[]) => parts.join('/');

  it.each([
    [`const FILE = '${at('', 'work', 'shared', 'filters.yaml')}';`, `${at('', 'work', 'shared', 'filters.yaml')}';`],
    [`cd ${at('', 'root', 'project')}`, at('', 'root', 'project')],
    [`see ${at('', 'home', 'alice', 'src', 'x.ts')}`, at('', 'home', 'alice', 'src', 'x.ts')],
    [`(${at('', 'Users', 'bob', 'repo')})`, `${at('', 'Users', 'bob', 'repo')})`],
    [`path = "C:${'\\'}Users${'\\'}carol${'\\'}ci"`, `C:${'\\'}Users${'\\'}carol${'\\'}ci"`],
  ])('are caught: %s', (line, path) => {
    expect(machinePaths(`first line\n${line}\n`)).toEqual([`line 2: ${path}`]);
  });

  it.each([
    at('scripts', 'work', 'x.mjs'),
    `https://example.com${at('', 'home', 'docs')}`,
    at('$HOME', 'work', 'x'),
    at('~', 'work', 'x'),
    at('', 'tmp', 'dynamo-ci-job-1', 'workspace'),
    at('', 'home', 'runner', 'work', 'dynamo', 'dynamo'),
    '/homework/',
  ])('leave other paths alone: %s', (text) => {
    expect(machinePaths(text)).toEqual([]);
  });

  it('appear in no tracked file', () => {
    const files = trackedTextFiles();
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap(({ path, text }) => machinePaths(text).map((found) => `${path} ${found}`));
    expect(offenders).toEqual([]);
  });
});

describe('documents outside the repository', () => {
  it('are cited by no tracked file', () => {
    const offenders = trackedTextFiles().flatMap(({ path, text }) =>
      OUTSIDE_DOCUMENTS.filter((name) => text.includes(name)).map((name) => `${path} cites ${name}`),
    );
    expect(offenders).toEqual([]);
  });
});

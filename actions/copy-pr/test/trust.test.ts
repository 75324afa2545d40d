import { describe, expect, it } from 'vitest';
import {
  accountsOf,
  atLeast,
  commitProblems,
  effectivePermission,
  ownBranchHead,
  type PullCommit,
  parseComment,
  vettingMarker,
} from '../src/trust.js';

const head = 'abcdef1234567890abcdef1234567890abcdef12';

describe('parseComment', () => {
  it.each([
    [`/ok to test ${head}`, { kind: 'sha', sha: head }],
    [`\n  /ok to test ${head.toUpperCase()}  \n`, { kind: 'sha', sha: head }],
    [`/ok\tto  test ${head}`, { kind: 'sha', sha: head }],
    [`/ok to test ${head.slice(0, 7)}`, { kind: 'short-sha', sha: head.slice(0, 7) }],
    [`/ok to test ${head.slice(0, 39).toUpperCase()}`, { kind: 'short-sha', sha: head.slice(0, 39) }],
    ['/ok to test abcd', { kind: 'short-sha', sha: 'abcd' }],
    ['/ok to test', { kind: 'missing-sha' }],
    ['/ok to test   ', { kind: 'missing-sha' }],
    ['/ok to test abc', { kind: 'bad-sha', token: 'abc' }],
    [`/ok to test ${head}0`, { kind: 'bad-sha', token: `${head}0` }],
    ['/ok to test main', { kind: 'bad-sha', token: 'main' }],
    ['/ok to test -fdeadbeef', { kind: 'bad-sha', token: '-fdeadbeef' }],
    [`/ok to test ${head.slice(0, 39)}\u200b`, { kind: 'bad-sha', token: `${head.slice(0, 39)}\u200b` }],
    [`/ok to test ${head} please`, { kind: 'not-a-command' }],
    [`/ok to test\n${head}`, { kind: 'not-a-command' }],
    [`/ok to test ${head}\r`, { kind: 'sha', sha: head }],
    [`/ok to test ${head}\r\nthanks`, { kind: 'not-a-command' }],
    [`/Ok to test ${head}`, { kind: 'not-a-command' }],
    [`/ok to testing ${head}`, { kind: 'not-a-command' }],
    [`please /ok to test ${head}`, { kind: 'not-a-command' }],
    [`\`/ok to test ${head}\``, { kind: 'not-a-command' }],
    ['', { kind: 'not-a-command' }],
  ])('%j', (body, expected) => {
    expect(parseComment(body, '/ok to test')).toEqual(expected);
  });
});

describe('commit trust', () => {
  const trusted = (login: string) => ['maintainer', 'lead'].includes(login);
  const commit = (fields: Partial<PullCommit>): PullCommit => ({
    sha: 'c'.repeat(40),
    verified: true,
    author: 'maintainer',
    committer: 'maintainer',
    ...fields,
  });

  it.each([
    ['trusted author and committer, signed', commit({}), true, []],
    [
      'an untrusted author',
      commit({ author: 'stranger' }),
      true,
      [{ kind: 'untrusted', role: 'author', login: 'stranger' }],
    ],
    [
      'an untrusted committer',
      commit({ committer: 'stranger' }),
      true,
      [{ kind: 'untrusted', role: 'committer', login: 'stranger' }],
    ],
    ['an author email of no account', commit({ author: undefined }), true, [{ kind: 'no-account', role: 'author' }]],
    [
      'a committer email of no account',
      commit({ committer: undefined }),
      false,
      [{ kind: 'no-account', role: 'committer' }],
    ],
    ['unsigned when signatures are required', commit({ verified: false }), true, [{ kind: 'unsigned' }]],
    ['unsigned when they are not', commit({ verified: false }), false, []],
    ['a web edit by a trusted author, signed by GitHub', commit({ committer: 'web-flow' }), true, []],
    [
      'a web edit by an untrusted author',
      commit({ author: 'stranger', committer: 'web-flow' }),
      true,
      [{ kind: 'untrusted', role: 'author', login: 'stranger' }],
    ],
    [
      'web-flow as committer without GitHub’s signature',
      commit({ committer: 'web-flow', verified: false }),
      false,
      [{ kind: 'forged-web-flow' }],
    ],
  ] as const)('%s', (_, pullCommit, requireSigned, expected) => {
    expect(commitProblems([pullCommit], trusted, requireSigned)).toEqual(
      expected.map((problem) => ({ sha: pullCommit.sha, ...problem })),
    );
  });

  it('names the accounts to look up: author and committer, never web-flow', () => {
    expect(accountsOf(commit({ author: 'a', committer: 'b' }))).toEqual(['a', 'b']);
    expect(accountsOf(commit({ author: 'a', committer: 'web-flow' }))).toEqual(['a']);
    expect(accountsOf(commit({ author: undefined, committer: undefined }))).toEqual([]);
  });
});

it("recognises a head branch in copy-pr's own namespace, only in this repository", () => {
  expect(ownBranchHead('pull-request/', { sameRepo: true, headRef: 'pull-request/7' })).toBe('pull-request/7');
  expect(ownBranchHead('pull-request/', { sameRepo: false, headRef: 'pull-request/7' })).toBeUndefined();
  expect(ownBranchHead('pull-request/', { sameRepo: true, headRef: 'feature/pull-request/7' })).toBeUndefined();
});

describe('permissions', () => {
  it.each([
    [{ permission: 'write', role_name: 'maintain' }, 'maintain'],
    [{ permission: 'read', role_name: 'triage' }, 'triage'],
    [{ permission: 'write', role_name: 'release-manager' }, 'write'],
    [{ permission: 'admin' }, 'admin'],
    [{ permission: 'weird', role_name: 'odd' }, 'none'],
    [undefined, 'none'],
  ] as const)('%j is %s', (answer, level) => {
    expect(effectivePermission(answer)).toBe(level);
  });

  it('ranks roles', () => {
    expect(atLeast('maintain', 'write')).toBe(true);
    expect(atLeast('write', 'write')).toBe(true);
    expect(atLeast('triage', 'write')).toBe(false);
    expect(atLeast('write', 'admin')).toBe(false);
  });
});

it('builds a per-SHA marker', () => {
  expect(vettingMarker(head)).toBe(`<!-- copy-pr:needs-vetting:${head} -->`);
});

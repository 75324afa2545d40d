import { describe, expect, it } from 'vitest';
import { atLeast, effectivePermission, matchSha, parseComment, unsignedCommits, vettingMarker } from '../src/trust.js';

const head = 'abcdef1234567890abcdef1234567890abcdef12';
const twin = 'abcdef1999999999999999999999999999999999';
const other = '0123456789012345678901234567890123456789';

describe('parseComment', () => {
  it.each([
    [`/ok to test ${head}`, { kind: 'sha', sha: head }],
    [`\n  /ok to test ${head.toUpperCase()}  \n`, { kind: 'sha', sha: head }],
    [`/ok\tto  test ${head.slice(0, 7)}`, { kind: 'sha', sha: head.slice(0, 7) }],
    ['/ok to test', { kind: 'missing-sha' }],
    ['/ok to test   ', { kind: 'missing-sha' }],
    ['/ok to test abcdef', { kind: 'bad-sha', token: 'abcdef' }],
    [`/ok to test ${head}0`, { kind: 'bad-sha', token: `${head}0` }],
    ['/ok to test main', { kind: 'bad-sha', token: 'main' }],
    ['/ok to test -fdeadbeef', { kind: 'bad-sha', token: '-fdeadbeef' }],
    [`/ok to test ${head} please`, { kind: 'not-a-command' }],
    [`/ok to test\n${head}`, { kind: 'not-a-command' }],
    [`/Ok to test ${head}`, { kind: 'not-a-command' }],
    [`/ok to testing ${head}`, { kind: 'not-a-command' }],
    [`please /ok to test ${head}`, { kind: 'not-a-command' }],
    ['', { kind: 'not-a-command' }],
  ])('%j', (body, expected) => {
    expect(parseComment(body, '/ok to test')).toEqual(expected);
  });
});

describe('matchSha', () => {
  it.each([
    ['full head', head, [other, head], { kind: 'head', sha: head }],
    ['full head in upper case', head.toUpperCase(), [head], { kind: 'head', sha: head }],
    ['full non-head', other, [other, head], { kind: 'stale', sha: other }],
    ['short head', head.slice(0, 7), [other, head], { kind: 'head', sha: head }],
    ['short older commit', other.slice(0, 9), [other, head], { kind: 'stale', sha: other }],
    ['short unknown', 'fffffff', [other, head], { kind: 'stale' }],
    ['short prefix of head and another', 'abcdef1', [twin, other, head], { kind: 'ambiguous', matches: 2 }],
    ['longer prefix that tells them apart', 'abcdef12', [twin, other, head], { kind: 'head', sha: head }],
  ] as const)('%s', (_, posted, commits, expected) => {
    expect(matchSha(posted, head, commits)).toEqual(expected);
  });

  it('refuses a short SHA when commits are missing from the list, but not a full one', () => {
    expect(matchSha(head.slice(0, 8), head, [head], 300)).toEqual({ kind: 'unverifiable' });
    expect(matchSha(head, head, [], 300)).toEqual({ kind: 'head', sha: head });
  });
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

it('lists unsigned commits and builds a per-SHA marker', () => {
  expect(
    unsignedCommits([
      { sha: 'a', verified: true },
      { sha: 'b', verified: false, reason: 'unsigned' },
    ]),
  ).toEqual([{ sha: 'b', verified: false, reason: 'unsigned' }]);
  expect(vettingMarker(head)).toBe(`<!-- copy-pr:needs-vetting:${head} -->`);
});

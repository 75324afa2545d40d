import { describe, expect, it } from 'vitest';
import {
  needsReason,
  type Refusal,
  refusalComment,
  refusalReason,
  renderSummary,
  type VettingNeeds,
  vettingComment,
} from '../src/render.js';
import { parseComment } from '../src/trust.js';

const head = 'abcdef1234567890abcdef1234567890abcdef12';
const twin = 'abcdef1999999999999999999999999999999999';
const none: VettingNeeds = { problems: [], notes: {} };

const comment = (needs: VettingNeeds) =>
  vettingComment({ head, branch: 'pull-request/7', command: '/ok to test', requiredRole: 'write', needs });

describe('vettingComment', () => {
  it('carries the marker, says why, and gives the exact command', () => {
    const needs: VettingNeeds = {
      opener: { login: 'outsider', note: 'role read, write or more needed' },
      problems: [
        { kind: 'untrusted', sha: twin, role: 'author', login: 'outsider' },
        { kind: 'unsigned', sha: '1'.repeat(40) },
      ],
      notes: { outsider: 'role read, write or more needed' },
    };
    expect(comment(needs)).toBe(
      [
        `<!-- copy-pr:needs-vetting:${head} -->`,
        `This pull request's head \`${head}\` has not been copied to \`pull-request/7\`, so the CI that runs there ` +
          'has not started:',
        '',
        '- the author, @outsider, is not a trusted author (role read, write or more needed)',
        '- `outsider`, the author of `abcdef199999`, is not trusted (role read, write or more needed)',
        '- commit `111111111111` is not signed',
        '',
        'A maintainer (the `write` role or more) who has reviewed the changes up to this commit starts it by commenting:',
        '',
        '```',
        `/ok to test ${head}`,
        '```',
        '',
        'Every new commit needs a new approval, unless every commit is signed and written by trusted accounts on a ' +
          'branch of this repository.',
      ].join('\n'),
    );
    expect(needsReason(needs)).toBe(
      'needs vetting: outsider is not a trusted author, commits by untrusted accounts (outsider), 1 unsigned commit(s)',
    );
  });

  it.each<[string, VettingNeeds, string, string]>([
    [
      'a fork',
      { ...none, fork: { repo: 'outsider/dynamo' } },
      "the head branch is in the fork `outsider/dynamo`; a fork's pull request is always vetted",
      'needs vetting: the head branch is in the fork outsider/dynamo',
    ],
    [
      'a deleted fork',
      { ...none, fork: { repo: undefined } },
      'the head branch is in a fork that was deleted',
      'needs vetting: the head branch is in a deleted fork',
    ],
    [
      'too many commits',
      { ...none, unlisted: { total: 300, listed: 250 } },
      'the pull request has 300 commits and GitHub lists at most 250',
      'needs vetting: 300 commits, more than the 250 GitHub lists',
    ],
    [
      'no account',
      { ...none, problems: [{ kind: 'no-account', sha: twin, role: 'committer' }] },
      'the author or committer email of commit `abcdef199999` belongs to no GitHub account',
      'needs vetting: 1 commit(s) by emails of no GitHub account',
    ],
    [
      'a forged web-flow committer',
      { ...none, problems: [{ kind: 'forged-web-flow', sha: twin }] },
      "commit `abcdef199999` names GitHub (web-flow) as committer without GitHub's signature",
      'needs vetting: 1 commit(s) falsely committed as web-flow',
    ],
    [
      'own branch',
      { ...none, ownBranch: 'pull-request/3' },
      "the head branch `pull-request/3` is named like copy-pr's own branches",
      "needs vetting: the head branch pull-request/3 is one of copy-pr's own branches",
    ],
  ])('says why for %s', (_, needs, text, reason) => {
    expect(comment(needs)).toContain(`- ${text}`);
    expect(needsReason(needs)).toBe(reason);
  });

  it('lists at most ten commits, once each, and names an account with both roles once', () => {
    const problems = Array.from({ length: 13 }, (_, index) => String(index).padStart(2, '0').repeat(20)).flatMap(
      (sha) => [
        { kind: 'unsigned' as const, sha },
        { kind: 'untrusted' as const, sha, role: 'author' as const, login: 'bob' },
        { kind: 'untrusted' as const, sha, role: 'committer' as const, login: 'bob' },
      ],
    );
    const body = comment({ ...none, problems });
    expect(body).toContain('- commits `000000000000`, `010101010101`, ');
    expect(body).toContain('and 3 more are not signed');
    expect(body).toContain('- `bob`, the author and committer of `000000000000`');
    expect(body.match(/`010101010101`/g)).toHaveLength(2);
    expect(body).not.toContain('`121212121212`');
  });
});

describe('refusals', () => {
  it('explains a stale SHA with the new head', () => {
    const refusal = { kind: 'stale', posted: twin, head, movedWhileChecking: false } as const;
    expect(refusalReason(refusal)).toBe(`${twin} is not the head of the pull request (${head})`);
    expect(refusalComment('vetter', 'pull-request/7', refusal)).toBe(
      `@vetter this commit was not copied to \`pull-request/7\`: \`${twin}\` is not the head of this pull request; ` +
        `the head is now \`${head}\`. Review the changes since the commit you approved, then approve the head.`,
    );
  });

  it('refuses a short SHA, says why, and gives the exact command with the full head', () => {
    const refusal = { kind: 'short-sha', posted: 'abcdef1', command: '/ok to test', head } as const;
    expect(refusalReason(refusal)).toBe('abcdef1 is a short SHA; only the full 40-character SHA is accepted');
    const body = refusalComment('vetter', 'pull-request/7', refusal);
    expect(body).toContain('`abcdef1` is a short SHA, and copy-pr accepts only the full 40-character SHA.');
    expect(body).toContain('pushed after your comment');
    expect(body).not.toContain('does not even start');
    expect(body).toContain(`The head of this pull request is now \`${head}\`. If that is the commit you reviewed`);
    expect(body.endsWith(`\`\`\`\n/ok to test ${head}\n\`\`\``)).toBe(true);
    expect(refusalComment('v', 'b', { ...refusal, posted: '1234567' })).toContain(
      'The head does not even start with `1234567`.',
    );
  });

  it('never echoes markup from the comment', () => {
    const body = refusalComment('v', 'b', { kind: 'bad-sha', token: '`@all`<img>', command: '/ok to test', head });
    expect(body.split('\n')[0]).toBe(
      '@v this commit was not copied to `b`: `??all??img?` is not a full 40-character commit SHA.',
    );
  });

  it('no comment copy-pr writes is itself a command (a personal token comments as a vetter)', () => {
    const refusals: Refusal[] = [
      { kind: 'closed', merged: true },
      { kind: 'not-permitted', user: 'x', role: 'read', required: 'write' },
      { kind: 'missing-sha', command: '/ok to test', head },
      { kind: 'bad-sha', token: 'x', command: '/ok to test', head },
      { kind: 'short-sha', posted: 'abcdef1', command: '/ok to test', head },
      { kind: 'stale', posted: twin, head, movedWhileChecking: true },
      { kind: 'withdrawn', how: 'edited' },
      { kind: 'own-branch', headRef: 'pull-request/1' },
    ];
    const bodies = [
      ...refusals.map((refusal) => refusalComment('v', 'b', refusal)),
      comment({ ...none, unlisted: { total: 3, listed: 2 } }),
    ];
    for (const body of bodies) expect(parseComment(body, '/ok to test'), body).toEqual({ kind: 'not-a-command' });
  });
});

it('renders a summary table with escaped cells', () => {
  const summary = renderSummary({
    action: 'refused',
    reason: 'needs vetting: a|b <x>',
    pr: 7,
    branch: 'pull-request/7',
    sha: head,
    notified: 'asked for vetting',
    warnings: [],
  });
  expect(summary).toContain('| Decision | refused |');
  expect(summary).toContain('| Reason | needs vetting: a\\|b &lt;x&gt; |');
  expect(summary).toContain('| Comment | asked for vetting |');
});

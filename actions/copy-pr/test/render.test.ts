import { describe, expect, it } from 'vitest';
import { refusalComment, refusalReason, renderSummary, vettingComment } from '../src/render.js';

const head = 'abcdef1234567890abcdef1234567890abcdef12';

describe('vettingComment', () => {
  it('carries the marker, says why, and gives the exact command', () => {
    expect(
      vettingComment({
        head,
        branch: 'pull-request/7',
        command: '/ok to test',
        requiredRole: 'write',
        needs: {
          author: 'outsider',
          authorTrusted: false,
          trustNote: 'role read, write or more needed',
          unsigned: [{ sha: '1'.repeat(40), verified: false }],
          signaturesIncomplete: false,
        },
      }),
    ).toBe(
      [
        `<!-- copy-pr:needs-vetting:${head} -->`,
        `This pull request's head \`${head}\` has not been copied to \`pull-request/7\`, so the CI that runs there ` +
          'has not started: the author, @outsider, is not a trusted author (role read, write or more needed); ' +
          'a commit is not signed: `111111111111`.',
        '',
        'A maintainer (the `write` role or more) who has reviewed the changes up to this commit starts it by commenting:',
        '',
        '```',
        `/ok to test ${head}`,
        '```',
        '',
        'Every new commit needs a new approval, unless a trusted author pushes only signed commits.',
      ].join('\n'),
    );
  });

  it('lists at most ten unsigned commits', () => {
    const unsigned = Array.from({ length: 13 }, (_, index) => ({
      sha: String(index).padStart(40, '0'),
      verified: false,
    }));
    const body = vettingComment({
      head,
      branch: 'b',
      command: '/ok to test',
      requiredRole: 'write',
      needs: { author: 'a', authorTrusted: true, unsigned, signaturesIncomplete: false },
    });
    expect(body).toContain('commits are not signed:');
    expect(body).toContain('and 3 more');
    expect(body).not.toContain('not a trusted author');
  });
});

describe('refusals', () => {
  it('explains a stale SHA with the new head', () => {
    const refusal = { kind: 'stale', posted: 'deadbee', head } as const;
    expect(refusalReason(refusal)).toBe(`deadbee is not the head of the pull request (${head})`);
    expect(refusalComment('vetter', 'pull-request/7', refusal)).toBe(
      `@vetter this commit was not copied to \`pull-request/7\`: \`deadbee\` is not the head of this pull request; ` +
        `the head is now \`${head}\`. Review the changes since the commit you approved, then approve the head.`,
    );
  });

  it('never echoes markup from the comment', () => {
    const body = refusalComment('v', 'b', { kind: 'bad-sha', token: '`@all`<img>' });
    expect(body).toBe(
      '@v this commit was not copied to `b`: `??all??img?` is not a commit SHA (7 to 40 hexadecimal characters).',
    );
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

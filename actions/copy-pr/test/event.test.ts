import { ConfigError } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { classifyEvent } from '../src/event.js';

const sha = 'abcdef1234567890abcdef1234567890abcdef12';
const comment = (action: string, body: string, pullRequest = true) => ({
  action,
  issue: { number: 3, ...(pullRequest ? { pull_request: {} } : {}) },
  comment: { id: 11, body, user: { login: 'vetter' }, updated_at: '2026-03-01T10:00:00Z' },
});

describe('classifyEvent', () => {
  it('turns a new command comment on a PR into a vetting request', () => {
    expect(classifyEvent('issue_comment', comment('created', `/ok to test ${sha}`), '/ok to test')).toEqual({
      kind: 'vet',
      pr: 3,
      commenter: 'vetter',
      commentId: 11,
      commentBody: `/ok to test ${sha}`,
      commentUpdatedAt: '2026-03-01T10:00:00Z',
      comment: { kind: 'sha', sha },
    });
  });

  it.each([
    ['edited', `/ok to test ${sha}`, true, 'the comment was edited; only new comments count'],
    ['deleted', `/ok to test ${sha}`, true, 'the comment was deleted; only new comments count'],
    ['created', `/ok to test ${sha}`, false, 'the comment is on an issue, not a pull request'],
    ['created', 'looks good', true, 'the comment is not a /ok to test command'],
  ])('ignores a %s comment %j (on a PR: %s)', (action, body, onPr, reason) => {
    expect(classifyEvent('issue_comment', comment(action, body, onPr), '/ok to test')).toMatchObject({
      kind: 'ignore',
      reason,
    });
  });

  it.each([
    ['opened', { kind: 'sync', pr: 5, eventAction: 'opened' }],
    ['synchronize', { kind: 'sync', pr: 5, eventAction: 'synchronize' }],
    ['reopened', { kind: 'sync', pr: 5, eventAction: 'reopened' }],
    ['closed', { kind: 'close', pr: 5 }],
    ['edited', { kind: 'ignore', pr: 5, reason: 'pull_request_target "edited" does not change the head' }],
  ])('pull_request_target %s', (action, expected) => {
    expect(classifyEvent('pull_request_target', { action, number: 5, pull_request: { number: 5 } }, '/x')).toEqual(
      expected,
    );
  });

  it('refuses other events and incomplete payloads', () => {
    expect(() => classifyEvent('push', {}, '/x')).toThrow(ConfigError);
    expect(() => classifyEvent('pull_request', {}, '/x')).toThrow(/not "pull_request"/);
    expect(() => classifyEvent('pull_request_target', { action: 'opened' }, '/x')).toThrow(/no pull request number/);
    expect(() =>
      classifyEvent('issue_comment', { action: 'created', issue: { number: 1, pull_request: {} } }, '/x'),
    ).toThrow(/no comment id/);
  });
});

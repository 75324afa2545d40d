/**
 * What the triggering event asks of the gate. Pure: the event name and webhook payload in, a
 * request out. Only `issue_comment` (created, on a pull request) and `pull_request_target`
 * are accepted: both run the base repository's workflow with a token that can write, and
 * neither ever needs the PR's code on disk.
 */
import { ConfigError } from '@dynamo-ci/core';
import { type ParsedComment, parseComment } from './trust.js';

export type GateRequest =
  | {
      kind: 'vet';
      pr: number;
      commenter: string;
      commentId: number;
      /** The body and `updated_at` the event carried: read again before the ref moves, they must still hold. */
      commentBody: string;
      commentUpdatedAt: string | undefined;
      comment: Exclude<ParsedComment, { kind: 'not-a-command' }>;
    }
  | { kind: 'sync'; pr: number; eventAction: string }
  | { kind: 'close'; pr: number }
  | { kind: 'ignore'; pr?: number; reason: string };

const SYNC_ACTIONS = new Set(['opened', 'synchronize', 'reopened']);

export function classifyEvent(eventName: string, payload: Record<string, any>, command: string): GateRequest {
  if (eventName === 'issue_comment') return classifyComment(payload, command);
  if (eventName === 'pull_request_target') return classifyPullRequest(payload);
  throw new ConfigError(
    `copy-pr handles the issue_comment and pull_request_target events, not ${JSON.stringify(eventName)}. ` +
      'Call it from a workflow triggered by `issue_comment: {types: [created]}` and ' +
      '`pull_request_target: {types: [opened, synchronize, reopened, closed]}`.',
  );
}

function classifyComment(payload: Record<string, any>, command: string): GateRequest {
  const issue = payload.issue;
  const pr = typeof issue?.number === 'number' ? issue.number : undefined;
  // An edit could turn an old comment into an approval of a commit its author never saw, and
  // a deletion carries the body of a comment that no longer exists: only new comments count.
  if (payload.action !== 'created') {
    return { kind: 'ignore', pr, reason: `the comment was ${payload.action ?? 'changed'}; only new comments count` };
  }
  if (pr === undefined || !issue.pull_request) {
    return { kind: 'ignore', reason: 'the comment is on an issue, not a pull request' };
  }
  const comment = payload.comment;
  const commenter = comment?.user?.login;
  if (typeof commenter !== 'string' || typeof comment?.id !== 'number' || typeof comment?.body !== 'string') {
    throw new ConfigError('The issue_comment event has no comment id, body or author; is the event file complete?');
  }
  const parsed = parseComment(comment.body, command);
  if (parsed.kind === 'not-a-command') {
    return { kind: 'ignore', pr, reason: `the comment is not a ${command} command` };
  }
  return {
    kind: 'vet',
    pr,
    commenter,
    commentId: comment.id,
    commentBody: comment.body,
    commentUpdatedAt: typeof comment.updated_at === 'string' ? comment.updated_at : undefined,
    comment: parsed,
  };
}

function classifyPullRequest(payload: Record<string, any>): GateRequest {
  const pr = payload.pull_request?.number ?? payload.number;
  if (typeof pr !== 'number') {
    throw new ConfigError('The pull_request_target event has no pull request number; is the event file complete?');
  }
  const action = String(payload.action ?? '');
  if (action === 'closed') return { kind: 'close', pr };
  if (SYNC_ACTIONS.has(action)) return { kind: 'sync', pr, eventAction: action };
  return { kind: 'ignore', pr, reason: `pull_request_target "${action}" does not change the head` };
}

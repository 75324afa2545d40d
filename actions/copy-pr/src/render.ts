/**
 * Pure text: the comments copy-pr posts on a pull request and the job summary. Nothing a user
 * typed is echoed except through `code()` (so `@mentions` and markdown stay inert).
 */
import { code, codeBlock, limitSummary, table } from '@dynamo-ci/core';
import type { GateResult } from './gate.js';
import { type CommitSignature, type PermissionLevel, vettingMarker } from './trust.js';

export type Refusal =
  | { kind: 'closed' }
  | { kind: 'not-permitted'; user: string; role: PermissionLevel; required: PermissionLevel }
  | { kind: 'missing-sha'; command: string }
  | { kind: 'bad-sha'; token: string }
  | { kind: 'stale'; posted: string; head: string }
  | { kind: 'ambiguous'; posted: string; matches: number }
  | { kind: 'unverifiable'; posted: string; commitCount: number };

/** The one-line reason, used for the `reason` output and the summary. */
export function refusalReason(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'closed':
      return 'the pull request is closed';
    case 'not-permitted':
      return `${refusal.user} has the ${refusal.role} role; vetting needs ${refusal.required} or more`;
    case 'missing-sha':
      return 'the command names no commit SHA';
    case 'bad-sha':
      return 'the command names something that is not a commit SHA';
    case 'stale':
      return `${refusal.posted} is not the head of the pull request (${refusal.head})`;
    case 'ambiguous':
      return `${refusal.posted} is the prefix of ${refusal.matches} commits of the pull request`;
    case 'unverifiable':
      return `the pull request has ${refusal.commitCount} commits, more than the API lists, so a short SHA cannot be checked`;
  }
}

/** The reply to a vetting comment that was refused. */
export function refusalComment(user: string, branch: string, refusal: Refusal): string {
  const intro = `@${user} this commit was not copied to ${code(branch)}:`;
  switch (refusal.kind) {
    case 'closed':
      return `${intro} the pull request is closed. Reopen it first.`;
    case 'not-permitted':
      return (
        `${intro} vetting a commit needs the ${code(refusal.required)} role or more in this repository ` +
        `(the collaborator permission API reports ${code(refusal.role)}). Ask a maintainer to review and approve it.`
      );
    case 'missing-sha':
      return (
        `${intro} the command must name the exact commit you reviewed: ${code(`${refusal.command} <sha>`)}, ` +
        'with the pull request head SHA (the full SHA, or 7 or more of its first characters).'
      );
    case 'bad-sha':
      // Echo only letters and digits: the word is the commenter's, and this is the bot speaking.
      return `${intro} ${code(refusal.token.slice(0, 60).replace(/[^0-9A-Za-z]/g, '?'))} is not a commit SHA (7 to 40 hexadecimal characters).`;
    case 'stale':
      return (
        `${intro} ${code(refusal.posted)} is not the head of this pull request; the head is now ` +
        `${code(refusal.head)}. Review the changes since the commit you approved, then approve the head.`
      );
    case 'ambiguous':
      return (
        `${intro} ${code(refusal.posted)} is the prefix of ${refusal.matches} commits of this pull request. ` +
        'Use the full 40-character SHA of the head.'
      );
    case 'unverifiable':
      return (
        `${intro} this pull request has ${refusal.commitCount} commits, more than GitHub's API lists, so the ` +
        `short SHA ${code(refusal.posted)} cannot be checked against all of them. Use the full 40-character SHA of the head.`
      );
  }
}

export interface VettingNeeds {
  author: string;
  authorTrusted: boolean;
  /** Why the author is not trusted, e.g. their role. */
  trustNote?: string;
  unsigned: readonly CommitSignature[];
  /** Signatures could not all be checked (more commits than the API lists). */
  signaturesIncomplete: boolean;
}

/** The "needs vetting" comment, once per head SHA (found again by its hidden marker). */
export function vettingComment(options: {
  head: string;
  branch: string;
  command: string;
  needs: VettingNeeds;
  requiredRole: PermissionLevel;
}): string {
  const { head, branch, command, needs, requiredRole } = options;
  const reasons: string[] = [];
  if (!needs.authorTrusted) {
    reasons.push(
      `the author, @${needs.author}, is not a trusted author${needs.trustNote ? ` (${needs.trustNote})` : ''}`,
    );
  }
  if (needs.unsigned.length > 0) {
    const shown = needs.unsigned.slice(0, 10).map((commit) => code(commit.sha.slice(0, 12)));
    const more = needs.unsigned.length > shown.length ? ` and ${needs.unsigned.length - shown.length} more` : '';
    reasons.push(
      `${needs.unsigned.length === 1 ? 'a commit is' : 'commits are'} not signed: ${shown.join(', ')}${more}`,
    );
  }
  if (needs.signaturesIncomplete) reasons.push('the pull request has more commits than the API lists');
  return [
    vettingMarker(head),
    `This pull request's head ${code(head)} has not been copied to ${code(branch)}, so the CI that runs there ` +
      `has not started: ${reasons.join('; ')}.`,
    '',
    `A maintainer (the ${code(requiredRole)} role or more) who has reviewed the changes up to this commit starts it by commenting:`,
    '',
    codeBlock(`${command} ${head}`).trimEnd(),
    '',
    'Every new commit needs a new approval, unless a trusted author pushes only signed commits.',
  ].join('\n');
}

export function renderSummary(result: GateResult): string {
  const rows: (string | number)[][] = [
    ['Decision', result.action],
    ['Reason', result.reason],
  ];
  if (result.pr !== undefined) rows.push(['Pull request', `#${result.pr}`]);
  if (result.branch) rows.push(['Branch', result.branch]);
  if (result.sha) rows.push(['Commit', result.sha]);
  if (result.notified) rows.push(['Comment', result.notified]);
  return limitSummary(`### copy-pr\n\n${table(['', ''], rows)}`);
}

/**
 * The trust gate: decide whether the PR's head may reach `pull-request/<N>` (where the CI with
 * secrets and GPUs runs on push) and move the branch through the refs API, or say why not.
 * It never checks out or runs PR code, so it is safe under `pull_request_target` and
 * `issue_comment`. All I/O goes through the `GatePort`.
 */
import { messageOf } from '@dynamo-ci/core';
import { type MoveOptions, moveBranch } from './branch.js';
import type { GateRequest } from './event.js';
import type { GatePort } from './github.js';
import type { Inputs } from './inputs.js';
import { type Refusal, refusalComment, refusalReason, type VettingNeeds, vettingComment } from './render.js';
import { atLeast, matchSha, unsignedCommits, vettingMarker } from './trust.js';

export type GateAction = 'synced' | 'refused' | 'deleted' | 'ignored';

export interface GateResult {
  action: GateAction;
  reason: string;
  pr?: number;
  branch?: string;
  sha?: string;
  /** What was said on the PR: a reply, a vetting request, or that one was already there. */
  notified?: string;
  warnings: string[];
}

export type GateInputs = Pick<
  Inputs,
  'trustedPermission' | 'trustedTeams' | 'requireSigned' | 'branchPrefix' | 'command'
>;

/** An event the gate has nothing to do for; needs no API call. */
export function ignoredResult(inputs: GateInputs, request: Extract<GateRequest, { kind: 'ignore' }>): GateResult {
  return {
    action: 'ignored',
    reason: request.reason,
    pr: request.pr,
    branch: request.pr === undefined ? undefined : branchName(inputs, request.pr),
    warnings: [],
  };
}

export async function runGate(
  inputs: GateInputs,
  request: Exclude<GateRequest, { kind: 'ignore' }>,
  port: GatePort,
  options: MoveOptions = {},
): Promise<GateResult> {
  const branch = branchName(inputs, request.pr);
  switch (request.kind) {
    case 'vet':
      return vet(inputs, request, branch, port, options);
    case 'sync':
      return sync(inputs, request.pr, branch, port, options);
    case 'close':
      return close(request.pr, branch, port);
  }
}

export function branchName(inputs: Pick<Inputs, 'branchPrefix'>, pr: number): string {
  return `${inputs.branchPrefix}${pr}`;
}

async function vet(
  inputs: GateInputs,
  request: Extract<GateRequest, { kind: 'vet' }>,
  branch: string,
  port: GatePort,
  options: MoveOptions,
): Promise<GateResult> {
  const { pr, commenter } = request;
  const warnings: string[] = [];
  const refuse = async (refusal: Refusal, sha?: string): Promise<GateResult> => {
    await port.createComment(pr, refusalComment(commenter, branch, refusal));
    await react(port, request.commentId, '-1', warnings);
    return { action: 'refused', reason: refusalReason(refusal), pr, branch, sha, notified: 'reply', warnings };
  };

  const pull = await port.getPull(pr);
  if (pull.state !== 'open') return refuse({ kind: 'closed' }, pull.headSha);
  // Write access through the collaborator permission API; `author_association` (MEMBER) is not
  // enough, since an organization member may have no role in this repository.
  const role = await port.permission(commenter);
  if (!atLeast(role, inputs.trustedPermission)) {
    return refuse({ kind: 'not-permitted', user: commenter, role, required: inputs.trustedPermission }, pull.headSha);
  }
  const comment = request.comment;
  if (comment.kind === 'missing-sha') return refuse({ kind: 'missing-sha', command: inputs.command }, pull.headSha);
  if (comment.kind === 'bad-sha') return refuse({ kind: 'bad-sha', token: comment.token }, pull.headSha);

  const commits = comment.sha.length === 40 ? [] : (await port.listPullCommits(pr)).map((commit) => commit.sha);
  const match = matchSha(comment.sha, pull.headSha, commits, comment.sha.length === 40 ? 0 : pull.commitCount);
  switch (match.kind) {
    case 'stale':
      return refuse({ kind: 'stale', posted: comment.sha, head: pull.headSha }, pull.headSha);
    case 'ambiguous':
      return refuse({ kind: 'ambiguous', posted: comment.sha, matches: match.matches }, pull.headSha);
    case 'unverifiable':
      return refuse({ kind: 'unverifiable', posted: comment.sha, commitCount: pull.commitCount }, pull.headSha);
    case 'head':
      break;
  }

  try {
    const moved = await moveBranch(port, branch, match.sha, options);
    await react(port, request.commentId, '+1', warnings);
    const reason = moved.changed
      ? `${commenter} approved ${match.sha}${pull.isFork ? ' (from a fork)' : ''}`
      : `${branch} already points at ${match.sha}`;
    return { action: 'synced', reason, pr, branch, sha: match.sha, warnings };
  } catch (error) {
    // Tell the vetter the approval did not take, then fail the step with the real cause.
    await port
      .createComment(
        pr,
        `@${commenter} copy-pr could not copy ${match.sha} to \`${branch}\` because of a GitHub API error; ` +
          'the run log has the details. Post the command again to retry.',
      )
      .catch(() => undefined);
    throw error;
  }
}

async function sync(
  inputs: GateInputs,
  pr: number,
  branch: string,
  port: GatePort,
  options: MoveOptions,
): Promise<GateResult> {
  const warnings: string[] = [];
  const pull = await port.getPull(pr);
  if (pull.state !== 'open') return { action: 'ignored', reason: 'the pull request is closed', pr, branch, warnings };
  const commits = await port.listPullCommits(pr);
  if (commits.at(-1)?.sha !== pull.headSha) {
    // Pushed again between the two reads: the event of that push decides for the new head.
    return { action: 'ignored', reason: 'the head moved while copy-pr read it', pr, branch, warnings };
  }

  const trust = await authorTrust(inputs, pull.author, port, warnings);
  const unsigned = inputs.requireSigned ? unsignedCommits(commits) : [];
  const signaturesIncomplete = inputs.requireSigned && pull.commitCount > commits.length;
  if (trust.trusted && unsigned.length === 0 && !signaturesIncomplete) {
    const moved = await moveBranch(port, branch, pull.headSha, options);
    const reason = moved.changed
      ? `${pull.author} is trusted${inputs.requireSigned ? ' and every commit is signed' : ''}`
      : `${branch} already points at the head`;
    return { action: 'synced', reason, pr, branch, sha: pull.headSha, warnings };
  }

  // A vetter may have approved this very head before this event was handled.
  if ((await port.getBranch(branch)) === pull.headSha) {
    return {
      action: 'ignored',
      reason: `${branch} already points at the head`,
      pr,
      branch,
      sha: pull.headSha,
      warnings,
    };
  }
  const needs: VettingNeeds = {
    author: pull.author,
    authorTrusted: trust.trusted,
    trustNote: trust.note,
    unsigned,
    signaturesIncomplete,
  };
  const reason = needsReason(needs);
  if (await alreadyAsked(port, pr, vettingMarker(pull.headSha), inputs)) {
    return { action: 'refused', reason, pr, branch, sha: pull.headSha, notified: 'already asked', warnings };
  }
  await port.createComment(
    pr,
    vettingComment({
      head: pull.headSha,
      branch,
      command: inputs.command,
      needs,
      requiredRole: inputs.trustedPermission,
    }),
  );
  return { action: 'refused', reason, pr, branch, sha: pull.headSha, notified: 'asked for vetting', warnings };
}

async function close(pr: number, branch: string, port: GatePort): Promise<GateResult> {
  // A late closed event must not delete the branch of a PR that was reopened (and synced) since.
  if ((await port.getPull(pr)).state === 'open') {
    return { action: 'ignored', reason: 'the pull request was reopened', pr, branch, warnings: [] };
  }
  const before = await port.getBranch(branch);
  if (before === undefined) return { action: 'ignored', reason: `${branch} does not exist`, pr, branch, warnings: [] };
  if (!(await port.deleteBranch(branch))) {
    return { action: 'ignored', reason: `${branch} was already deleted`, pr, branch, warnings: [] };
  }
  return { action: 'deleted', reason: 'the pull request was closed', pr, branch, sha: before, warnings: [] };
}

async function authorTrust(
  inputs: GateInputs,
  author: string,
  port: GatePort,
  warnings: string[],
): Promise<{ trusted: boolean; note?: string }> {
  const role = await port.permission(author);
  if (atLeast(role, inputs.trustedPermission)) return { trusted: true };
  for (const team of inputs.trustedTeams) {
    const answer = await port.teamMembership(team, author);
    if (answer === 'member') return { trusted: true };
    if (answer === 'unknown') {
      warnings.push(
        `Could not read the membership of ${team.org}/${team.slug}: the token needs the organization ` +
          '"Members: read" permission (GITHUB_TOKEN never has it). The author was treated as not a member.',
      );
    }
  }
  const teams = inputs.trustedTeams.length > 0 ? ' and is in none of the trusted teams' : '';
  return { trusted: false, note: `role ${role}, ${inputs.trustedPermission} or more needed${teams}` };
}

/**
 * Whether the "needs vetting" comment for this head is already on the PR. A marker counts when a
 * bot wrote it (an App token's comments; no person can have a `[bot]` login) or someone who may
 * vet (a personal token's comments): so the author cannot silence the request by pasting the
 * marker, and anyone who can may as well approve.
 */
async function alreadyAsked(port: GatePort, pr: number, marker: string, inputs: GateInputs): Promise<boolean> {
  const authors = new Set(
    (await port.listComments(pr)).filter((comment) => comment.body.includes(marker)).map((comment) => comment.login),
  );
  if ([...authors].some((login) => login.endsWith('[bot]'))) return true;
  for (const login of [...authors].slice(0, 5)) {
    if (atLeast(await port.permission(login), inputs.trustedPermission)) return true;
  }
  return false;
}

function needsReason(needs: VettingNeeds): string {
  const parts: string[] = [];
  if (!needs.authorTrusted) parts.push(`${needs.author} is not a trusted author`);
  if (needs.unsigned.length > 0) parts.push(`${needs.unsigned.length} unsigned commit(s)`);
  if (needs.signaturesIncomplete) parts.push('more commits than the API lists');
  return `needs vetting: ${parts.join(', ')}`;
}

async function react(port: GatePort, commentId: number, content: '+1' | '-1', warnings: string[]): Promise<void> {
  try {
    await port.react(commentId, content);
  } catch (error) {
    warnings.push(`Could not react to the comment: ${messageOf(error)}`);
  }
}

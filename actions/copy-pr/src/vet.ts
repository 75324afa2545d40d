/**
 * A vetter's `/ok to test <sha>`: copy exactly that commit to `pull-request/<N>` when the
 * commenter may vet, the SHA is the full 40 characters of the PR's head, and, read again just
 * before the ref moves, the comment still stands unchanged and the head is still that commit.
 */
import { messageOf } from '@dynamo-ci/core';
import { type MoveOptions, moveBranch } from './branch.js';
import type { GateRequest } from './event.js';
import type { GateInputs, GateResult } from './gate.js';
import type { GatePort } from './github.js';
import { type Refusal, refusalComment, refusalReason } from './render.js';
import { atLeast, ownBranchHead } from './trust.js';

type VetRequest = Extract<GateRequest, { kind: 'vet' }>;

export async function vet(
  inputs: GateInputs,
  request: VetRequest,
  branch: string,
  port: GatePort,
  options: MoveOptions,
): Promise<GateResult> {
  const { pr, commenter } = request;
  const warnings: string[] = [];
  const refuse = async (refusal: Refusal, sha: string): Promise<GateResult> => {
    await port.createComment(pr, refusalComment(commenter, branch, refusal));
    // A deleted comment has nothing left to react to.
    if (!(refusal.kind === 'withdrawn' && refusal.how === 'deleted')) {
      await react(port, request.commentId, '-1', warnings);
    }
    return { action: 'refused', reason: refusalReason(refusal), pr, branch, sha, notified: 'reply', warnings };
  };

  const pull = await port.getPull(pr);
  const head = pull.headSha;
  if (pull.state !== 'open') return refuse({ kind: 'closed', merged: pull.merged }, head);
  // The role now, through the collaborator permission API: not the event's `author_association`
  // (MEMBER says nothing about this repository, and the role may have been taken away since).
  const role = await port.permission(commenter);
  if (!atLeast(role, inputs.trustedPermission)) {
    return refuse({ kind: 'not-permitted', user: commenter, role, required: inputs.trustedPermission }, head);
  }
  const comment = request.comment;
  const { command } = inputs;
  if (comment.kind === 'missing-sha') return refuse({ kind: 'missing-sha', command, head }, head);
  if (comment.kind === 'bad-sha') return refuse({ kind: 'bad-sha', token: comment.token, command, head }, head);
  if (comment.kind === 'short-sha') return refuse({ kind: 'short-sha', posted: comment.sha, command, head }, head);
  const approved = comment.sha;
  if (approved !== head) return refuse({ kind: 'stale', posted: approved, head, movedWhileChecking: false }, head);
  const ownBranch = ownBranchHead(inputs.branchPrefix, pull);
  if (ownBranch) return refuse({ kind: 'own-branch', headRef: ownBranch }, head);

  // The last reads before the ref moves (a job starts seconds to minutes after the comment, and a
  // re-run reads everything again): the approval must still stand as written...
  const withdrawn = await withdrawal(port, request);
  if (withdrawn) return refuse({ kind: 'withdrawn', how: withdrawn }, head);
  // ...and the head must still be the approved commit.
  const latest = await port.getPull(pr);
  if (latest.state !== 'open') return refuse({ kind: 'closed', merged: latest.merged }, latest.headSha);
  if (latest.headSha !== approved) {
    return refuse({ kind: 'stale', posted: approved, head: latest.headSha, movedWhileChecking: true }, latest.headSha);
  }

  try {
    const moved = await moveBranch(port, branch, approved, options);
    await react(port, request.commentId, '+1', warnings);
    const reason = moved.changed
      ? `${commenter} approved ${approved}${pull.sameRepo ? '' : ' (from a fork)'}`
      : `${branch} already points at ${approved}`;
    return { action: 'synced', reason, pr, branch, sha: approved, warnings };
  } catch (error) {
    // Tell the vetter the approval did not take, then fail the step with the real cause.
    await port
      .createComment(
        pr,
        `@${commenter} copy-pr could not copy ${approved} to \`${branch}\` because of a GitHub API error; ` +
          'the run log has the details. Post the command again to retry.',
      )
      .catch(() => undefined);
    throw error;
  }
}

/**
 * Whether the approving comment was withdrawn: deleted, or edited (its body or `updated_at` no
 * longer what the event carried; an `edited` event itself never approves anything).
 */
async function withdrawal(port: GatePort, request: VetRequest): Promise<'deleted' | 'edited' | undefined> {
  const now = await port.getComment(request.commentId);
  if (!now) return 'deleted';
  const edited =
    now.body !== request.commentBody ||
    now.login !== request.commenter ||
    (now.issue !== undefined && now.issue !== request.pr) ||
    (request.commentUpdatedAt !== undefined && now.updatedAt !== request.commentUpdatedAt);
  return edited ? 'edited' : undefined;
}

async function react(port: GatePort, commentId: number, content: '+1' | '-1', warnings: string[]): Promise<void> {
  try {
    await port.react(commentId, content);
  } catch (error) {
    warnings.push(`Could not react to the comment: ${messageOf(error)}`);
  }
}

/**
 * Automatic sync on `pull_request_target`: copy the head without a vetter only when the head
 * branch lives in this repository and the PR's opener and every commit's author and committer
 * are trusted (plus verified signatures with `require-signed`). Whoever can push to the head
 * branch decides what it holds, so a fork's head is always vetted. Otherwise ask, once per head
 * SHA, for a vetter.
 */

import { createTrustLookup, untrustedNote } from './accounts.js';
import { type MoveOptions, moveBranch } from './branch.js';
import type { GateInputs, GateResult } from './gate.js';
import type { GatePort, PullInfo } from './github.js';
import { needsReason, nothingNeeded, type VettingNeeds, vettingComment } from './render.js';
import { accountsOf, commitProblems, ownBranchHead, PULL_COMMITS_LIMIT, vettingMarker } from './trust.js';

export async function sync(
  inputs: GateInputs,
  pr: number,
  branch: string,
  port: GatePort,
  options: MoveOptions,
): Promise<GateResult> {
  const warnings: string[] = [];
  const pull = await port.getPull(pr);
  if (pull.state !== 'open') return { action: 'ignored', reason: 'the pull request is closed', pr, branch, warnings };
  const needs = await vettingNeeds(inputs, pull, port, warnings);
  if (needs === 'head moved') {
    // Pushed again between the two reads: the event of that push decides for the new head.
    return { action: 'ignored', reason: 'the head moved while copy-pr read it', pr, branch, warnings };
  }

  if (nothingNeeded(needs)) {
    const moved = await moveBranch(port, branch, pull.headSha, options);
    const reason = moved.changed
      ? `${pull.author} and every commit's author and committer are trusted` +
        (inputs.requireSigned ? ', and every commit is signed' : '')
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
  const reason = needsReason(needs);
  if (await alreadyAsked(port, pr, vettingMarker(pull.headSha), warnings)) {
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

/** What stands between this head and an automatic sync; empty needs when nothing does. */
async function vettingNeeds(
  inputs: GateInputs,
  pull: PullInfo,
  port: GatePort,
  warnings: string[],
): Promise<VettingNeeds | 'head moved'> {
  const needs: VettingNeeds = { problems: [], notes: {} };
  // A fork's head is whatever the fork's writers pushed; nothing on this side vouches for them.
  if (!pull.sameRepo) return { ...needs, fork: { repo: pull.headRepo } };
  const ownBranch = ownBranchHead(inputs.branchPrefix, pull);
  if (ownBranch) return { ...needs, ownBranch };
  if (pull.commitCount > PULL_COMMITS_LIMIT) {
    return { ...needs, unlisted: { total: pull.commitCount, listed: PULL_COMMITS_LIMIT } };
  }

  const commits = await port.listPullCommits(pull.number);
  if (commits.at(-1)?.sha !== pull.headSha) return 'head moved';
  if (commits.length < pull.commitCount) needs.unlisted = { total: pull.commitCount, listed: commits.length };

  const trust = createTrustLookup(inputs, port, warnings);
  const opener = await trust(pull.author);
  if (!opener.trusted) needs.opener = { login: pull.author, note: untrustedNote(opener, inputs) };
  const trusted = new Set<string>();
  const notes: Record<string, string> = {};
  for (const login of new Set(commits.flatMap(accountsOf))) {
    const standing = await trust(login);
    if (standing.trusted) trusted.add(login);
    else notes[login] = untrustedNote(standing, inputs);
  }
  return {
    ...needs,
    problems: commitProblems(commits, (login) => trusted.has(login), inputs.requireSigned),
    notes,
  };
}

/**
 * Whether the "needs vetting" comment for this head is already on the PR. Only a comment that
 * copy-pr itself wrote counts (the account its token or App comments as): anyone else, another
 * bot included, could paste the marker to silence the request. When GitHub will not say which
 * account that is, the request is posted again rather than risk staying silent.
 */
async function alreadyAsked(port: GatePort, pr: number, marker: string, warnings: string[]): Promise<boolean> {
  const marked = (await port.listComments(pr)).filter((comment) => comment.body.startsWith(marker));
  if (marked.length === 0) return false;
  const self = await port.identity();
  if (self === undefined) {
    warnings.push(
      'Could not tell which account copy-pr comments as (GET /user and the GraphQL viewer both failed), so its ' +
        'earlier "needs vetting" comment could not be recognised; it was posted again.',
    );
    return false;
  }
  return marked.some((comment) => comment.login === self);
}

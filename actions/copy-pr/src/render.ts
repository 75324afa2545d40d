/**
 * Pure text: the comments copy-pr posts on a pull request and the job summary. Nothing a user
 * typed is echoed except through `code()` (so `@mentions` and markdown stay inert).
 */
import { code, codeBlock, table } from '@dynamo-ci/core';
import type { GateResult } from './gate.js';
import { type CommitProblem, type PermissionLevel, PULL_COMMITS_LIMIT, vettingMarker } from './trust.js';

export type Refusal =
  | { kind: 'closed'; merged: boolean }
  | { kind: 'not-permitted'; user: string; role: PermissionLevel; required: PermissionLevel }
  | { kind: 'missing-sha'; command: string; head: string }
  | { kind: 'bad-sha'; token: string; command: string; head: string }
  | { kind: 'short-sha'; posted: string; command: string; head: string }
  | { kind: 'stale'; posted: string; head: string; movedWhileChecking: boolean }
  | { kind: 'withdrawn'; how: 'deleted' | 'edited' }
  | { kind: 'own-branch'; headRef: string };

/** The one-line reason, used for the `reason` output and the summary. */
export function refusalReason(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'closed':
      return `the pull request is ${refusal.merged ? 'merged' : 'closed'}`;
    case 'not-permitted':
      return `${refusal.user} has the ${refusal.role} role; vetting needs ${refusal.required} or more`;
    case 'missing-sha':
      return 'the command names no commit SHA';
    case 'bad-sha':
      return 'the command names something that is not a commit SHA';
    case 'short-sha':
      return `${refusal.posted} is a short SHA; only the full 40-character SHA is accepted`;
    case 'stale':
      return refusal.movedWhileChecking
        ? `the head moved to ${refusal.head} while copy-pr checked the approval of ${refusal.posted}`
        : `${refusal.posted} is not the head of the pull request (${refusal.head})`;
    case 'withdrawn':
      return `the approving comment was ${refusal.how} before the branch was moved`;
    case 'own-branch':
      return `the head branch ${refusal.headRef} is one of copy-pr's own branches`;
  }
}

/** The reply to a vetting comment that was refused. */
export function refusalComment(user: string, branch: string, refusal: Refusal): string {
  const intro = `@${user} this commit was not copied to ${code(branch)}:`;
  switch (refusal.kind) {
    case 'closed':
      return `${intro} the pull request is ${refusal.merged ? 'merged' : 'closed'}.${refusal.merged ? '' : ' Reopen it first.'}`;
    case 'not-permitted':
      return (
        `${intro} vetting a commit needs the ${code(refusal.required)} role or more in this repository ` +
        `(the collaborator permission API reports ${code(refusal.role)}). Ask a maintainer to review and approve it.`
      );
    case 'missing-sha':
      return [
        `${intro} the command must name the exact commit you reviewed by its full 40-character SHA.`,
        ...commandHint(refusal.command, refusal.head),
      ].join('\n');
    case 'bad-sha':
      // Echo only letters and digits: the word is the commenter's, and this is the bot speaking.
      return [
        `${intro} ${code(refusal.token.slice(0, 60).replace(/[^0-9A-Za-z]/g, '?'))} is not a full 40-character commit SHA.`,
        ...commandHint(refusal.command, refusal.head),
      ].join('\n');
    case 'short-sha': {
      const prefixOfHead = refusal.head.startsWith(refusal.posted);
      return [
        `${intro} ${code(refusal.posted)} is a short SHA, and copy-pr accepts only the full 40-character SHA. ` +
          'Any commit whose SHA starts with the same characters matches a short SHA, and a second commit with ' +
          'the same first characters can be made in minutes and pushed after your comment.' +
          (prefixOfHead ? '' : ` The head does not even start with ${code(refusal.posted)}.`),
        ...commandHint(refusal.command, refusal.head),
      ].join('\n');
    }
    case 'stale':
      return refusal.movedWhileChecking
        ? `${intro} the head moved to ${code(refusal.head)} while copy-pr checked your approval of ` +
            `${code(refusal.posted)}. Review the new commits, then approve the new head.`
        : `${intro} ${code(refusal.posted)} is not the head of this pull request; the head is now ` +
            `${code(refusal.head)}. Review the changes since the commit you approved, then approve the head.`;
    case 'withdrawn':
      return (
        `${intro} the approving comment was ${refusal.how} before copy-pr moved the branch, so it no longer ` +
        'counts. Post the command again in a new comment to approve.'
      );
    case 'own-branch':
      return (
        `${intro} the head branch ${code(refusal.headRef)} is named like the branches copy-pr moves, so ` +
        'pushing to it would start the CI directly and closing another pull request would delete it. ' +
        'Push the work to a branch with another name and open the pull request from there.'
      );
  }
}

/**
 * The exact command for the current head, for a vetter whose command named no usable SHA. The
 * head is what GitHub reports now, not necessarily the commit they read: say so.
 */
function commandHint(command: string, head: string): string[] {
  return [
    '',
    `The head of this pull request is now ${code(head)}. If that is the commit you reviewed (compare the full ` +
      'SHA on the Commits tab), post:',
    '',
    codeBlock(`${command} ${head}`).trimEnd(),
  ];
}

export interface VettingNeeds {
  /** The head branch is not in this repository; the fork's name, or undefined when it was deleted. */
  fork?: { repo: string | undefined };
  /** The head branch is named like copy-pr's own branches. */
  ownBranch?: string;
  /** Not every commit could be checked: the PR has `total`, GitHub listed `listed` (at most 250). */
  unlisted?: { total: number; listed: number };
  /** The PR's opener, when not trusted, and why. */
  opener?: { login: string; note: string };
  problems: readonly CommitProblem[];
  /** Why each untrusted account named by `problems` is not trusted. */
  notes: Readonly<Record<string, string>>;
}

/** True when nothing stops an automatic sync. */
export function nothingNeeded(needs: VettingNeeds): boolean {
  return (
    !needs.fork && !needs.ownBranch && needs.unlisted === undefined && !needs.opener && needs.problems.length === 0
  );
}

/** The one-line reason for the `reason` output. */
export function needsReason(needs: VettingNeeds): string {
  const parts: string[] = [];
  if (needs.fork)
    parts.push(`the head branch is in ${needs.fork.repo ? `the fork ${needs.fork.repo}` : 'a deleted fork'}`);
  if (needs.ownBranch) parts.push(`the head branch ${needs.ownBranch} is one of copy-pr's own branches`);
  if (needs.unlisted) {
    const { total, listed } = needs.unlisted;
    parts.push(
      total > PULL_COMMITS_LIMIT
        ? `${total} commits, more than the ${PULL_COMMITS_LIMIT} GitHub lists`
        : `GitHub listed ${listed} of the ${total} commits`,
    );
  }
  if (needs.opener) parts.push(`${needs.opener.login} is not a trusted author`);
  const untrusted = untrustedLogins(needs.problems);
  if (untrusted.length > 0) parts.push(`commits by untrusted accounts (${untrusted.join(', ')})`);
  const count = (kind: CommitProblem['kind']) => commitsWith(needs.problems, kind).length;
  if (count('no-account') > 0) parts.push(`${count('no-account')} commit(s) by emails of no GitHub account`);
  if (count('forged-web-flow') > 0) parts.push(`${count('forged-web-flow')} commit(s) falsely committed as web-flow`);
  if (count('unsigned') > 0) parts.push(`${count('unsigned')} unsigned commit(s)`);
  return `needs vetting: ${parts.join(', ')}`;
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
  if (needs.fork) {
    const where = needs.fork.repo ? `the fork ${code(needs.fork.repo)}` : 'a fork that was deleted';
    reasons.push(`the head branch is in ${where}; a fork's pull request is always vetted`);
  }
  if (needs.ownBranch) reasons.push(`the head branch ${code(needs.ownBranch)} is named like copy-pr's own branches`);
  if (needs.unlisted) {
    const { total, listed } = needs.unlisted;
    const why =
      total > PULL_COMMITS_LIMIT
        ? `the pull request has ${total} commits and GitHub lists at most ${PULL_COMMITS_LIMIT}`
        : `GitHub listed only ${listed} of the pull request's ${total} commits`;
    reasons.push(`${why}, so not every author, committer and signature can be checked`);
  }
  if (needs.opener) {
    reasons.push(`the author, @${needs.opener.login}, is not a trusted author (${needs.opener.note})`);
  }
  for (const login of untrustedLogins(needs.problems)) {
    const commits = needs.problems.filter(
      (problem): problem is Extract<CommitProblem, { kind: 'untrusted' }> =>
        problem.kind === 'untrusted' && problem.login === login,
    );
    const roles = [...new Set(commits.map((problem) => problem.role))].join(' and ');
    const note = needs.notes[login] ? ` (${needs.notes[login]})` : '';
    reasons.push(`${code(login)}, the ${roles} of ${shaList(commits)}, is not trusted${note}`);
  }
  const commitsNamed = (commits: readonly CommitProblem[]) =>
    `${commits.length === 1 ? 'commit' : 'commits'} ${shaList(commits)}`;
  const noAccount = commitsWith(needs.problems, 'no-account');
  if (noAccount.length > 0) {
    reasons.push(`the author or committer email of ${commitsNamed(noAccount)} belongs to no GitHub account`);
  }
  const forged = commitsWith(needs.problems, 'forged-web-flow');
  if (forged.length > 0) {
    reasons.push(
      `${commitsNamed(forged)} ${forged.length === 1 ? 'names' : 'name'} GitHub (web-flow) as committer ` +
        "without GitHub's signature",
    );
  }
  const unsigned = commitsWith(needs.problems, 'unsigned');
  if (unsigned.length > 0) reasons.push(`${commitsNamed(unsigned)} ${unsigned.length === 1 ? 'is' : 'are'} not signed`);
  return [
    vettingMarker(head),
    `This pull request's head ${code(head)} has not been copied to ${code(branch)}, so the CI that runs there ` +
      'has not started:',
    '',
    ...reasons.map((reason) => `- ${reason}`),
    '',
    `A maintainer (the ${code(requiredRole)} role or more) who has reviewed the changes up to this commit starts it by commenting:`,
    '',
    codeBlock(`${command} ${head}`).trimEnd(),
    '',
    'Every new commit needs a new approval, unless every commit is signed and written by trusted accounts on a ' +
      'branch of this repository.',
  ].join('\n');
}

function untrustedLogins(problems: readonly CommitProblem[]): string[] {
  return [...new Set(problems.flatMap((problem) => (problem.kind === 'untrusted' ? [problem.login] : [])))];
}

/** One entry per commit (a commit can have two problems of one kind: author and committer). */
function commitsWith(problems: readonly CommitProblem[], kind: CommitProblem['kind']): CommitProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => problem.kind === kind && !seen.has(problem.sha) && seen.add(problem.sha));
}

function shaList(problems: readonly CommitProblem[]): string {
  const shas = [...new Set(problems.map((problem) => problem.sha))];
  const shown = shas.slice(0, 10).map((sha) => code(sha.slice(0, 12)));
  return `${shown.join(', ')}${shas.length > shown.length ? ` and ${shas.length - shown.length} more` : ''}`;
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
  return `### copy-pr\n\n${table(['', ''], rows)}`;
}

/**
 * The pure rules of the gate: who counts as a vetter or a trusted account, which SHA a comment
 * names, and which commits of a PR stop it from syncing without a vetter.
 */

/** Repository roles from least to most; custom roles are ranked by their base permission. */
export const PERMISSION_LEVELS = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** What `GET /repos/{owner}/{repo}/collaborators/{user}/permission` answers. */
export interface CollaboratorPermission {
  /** The legacy field: admin, write, read or none (maintain reads as write, triage as read). */
  permission?: string;
  /** The role: admin, maintain, write, triage, read, or a custom role's name. */
  role_name?: string;
}

/**
 * The user's effective role. `role_name` is exact for the built-in roles; a custom role's name
 * means nothing here, so it falls back to the legacy `permission`, which is its base role.
 */
export function effectivePermission(answer: CollaboratorPermission | undefined): PermissionLevel {
  if (!answer) return 'none';
  for (const candidate of [answer.role_name, answer.permission]) {
    if (candidate && (PERMISSION_LEVELS as readonly string[]).includes(candidate)) return candidate as PermissionLevel;
  }
  return 'none';
}

export function atLeast(actual: PermissionLevel, required: PermissionLevel): boolean {
  return PERMISSION_LEVELS.indexOf(actual) >= PERMISSION_LEVELS.indexOf(required);
}

export type ParsedComment =
  | { kind: 'not-a-command' }
  | { kind: 'missing-sha' }
  | { kind: 'bad-sha'; token: string }
  | { kind: 'short-sha'; sha: string }
  | { kind: 'sha'; sha: string };

/**
 * Whether a comment is the command. The command must be the whole comment (surrounding blank
 * space aside): `<command> <sha>` on one line, the command's words matched with their case as
 * configured and any run of spaces or tabs between words. Anything else (a quote of the
 * command inside a longer comment, a second line) is not a command. Only a full 40-character
 * SHA names one commit: a shorter one is reported as `short-sha` so the reply can say why it is
 * refused.
 */
export function parseComment(body: string, command: string): ParsedComment {
  const line = body.trim();
  if (/[\r\n]/.test(line)) return { kind: 'not-a-command' };
  const words = line.split(/[ \t]+/);
  const commandWords = command.split(' ');
  if (words.length < commandWords.length || commandWords.some((word, index) => words[index] !== word)) {
    return { kind: 'not-a-command' };
  }
  const rest = words.slice(commandWords.length);
  if (rest.length === 0) return { kind: 'missing-sha' };
  if (rest.length > 1) return { kind: 'not-a-command' };
  const token = rest[0] as string;
  if (/^[0-9a-fA-F]{40}$/.test(token)) return { kind: 'sha', sha: token.toLowerCase() };
  if (/^[0-9a-fA-F]{4,39}$/.test(token)) return { kind: 'short-sha', sha: token.toLowerCase() };
  return { kind: 'bad-sha', token };
}

/** A commit of the pull request as the pull commits list reports it. */
export interface PullCommit {
  sha: string;
  /** `commit.verification.verified`: GitHub checked the signature against the committer. */
  verified: boolean;
  reason?: string;
  /** `author.login`: the account GitHub matched to the author email; undefined when none is. */
  author?: string;
  /** `committer.login`, likewise. */
  committer?: string;
}

/** GitHub's cap on the pull request commits list: commits past it cannot be checked. */
export const PULL_COMMITS_LIMIT = 250;

/** GitHub's own committer: web-editor commits, merges and rebases made on github.com, signed by GitHub. */
export const WEB_FLOW = 'web-flow';

/**
 * The accounts that must be trusted for a commit to sync without a vetter: its author and its
 * committer. A `web-flow` committer is GitHub acting for the author, so with GitHub's signature
 * only the author counts; without it the committer email was merely set to GitHub's and the
 * commit is judged by `commitProblems`.
 */
export function accountsOf(commit: PullCommit): string[] {
  const accounts = commit.author ? [commit.author] : [];
  if (commit.committer && commit.committer !== WEB_FLOW) accounts.push(commit.committer);
  return accounts;
}

export type CommitProblem =
  | { kind: 'unsigned'; sha: string }
  | { kind: 'no-account'; sha: string; role: 'author' | 'committer' }
  | { kind: 'untrusted'; sha: string; role: 'author' | 'committer'; login: string }
  | { kind: 'forged-web-flow'; sha: string };

/**
 * Why commits may not sync without a vetter: an author or committer that is no GitHub account
 * (an email nobody claimed) or not trusted, a `web-flow` committer without GitHub's signature,
 * and, when signatures are required, a signature GitHub did not verify. Whoever can push to the
 * head branch writes these fields; only a verified signature ties the committer to an account.
 */
export function commitProblems(
  commits: readonly PullCommit[],
  trusted: (login: string) => boolean,
  requireSigned: boolean,
): CommitProblem[] {
  const problems: CommitProblem[] = [];
  for (const commit of commits) {
    const { sha } = commit;
    if (requireSigned && !commit.verified) problems.push({ kind: 'unsigned', sha });
    if (commit.author === undefined) problems.push({ kind: 'no-account', sha, role: 'author' });
    else if (!trusted(commit.author)) problems.push({ kind: 'untrusted', sha, role: 'author', login: commit.author });
    if (commit.committer === undefined) problems.push({ kind: 'no-account', sha, role: 'committer' });
    else if (commit.committer === WEB_FLOW) {
      if (!commit.verified) problems.push({ kind: 'forged-web-flow', sha });
    } else if (!trusted(commit.committer)) {
      problems.push({ kind: 'untrusted', sha, role: 'committer', login: commit.committer });
    }
  }
  return problems;
}

/**
 * A head branch of this repository named like the branches copy-pr moves (`pull-request/7` as
 * the head of PR 8): a push to it starts the secret-holding CI directly, and closing PR 7 would
 * delete it. Such a PR is never copied.
 */
export function ownBranchHead(branchPrefix: string, pull: { sameRepo: boolean; headRef: string }): string | undefined {
  return pull.sameRepo && pull.headRef.startsWith(branchPrefix) ? pull.headRef : undefined;
}

/** The hidden marker that makes the "needs vetting" comment appear once per head SHA. */
export function vettingMarker(sha: string): string {
  return `<!-- copy-pr:needs-vetting:${sha} -->`;
}

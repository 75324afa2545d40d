/**
 * The pure rules of the gate: who counts as a vetter or a trusted author, which SHA a comment
 * names, and whether a PR's commits are all signed.
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
  | { kind: 'sha'; sha: string };

/**
 * Whether a comment is the command. The command must be the whole comment (surrounding blank
 * space aside): `<command> <sha>` on one line, the command's words matched with their case as
 * configured and any run of spaces or tabs between words. Anything else (a quote of the
 * command inside a longer comment, a second line) is not a command.
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
  if (!/^[0-9a-fA-F]{7,40}$/.test(token)) return { kind: 'bad-sha', token };
  return { kind: 'sha', sha: token.toLowerCase() };
}

export type ShaMatch =
  | { kind: 'head'; sha: string }
  | { kind: 'stale'; sha?: string }
  | { kind: 'ambiguous'; matches: number }
  | { kind: 'unverifiable' };

/**
 * Whether the SHA a vetter posted is the PR's head. A full SHA must equal the head. A short
 * SHA (7+ hex) must be a prefix of the head and of no other commit of the PR: a vetter who
 * reviewed one commit must not approve another that happens to share its prefix. When the PR
 * has more commits than the API lists (the pull commits list stops at 250), a short SHA cannot
 * be checked for ambiguity and is refused as `unverifiable`.
 */
export function matchSha(
  posted: string,
  head: string,
  prCommits: readonly string[],
  totalCommits: number = prCommits.length,
): ShaMatch {
  const wanted = posted.toLowerCase();
  const headSha = head.toLowerCase();
  if (wanted.length === 40) return wanted === headSha ? { kind: 'head', sha: headSha } : { kind: 'stale', sha: wanted };
  const others = prCommits.map((sha) => sha.toLowerCase()).filter((sha) => sha !== headSha && sha.startsWith(wanted));
  if (!headSha.startsWith(wanted)) {
    return others.length === 1 ? { kind: 'stale', sha: others[0] } : { kind: 'stale' };
  }
  if (others.length > 0) return { kind: 'ambiguous', matches: others.length + 1 };
  if (totalCommits > prCommits.length) return { kind: 'unverifiable' };
  return { kind: 'head', sha: headSha };
}

export interface CommitSignature {
  sha: string;
  verified: boolean;
  reason?: string;
}

/** The commits whose signature GitHub did not verify. */
export function unsignedCommits(commits: readonly CommitSignature[]): CommitSignature[] {
  return commits.filter((commit) => !commit.verified);
}

/** The hidden marker that makes the "needs vetting" comment appear once per head SHA. */
export function vettingMarker(sha: string): string {
  return `<!-- copy-pr:needs-vetting:${sha} -->`;
}

/**
 * The action's inputs, parsed once. Pure: raw strings in, a typed object or an InputError out.
 */
import { InputError, inputs, PR_BRANCH_PREFIX } from '@dynamo-ci/core';
import { type AppCredentials, parsePrivateKey } from './app-token.js';
import { PERMISSION_LEVELS, type PermissionLevel } from './trust.js';

export interface Inputs {
  /** The token to use, unless `app` is set (then a token is minted from the App). */
  token: string | undefined;
  app: AppCredentials | undefined;
  /** The least repository role that makes a PR author trusted and lets a commenter vet a commit. */
  trustedPermission: PermissionLevel;
  /** Teams whose members are trusted authors, as `{ org, slug }`. */
  trustedTeams: TeamRef[];
  requireSigned: boolean;
  branchPrefix: string;
  /** The comment command, e.g. `/ok to test`, split into its words. */
  command: string;
}

export interface TeamRef {
  org: string;
  slug: string;
}

/** Vetting code is a write-level decision: lower roles can never be configured as trusted. */
const TRUSTABLE = PERMISSION_LEVELS.filter((level) => ['write', 'maintain', 'admin'].includes(level));

export function parseInputs(read: (name: string) => string | undefined, repositoryOwner: string): Inputs {
  const app = parseApp(read('app-id'), read('app-private-key'));
  const token = inputs.optional(read('token'));
  if (!app && token === undefined) {
    throw new InputError(
      'token',
      "Input required and not supplied: token. Pass a token, or 'app-id' and 'app-private-key' of a GitHub App.",
    );
  }
  return {
    token: app ? undefined : token,
    app,
    trustedPermission: inputs.oneOf(read('trusted-permission'), 'trusted-permission', TRUSTABLE, 'write'),
    trustedTeams: inputs.list(read('trusted-teams')).map((team) => parseTeam(team, repositoryOwner)),
    requireSigned: inputs.boolean(read('require-signed'), 'require-signed', true),
    branchPrefix: parseBranchPrefix(read('branch-prefix')),
    command: parseCommand(read('command')),
  };
}

/** A GitHub App's id (or client id) and private key: both or neither. */
export function parseApp(rawId: string | undefined, rawKey: string | undefined): AppCredentials | undefined {
  const appId = inputs.optional(rawId)?.trim();
  const key = inputs.optional(rawKey);
  if (appId === undefined && key === undefined) return undefined;
  if (appId === undefined) {
    throw new InputError('app-id', "Input 'app-id' is required with 'app-private-key': set the GitHub App's id.");
  }
  if (key === undefined) {
    throw new InputError(
      'app-private-key',
      "Input 'app-private-key' is required with 'app-id': set the App's private key.",
    );
  }
  if (!/^(\d+|Iv[0-9A-Za-z.]+)$/.test(appId)) {
    throw new InputError(
      'app-id',
      `Input 'app-id' must be a GitHub App id (digits) or client id (Iv...), got ${JSON.stringify(appId.slice(0, 40))}`,
    );
  }
  return { appId, privateKey: parsePrivateKey(key) };
}

/** `org/team-slug`, or a bare `team-slug` in the repository owner's organization. */
export function parseTeam(raw: string, repositoryOwner: string): TeamRef {
  const match = /^(?:([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/)?([A-Za-z0-9_.-]+)$/.exec(raw);
  if (!match) {
    throw new InputError(
      'trusted-teams',
      `Input 'trusted-teams' entries must be team slugs like "my-org/maintainers" or "maintainers", got ${JSON.stringify(raw)}`,
    );
  }
  return { org: match[1] ?? repositoryOwner, slug: match[2] as string };
}

/**
 * The prefix of the branch the PR is copied to. The branch is `<prefix><number>`, so the
 * prefix must be a valid start of a git branch name (git check-ref-format rules) and must
 * not be empty: a bare number as a branch name is too easy to collide with.
 */
export function parseBranchPrefix(raw: string | undefined): string {
  const value = inputs.optional(raw)?.trim() ?? PR_BRANCH_PREFIX;
  const invalid =
    value.startsWith('refs/') ||
    value.startsWith('/') ||
    value.startsWith('-') ||
    value.includes('..') ||
    value.includes('//') ||
    value.includes('@{') ||
    value.includes('/.') ||
    value.startsWith('.') ||
    /[\s~^:?*[\\\x00-\x1f\x7f]/.test(value);
  if (invalid) {
    throw new InputError(
      'branch-prefix',
      `Input 'branch-prefix' must be the start of a branch name such as "pull-request/" (no spaces, "..", "~^:?*[\\", no leading "refs/", "/", "-" or "."), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The command a maintainer posts before the SHA: one line, no leading/trailing blanks. */
export function parseCommand(raw: string | undefined): string {
  const value = inputs.optional(raw)?.trim() ?? '/ok to test';
  if (/[\r\n]/.test(value) || value.length > 100) {
    throw new InputError(
      'command',
      `Input 'command' must be a single line of at most 100 characters such as "/ok to test", got ${JSON.stringify(value.slice(0, 120))}`,
    );
  }
  return value.replace(/[ \t]+/g, ' ');
}

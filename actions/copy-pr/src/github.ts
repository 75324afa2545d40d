/**
 * The gate's port to GitHub and its Octokit implementation. Every write the gate makes is a
 * single ref call or a comment/reaction; nothing here fetches, checks out or runs PR code.
 */
import { type GitHubClient, type RepoRef, ServiceError } from '@dynamo-ci/core';
import type { TeamRef } from './inputs.js';
import { effectivePermission, type PermissionLevel, type PullCommit } from './trust.js';

export interface PullInfo {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  headSha: string;
  /** The head branch's name (in `headRepo`). */
  headRef: string;
  /** `owner/repo` of the head branch; undefined when the fork was deleted. */
  headRepo: string | undefined;
  /** The head branch lives in the base repository (not a fork, not another repository). */
  sameRepo: boolean;
  author: string;
  /** How many commits the PR has (the commits list stops at 250). */
  commitCount: number;
}

export interface IssueComment {
  id: number;
  body: string;
  login: string;
}

/** A comment read again by its id, to see whether it still says what the event said. */
export interface CommentNow extends IssueComment {
  updatedAt: string | undefined;
  /** The issue or PR number it is on. */
  issue: number | undefined;
}

export interface PortOptions {
  /** The login copy-pr comments as, when known up front (a GitHub App's `<slug>[bot]`). */
  botLogin?: string;
}

export type TeamAnswer = 'member' | 'not-member' | 'unknown';

export interface GatePort {
  getPull(pr: number): Promise<PullInfo>;
  /** The PR's commits, oldest first (at most 250: GitHub lists no more). */
  listPullCommits(pr: number): Promise<PullCommit[]>;
  /** The user's role in the repository; `none` when they are not a collaborator. */
  permission(user: string): Promise<PermissionLevel>;
  teamMembership(team: TeamRef, user: string): Promise<TeamAnswer>;
  listComments(pr: number): Promise<IssueComment[]>;
  /** A comment as it is now; undefined when it was deleted. */
  getComment(commentId: number): Promise<CommentNow | undefined>;
  /** The login copy-pr's own comments appear under; undefined when GitHub will not say. */
  identity(): Promise<string | undefined>;
  createComment(pr: number, body: string): Promise<void>;
  react(commentId: number, content: '+1' | '-1'): Promise<void>;
  /** The SHA a branch points at, or undefined when it does not exist. */
  getBranch(branch: string): Promise<string | undefined>;
  /** Create a branch; `exists` when another writer created it first. */
  createBranch(branch: string, sha: string): Promise<'created' | 'exists'>;
  /** Force-move a branch; `missing` when it does not exist (any more). */
  updateBranch(branch: string, sha: string): Promise<'updated' | 'missing'>;
  /** Delete a branch; false when it did not exist. */
  deleteBranch(branch: string): Promise<boolean>;
}

/** GitHub answers 422 with this message when a ref is created or moved to an unknown object. */
export const OBJECT_MISSING = /Object does not exist/i;

export function createGatePort(client: GitHubClient, repo: RepoRef, options: PortOptions = {}): GatePort {
  const statusOf = (error: unknown) => (error instanceof ServiceError ? error.status : undefined);
  const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
  let identity: Promise<string | undefined> | undefined;
  return {
    async getPull(pr) {
      const { data } = await client.rest.pulls.get({ ...repo, pull_number: pr });
      const headRepo = data.head.repo?.full_name;
      const baseRepo = data.base.repo?.full_name ?? `${repo.owner}/${repo.repo}`;
      return {
        number: data.number,
        state: data.state === 'closed' ? 'closed' : 'open',
        merged: data.merged === true,
        headSha: data.head.sha.toLowerCase(),
        headRef: data.head.ref,
        headRepo,
        // Repository names are case-insensitive on GitHub; a deleted fork has no head repository.
        sameRepo: headRepo !== undefined && headRepo.toLowerCase() === baseRepo.toLowerCase(),
        author: data.user?.login ?? '',
        commitCount: typeof data.commits === 'number' ? data.commits : 0,
      };
    },
    async listPullCommits(pr) {
      const commits = await client.paginate(client.rest.pulls.listCommits, { ...repo, pull_number: pr, per_page: 100 });
      return commits.map((commit) => ({
        sha: commit.sha.toLowerCase(),
        verified: commit.commit.verification?.verified === true,
        reason: commit.commit.verification?.reason,
        author: commit.author?.login || undefined,
        committer: commit.committer?.login || undefined,
      }));
    },
    async permission(user) {
      try {
        const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: user });
        return effectivePermission(data);
      } catch (error) {
        // 404: not a collaborator (or no such user), which is no permission at all.
        if (statusOf(error) === 404) return 'none';
        throw error;
      }
    },
    async teamMembership(team, user) {
      try {
        const { data } = await client.rest.teams.getMembershipForUserInOrg({
          org: team.org,
          team_slug: team.slug,
          username: user,
        });
        // A pending invitation is not membership.
        return data.state === 'active' ? 'member' : 'not-member';
      } catch (error) {
        if (statusOf(error) === 404) return 'not-member';
        // The workflow's GITHUB_TOKEN cannot read org teams at all (403): fail closed.
        if (statusOf(error) === 403 || statusOf(error) === 401) return 'unknown';
        throw error;
      }
    },
    async listComments(pr) {
      const comments = await client.paginate(client.rest.issues.listComments, {
        ...repo,
        issue_number: pr,
        per_page: 100,
      });
      return comments.map((comment) => ({
        id: comment.id,
        body: comment.body ?? '',
        login: comment.user?.login ?? '',
      }));
    },
    async getComment(commentId) {
      try {
        const { data } = await client.rest.issues.getComment({ ...repo, comment_id: commentId });
        const issue = /\/issues\/(\d+)$/.exec(data.issue_url ?? '')?.[1];
        return {
          id: data.id,
          body: data.body ?? '',
          login: data.user?.login ?? '',
          updatedAt: data.updated_at,
          issue: issue === undefined ? undefined : Number(issue),
        };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    identity() {
      identity ??= options.botLogin ? Promise.resolve(options.botLogin) : whoAmI(client);
      return identity;
    },
    async createComment(pr, body) {
      await client.rest.issues.createComment({ ...repo, issue_number: pr, body });
    },
    async react(commentId, content) {
      await client.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
    },
    async getBranch(branch) {
      try {
        const { data } = await client.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
        // GET git/ref matches a prefix when there is no exact ref and then answers a list.
        if (Array.isArray(data)) return undefined;
        return data.ref === `refs/heads/${branch}` ? data.object.sha : undefined;
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    async createBranch(branch, sha) {
      try {
        await client.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
        return 'created';
      } catch (error) {
        if (statusOf(error) === 422 && /already exists/i.test(messageOf(error))) return 'exists';
        throw error;
      }
    },
    async updateBranch(branch, sha) {
      try {
        await client.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true });
        return 'updated';
      } catch (error) {
        if (
          statusOf(error) === 422 &&
          /does not exist/i.test(messageOf(error)) &&
          !OBJECT_MISSING.test(messageOf(error))
        ) {
          return 'missing';
        }
        throw error;
      }
    },
    async deleteBranch(branch) {
      try {
        await client.rest.git.deleteRef({ ...repo, ref: `heads/${branch}` });
        return true;
      } catch (error) {
        const status = statusOf(error);
        if (status === 404 || (status === 422 && /does not exist/i.test(messageOf(error)))) return false;
        throw error;
      }
    },
  };
}

/**
 * The account a token acts as. `GET /user` answers for personal tokens; installation tokens (the
 * workflow's GITHUB_TOKEN, an App's) get 403 there, and the GraphQL `viewer` names their bot.
 */
async function whoAmI(client: GitHubClient): Promise<string | undefined> {
  try {
    const { data } = await client.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    const status = error instanceof ServiceError ? error.status : undefined;
    if (status !== 401 && status !== 403) throw error;
  }
  try {
    const answer = await client.graphql<{ viewer?: { login?: string } }>('query { viewer { login } }');
    return answer.viewer?.login || undefined;
  } catch {
    return undefined;
  }
}

/**
 * What change-set resolution asks GitHub (a pull request, a merge base, a PR's files, the
 * default branch), and its implementation over the retrying Octokit client.
 */
import { ServiceError } from '../errors.js';
import type { ChangeStatus, FileChange } from '../git.js';
import { createGitHubClient, type GitHubClient, type RepoRef } from '../github.js';

/** What change-set resolution needs from GitHub; `createChangeSetApi` implements it over Octokit. */
export interface ChangeSetApi {
  /** The pull request, or undefined when GitHub says 404. */
  getPull(number: number): Promise<PullInfo | undefined>;
  /** GitHub's merge base of `base...head` (either may be a branch name or a SHA). */
  mergeBase(base: string, head: string): Promise<string | undefined>;
  /** The PR's files, every page; `truncated` when GitHub's 3000-file cap cut the list short. */
  listPullFiles(number: number, expectedCount?: number): Promise<{ files: FileChange[]; truncated: boolean }>;
  defaultBranch(): Promise<string>;
}

export interface PullInfo {
  number: number;
  baseRef: string;
  baseSha: string;
  headSha: string;
  /** GitHub's count of changed files (may exceed what the files API returns). */
  changedFiles?: number;
}

/** A `ChangeSetApi` over the retrying Octokit client of `createGitHubClient`. */
export function changeSetApi(client: GitHubClient, repo: RepoRef): ChangeSetApi {
  return {
    async getPull(number) {
      try {
        const { data } = await client.rest.pulls.get({ ...repo, pull_number: number });
        return {
          number,
          baseRef: data.base.ref,
          baseSha: data.base.sha,
          headSha: data.head.sha,
          changedFiles: typeof data.changed_files === 'number' ? data.changed_files : undefined,
        };
      } catch (error) {
        if (error instanceof ServiceError && error.status === 404) return undefined;
        throw error;
      }
    },
    async mergeBase(base, head) {
      try {
        const { data } = await client.rest.repos.compareCommitsWithBasehead({
          ...repo,
          basehead: `${base}...${head}`,
          per_page: 1,
        });
        return data.merge_base_commit?.sha || undefined;
      } catch (error) {
        if (error instanceof ServiceError && error.status === 404) return undefined;
        throw error;
      }
    },
    async listPullFiles(number, expectedCount) {
      const raw = await client.paginate(client.rest.pulls.listFiles, { ...repo, pull_number: number, per_page: 100 });
      const files: FileChange[] = [];
      for (const file of raw) {
        const change = fromApiFile(file);
        if (change) files.push(change);
      }
      const truncated =
        raw.length >= PULL_FILES_API_LIMIT || (expectedCount !== undefined && raw.length < expectedCount);
      return { files, truncated };
    },
    async defaultBranch() {
      const { data } = await client.rest.repos.get({ ...repo });
      return data.default_branch;
    },
  };
}

/** `changeSetApi` with its own client: what an action passes as `ports.api`. */
export async function createChangeSetApi(
  token: string,
  repo: RepoRef,
  options: Parameters<typeof createGitHubClient>[1] = {},
): Promise<ChangeSetApi> {
  return changeSetApi(await createGitHubClient(token, options), repo);
}

/** GitHub's pull request files list stops here, silently. */
export const PULL_FILES_API_LIMIT = 3000;

const API_STATUS: Record<string, ChangeStatus | undefined> = {
  added: 'added',
  removed: 'deleted',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'copied',
  changed: 'type-changed',
  unchanged: undefined,
};

function fromApiFile(file: { filename: string; status: string; previous_filename?: string }): FileChange | undefined {
  const status = API_STATUS[file.status];
  if (status === undefined) return undefined;
  if ((status === 'renamed' || status === 'copied') && file.previous_filename) {
    return { status, path: file.filename, previousPath: file.previous_filename };
  }
  return { status, path: file.filename };
}

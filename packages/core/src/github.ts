/**
 * The GitHub side: the run's context read from the environment at call time (never at import
 * time), and an Octokit client created lazily with retries that honour `Retry-After`, primary
 * rate-limit resets and secondary rate limits.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, ServiceError } from './errors.js';
import { retry, sleep } from './retry.js';
import { env, type Logger } from './runner.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface GitHubContext {
  eventName: string;
  /** The webhook payload of the triggering event (`{}` when there is none). */
  payload: Record<string, any>;
  repo: RepoRef;
  sha: string | undefined;
  ref: string | undefined;
  actor: string | undefined;
  workflow: string | undefined;
  /** `owner/repo/.github/workflows/file.yml@refs/heads/main` */
  workflowRef: string | undefined;
  job: string | undefined;
  runId: number | undefined;
  runAttempt: number;
  serverUrl: string;
  apiUrl: string;
  workspace: string;
}

/** Read the run's context from the `GITHUB_*` variables and the event file, now. */
export function readContext(): GitHubContext {
  const eventPath = env('GITHUB_EVENT_PATH');
  let payload: Record<string, any> = {};
  if (eventPath) {
    try {
      payload = JSON.parse(readFileSync(eventPath, 'utf8'));
    } catch (error) {
      throw new ConfigError(`GITHUB_EVENT_PATH ${eventPath} is not a readable JSON event: ${String(error)}`);
    }
  }
  const repository = env('GITHUB_REPOSITORY') ?? payload.repository?.full_name ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  const runId = env('GITHUB_RUN_ID');
  return {
    eventName: env('GITHUB_EVENT_NAME') ?? '',
    payload,
    repo: { owner, repo },
    sha: env('GITHUB_SHA'),
    ref: env('GITHUB_REF'),
    actor: env('GITHUB_ACTOR'),
    workflow: env('GITHUB_WORKFLOW'),
    workflowRef: env('GITHUB_WORKFLOW_REF'),
    job: env('GITHUB_JOB'),
    runId: runId ? Number(runId) : undefined,
    runAttempt: Number(env('GITHUB_RUN_ATTEMPT') ?? '1'),
    serverUrl: env('GITHUB_SERVER_URL') ?? 'https://github.com',
    apiUrl: env('GITHUB_API_URL') ?? 'https://api.github.com',
    workspace: env('GITHUB_WORKSPACE') ?? process.cwd(),
  };
}

/** The URL of the current run's page, or undefined outside a run. */
export function runUrl(context: GitHubContext): string | undefined {
  if (context.runId === undefined || !context.repo.owner) return undefined;
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
}

export type GitHubClient = Awaited<ReturnType<typeof createGitHubClient>>;

export interface GitHubClientOptions {
  /** Defaults to `GITHUB_API_URL`, read when the client is created. */
  baseUrl?: string;
  /** Attempts per request, including the first. */
  attempts?: number;
  /** Longest single wait this client accepts for a rate-limit reset or Retry-After. */
  maxWaitMs?: number;
  baseDelayMs?: number;
  /** Where retries are reported. */
  log?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * An Octokit (REST methods + pagination) whose every request goes through `retry`. Loaded with a
 * dynamic import so actions that never call GitHub do not pay for Octokit at start-up.
 */
export async function createGitHubClient(token: string, options: GitHubClientOptions = {}) {
  if (!token) throw new ConfigError('A GitHub token is required: pass `token: ${{ github.token }}`.');
  const { GitHub, getOctokitOptions } = await import('@actions/github/lib/utils');
  const baseUrl = (options.baseUrl ?? env('GITHUB_API_URL') ?? 'https://api.github.com').replace(/\/$/, '');
  const octokit = new GitHub(getOctokitOptions(token, { baseUrl }));
  const policy = {
    attempts: options.attempts ?? 5,
    maxWaitMs: options.maxWaitMs ?? 120_000,
    baseDelayMs: options.baseDelayMs ?? 1000,
  };
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const { method, url } = octokit.request.endpoint.parse(requestOptions);
    const label = `${method} ${url.replace(baseUrl, '').split('?')[0]}`;
    try {
      return await retry(async () => request(requestOptions), {
        attempts: policy.attempts,
        baseDelayMs: policy.baseDelayMs,
        decide: (error) => retryDecision(error, policy.maxWaitMs),
        onRetry: (error, attempt, delayMs) =>
          options.log?.info(
            `GitHub ${label}: ${describeStatus(error)}; retry ${attempt} in ${Math.round(delayMs / 100) / 10}s`,
          ),
        sleep: options.sleep ?? sleep,
      });
    } catch (error) {
      throw toServiceError(error, label);
    }
  });
  return octokit;
}

interface HttpErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * GitHub's retry rules: 429 and secondary rate limits carry `Retry-After` (or mean "wait a
 * minute"); a primary 403 limit has `x-ratelimit-remaining: 0` and a reset time; 5xx and network
 * errors are transient. Any other 4xx is final.
 */
export function retryDecision(
  error: unknown,
  maxWaitMs: number,
  now = Date.now(),
): { retry: boolean; delayMs?: number } {
  const { status, response, message = '' } = error as HttpErrorLike;
  const headers = response?.headers ?? {};
  const retryAfter = headers['retry-after'];
  // Octokit reports a connection failure as status 500 without a response.
  if (status === undefined || !response) return { retry: true };
  if (
    status === 429 ||
    (status === 403 && /secondary rate limit|abuse/i.test(message + JSON.stringify(response?.data ?? '')))
  ) {
    const delayMs = retryAfter !== undefined ? Number(retryAfter) * 1000 : 60_000;
    return delayMs <= maxWaitMs ? { retry: true, delayMs } : { retry: false };
  }
  if (status === 403 && String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    const delayMs = Number.isFinite(reset) ? Math.max(0, reset * 1000 - now) + 1000 : 60_000;
    return delayMs <= maxWaitMs ? { retry: true, delayMs } : { retry: false };
  }
  if (status >= 500) return { retry: true };
  return { retry: false };
}

function describeStatus(error: unknown): string {
  const { status, message } = error as HttpErrorLike;
  return status === undefined ? `network error (${message})` : `HTTP ${status}`;
}

function toServiceError(error: unknown, label: string): Error {
  const { status, message = String(error), response } = error as HttpErrorLike;
  if (!response) {
    return new ServiceError(`GitHub API ${label} failed: ${message}`);
  }
  const headers = response?.headers ?? {};
  let hint = '';
  if (status === 401) hint = ' Check that the token is valid.';
  else if (status === 403 && String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    hint = ` The API rate limit is exhausted${Number.isFinite(reset) ? ` until ${new Date(reset * 1000).toISOString()}` : ''}.`;
  } else if (status === 403) hint = ' Check the token and the workflow `permissions:`.';
  else if (status === 404) hint = ' Check the repository, number or SHA, and that the token can see it.';
  return new ServiceError(`GitHub API ${label} failed with HTTP ${status}: ${firstLine(message)}.${hint}`, status);
}

/** GitHub's message without Octokit's " - <documentation_url>" suffix. */
function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '')
    .replace(/ - https:\/\/docs\.github\.com\S*$/, '')
    .replace(/\.$/, '')
    .slice(0, 300);
}

/** A job of a workflow run, as the Actions jobs API lists it (one entry per matrix leg). */
export interface RunJob {
  name: string;
  status: string;
  conclusion: string | null;
  url?: string;
  runnerName?: string;
}

/**
 * Every job of a run's latest attempt, 100 per request (the API's maximum, so a 1000-job run takes
 * 10 requests). `filter: latest` leaves out jobs of earlier attempts that a re-run replaced.
 */
export async function listRunJobs(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<RunJob[]> {
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
    ...repo,
    run_id: runId,
    filter: 'latest',
    per_page: 100,
  });
  return jobs.map((job) => ({
    name: job.name,
    status: job.status,
    conclusion: job.conclusion ?? null,
    url: job.html_url ?? undefined,
    runnerName: job.runner_name ?? undefined,
  }));
}

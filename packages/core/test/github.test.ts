import { FakeGitHub } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient, ServiceError } from '../src/index.js';

describe('GitHub client against the fake GitHub API', () => {
  let fake: FakeGitHub;
  const waits: number[] = [];
  const client = () =>
    createGitHubClient('ghs_test', { baseUrl: fake.url, sleep: async (ms) => void waits.push(ms), attempts: 4 });

  beforeAll(async () => {
    fake = await FakeGitHub.start();
    fake.setJobs(
      7,
      Array.from({ length: 1000 }, (_, index) => ({ name: `job ${index}` })),
    );
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.clearFaults();
    fake.requests.length = 0;
    waits.length = 0;
  });

  it('paginates a 1000-job run in 10 requests', async () => {
    const octokit = await client();
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
      owner: 'ai-dynamo',
      repo: 'dynamo',
      run_id: 7,
      per_page: 100,
    });
    expect(jobs).toHaveLength(1000);
    expect(new Set(jobs.map((job) => job.name)).size).toBe(1000);
    expect(fake.requests).toHaveLength(10);
    expect(fake.requests[0]?.headers.authorization).toBe('token ghs_test');
  });

  it('waits for Retry-After on 429 and then succeeds', async () => {
    fake.fault({ path: '/repos/ai-dynamo/dynamo', status: 429, times: 2, headers: { 'retry-after': '3' } });
    const octokit = await client();
    const { data } = await octokit.rest.repos.get({ owner: 'ai-dynamo', repo: 'dynamo' });
    expect(data.default_branch).toBe('main');
    expect(waits).toEqual([3000, 3000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('waits for the reset of an exhausted primary rate limit', async () => {
    const reset = Math.floor(Date.now() / 1000) + 5;
    fake.fault({
      path: '/repos/ai-dynamo/dynamo',
      status: 403,
      times: 1,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
    });
    const octokit = await client();
    await octokit.rest.repos.get({ owner: 'ai-dynamo', repo: 'dynamo' });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(3000);
    expect(waits[0]).toBeLessThanOrEqual(6000);
  });

  it('retries a secondary rate limit with its Retry-After', async () => {
    fake.fault({
      path: '/repos/ai-dynamo/dynamo',
      status: 403,
      times: 1,
      headers: { 'retry-after': '2' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
    });
    const octokit = await client();
    await octokit.rest.repos.get({ owner: 'ai-dynamo', repo: 'dynamo' });
    expect(waits).toEqual([2000]);
  });

  it('retries 5xx with backoff and gives up with a clear message', async () => {
    fake.fault({ path: '/repos/ai-dynamo/dynamo', status: 502, times: 2 });
    const octokit = await client();
    await octokit.rest.repos.get({ owner: 'ai-dynamo', repo: 'dynamo' });
    expect(waits).toHaveLength(2);

    fake.fault({ path: '/repos/ai-dynamo/dynamo/pulls/1', status: 503 });
    const failure = octokit.rest.pulls.get({ owner: 'ai-dynamo', repo: 'dynamo', pull_number: 1 });
    await expect(failure).rejects.toThrow(ServiceError);
    await expect(failure).rejects.toThrow(/^GitHub API GET \/repos\/ai-dynamo\/dynamo\/pulls\/1 failed with HTTP 503/);
    expect(fake.seen('GET', '/repos/ai-dynamo/dynamo/pulls/1')).toHaveLength(4);
  });

  it('fails at once on 404 and on a rate limit that resets too late, saying what to check', async () => {
    const octokit = await client();
    await expect(octokit.rest.pulls.get({ owner: 'ai-dynamo', repo: 'dynamo', pull_number: 404 })).rejects.toThrow(
      /failed with HTTP 404: Not Found\. Check the repository, number or SHA, and that the token can see it\./,
    );
    fake.fault({
      path: '/repos/ai-dynamo/dynamo',
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      body: { message: 'API rate limit exceeded' },
    });
    await expect(octokit.rest.repos.get({ owner: 'ai-dynamo', repo: 'dynamo' })).rejects.toThrow(
      /HTTP 403: API rate limit exceeded\. The API rate limit is exhausted until \d{4}-/,
    );
    expect(waits).toEqual([]);
  });

  it('reports a network failure clearly', async () => {
    const closed = await FakeGitHub.start();
    await closed.close();
    const octokit = await createGitHubClient('t', {
      baseUrl: closed.url,
      attempts: 2,
      sleep: async () => void waits.push(1),
    });
    await expect(octokit.rest.repos.get({ owner: 'o', repo: 'r' })).rejects.toThrow(
      /^GitHub API GET \/repos\/o\/r failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/,
    );
    expect(waits).toEqual([1]);
  });

  it('refuses to start without a token', async () => {
    await expect(createGitHubClient('')).rejects.toThrow('A GitHub token is required');
  });
});

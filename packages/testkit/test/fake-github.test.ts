import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub, PULL_FILES_LIMIT } from '../src/index.js';

/** The fake is checked with plain fetch here; core's tests drive it through Octokit. */
describe('FakeGitHub', () => {
  let fake: FakeGitHub;
  const get = (path: string) => fetch(`${fake.url}${path}`);

  beforeAll(async () => {
    fake = await FakeGitHub.start();
    const files = Array.from({ length: 3500 }, (_, index) => ({ filename: `f${index}`, status: 'modified' as const }));
    fake.addPull(
      { number: 5, head: { sha: 'h'.repeat(40), ref: 'feature' }, base: { sha: 'b'.repeat(40), ref: 'main' } },
      files,
    );
  });
  afterAll(() => fake.close());

  it('paginates with Link headers and caps the PR files list at 3000 as GitHub does', async () => {
    let url: string | undefined = `${fake.url}/repos/o/r/pulls/5/files?per_page=100`;
    let total = 0;
    let pages = 0;
    while (url) {
      const response: Response = await fetch(url);
      total += ((await response.json()) as unknown[]).length;
      pages++;
      url = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(total).toBe(PULL_FILES_LIMIT);
    expect(pages).toBe(30);
  });

  it('answers unknown things with a GitHub-shaped 404', async () => {
    const response = await get('/repos/o/r/pulls/999');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: 'Not Found' });
  });

  it('injects faults for a number of requests, with headers and delays', async () => {
    fake.fault({ path: /\/pulls\/5$/, status: 429, times: 1, headers: { 'retry-after': '1' } });
    const limited = await get('/repos/o/r/pulls/5');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await get('/repos/o/r/pulls/5')).status).toBe(200);

    fake.fault({ path: /\/pulls\/5$/, delayMs: 300, times: 1 });
    const started = Date.now();
    expect((await get('/repos/o/r/pulls/5')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.seen('GET', '/repos/o/r/pulls/5').length).toBe(3);
  });

  it('idle() waits for a delayed request the client gave up on', async () => {
    fake.fault({ path: /\/pulls\/5$/, delayMs: 300, times: 1 });
    await expect(fetch(`${fake.url}/repos/o/r/pulls/5`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    const before = fake.requests.length;
    const started = Date.now();
    await fake.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(fake.requests.length).toBe(before);
  });

  it('moves refs only to known commits and never creates twice', async () => {
    fake.addCommit({ sha: 'c'.repeat(40) });
    const post = (body: unknown) =>
      fetch(`${fake.url}/repos/o/r/git/refs`, { method: 'POST', body: JSON.stringify(body) });
    expect((await post({ ref: 'refs/heads/pull-request/5', sha: 'd'.repeat(40) })).status).toBe(422);
    expect((await post({ ref: 'refs/heads/pull-request/5', sha: 'c'.repeat(40) })).status).toBe(201);
    expect((await post({ ref: 'refs/heads/pull-request/5', sha: 'c'.repeat(40) })).status).toBe(422);
    expect(fake.refs.get('heads/pull-request/5')).toBe('c'.repeat(40));
    const removed = await fetch(`${fake.url}/repos/o/r/git/refs/heads/pull-request/5`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(fake.refs.has('heads/pull-request/5')).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_BOT, FakeGitHub, PULL_COMMITS_LIMIT, PULL_FILES_LIMIT } from '../src/index.js';

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
    // Timed from before the request: the server's 300 ms delay starts after this, however late the abort fires.
    const started = Date.now();
    await expect(fetch(`${fake.url}/repos/o/r/pulls/5`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    const before = fake.requests.length;
    await fake.idle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
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

  it('caps the PR commits list at 250 and reports author and committer logins', async () => {
    const commits = Array.from({ length: 260 }, (_, index) => ({
      sha: String(index).padStart(40, '0'),
      author: 'alice',
      committer: index === 0 ? null : index === 1 ? 'web-flow' : undefined,
    }));
    fake.addPull(
      { number: 6, head: { sha: 'f'.repeat(40), ref: 'x' }, base: { sha: 'b'.repeat(40), ref: 'main' } },
      [],
      commits,
    );
    const listed: any[] = [];
    for (let page = 1; page <= 4; page++) {
      listed.push(...((await (await get(`/repos/o/r/pulls/6/commits?per_page=100&page=${page}`)).json()) as any[]));
    }
    expect(listed).toHaveLength(PULL_COMMITS_LIMIT);
    expect(listed.slice(0, 3).map((commit) => [commit.author?.login, commit.committer?.login ?? null])).toEqual([
      ['alice', null],
      ['alice', 'web-flow'],
      ['alice', 'alice'],
    ]);
    expect(listed[1].commit.committer.email).toBe('noreply@github.com');
  });

  it('writes comments as the token that posts them, and reads, edits and deletes them by id', async () => {
    fake.tokenLogins.set('ghp_alice', 'alice');
    const as = (token: string) => ({ authorization: `token ${token}`, 'content-type': 'application/json' });
    const post = (token: string) =>
      fetch(`${fake.url}/repos/o/r/issues/5/comments`, { method: 'POST', headers: as(token), body: '{"body":"hi"}' });
    const byAlice = (await (await post('ghp_alice')).json()) as any;
    const byBot = (await (await post('ghs_unknown')).json()) as any;
    expect([byAlice.user.login, byBot.user.login]).toEqual(['alice', ACTIONS_BOT]);
    expect(byAlice.issue_url).toBe('https://api.github.com/repos/o/r/issues/5');

    const url = `${fake.url}/repos/o/r/issues/comments/${byAlice.id}`;
    expect(await (await get(`/repos/o/r/issues/comments/${byAlice.id}`)).json()).toMatchObject({ body: 'hi' });
    await new Promise((resolve) => setTimeout(resolve, 2));
    const patch = await fetch(url, { method: 'PATCH', headers: as('ghp_alice'), body: '{"body":"bye"}' });
    const edited = (await patch.json()) as any;
    expect(edited.body).toBe('bye');
    expect(edited.updated_at > byAlice.updated_at).toBe(true);
    expect((await fetch(url, { method: 'DELETE', headers: as('ghp_alice') })).status).toBe(204);
    expect((await get(`/repos/o/r/issues/comments/${byAlice.id}`)).status).toBe(404);
  });

  it('says who a token is: GET /user for personal tokens, the GraphQL viewer for every token', async () => {
    fake.tokenLogins.set('ghp_alice', 'alice');
    const user = (token: string) => fetch(`${fake.url}/user`, { headers: { authorization: `token ${token}` } });
    expect(await (await user('ghp_alice')).json()).toMatchObject({ login: 'alice' });
    expect((await user('ghs_installation')).status).toBe(403);
    const viewer = async (token: string, query = 'query { viewer { login } }') => {
      const answer = await fetch(`${fake.url}/graphql`, {
        method: 'POST',
        headers: { authorization: `bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return (await answer.json()) as any;
    };
    expect(await viewer('ghs_installation')).toEqual({ data: { viewer: { login: ACTIONS_BOT } } });
    expect(await viewer('ghp_alice')).toEqual({ data: { viewer: { login: 'alice' } } });
    expect((await viewer('x', '{ repository { id } }')).errors).toHaveLength(1);
  });
});

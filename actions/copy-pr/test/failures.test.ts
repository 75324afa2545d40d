/**
 * The bundle against the fake GitHub when things go wrong around the decision: API failures,
 * GitHub App credentials, bad configuration.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { commit, REPO, sha, useFixture } from './fixture.js';

const world = useFixture();
const { addPull, comment, prTarget, run, botComments } = world;
const commentEvent = (pr: number, user: string, body: string) => world.commentEvent(pr, user, body);
const prEvent = (pr: number, action: string) => ({
  action,
  number: pr,
  pull_request: world.fake.pulls.get(pr) ?? { number: pr },
  repository: { full_name: REPO },
});

const c1 = commit('c1');
const c2 = commit('c2');
const byOutsider = (seed: string) => commit(seed, { author: 'outsider' });

describe('API failures', () => {
  it('fails clearly when the token cannot create refs, and pushes nothing', async () => {
    addPull({ commits: [c1] });
    world.fake.fault({
      method: 'POST',
      path: `/repos/${REPO}/git/refs`,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const result = await comment(7, 'maintainer', `/ok to test ${c1.sha}`);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toMatch(
      /^Could not move pull-request\/7 to [0-9a-f]{40}: GitHub API POST .* failed with HTTP 403: Resource not accessible by integration.*permissions.*It is unchanged \(nothing \(the branch does not exist\)\)\.$/,
    );
    expect(world.fake.refs.size).toBe(0);
    expect(botComments(7)[0]).toContain('could not copy');
  });

  it('leaves the old commit in place when the update keeps failing, and never deletes', async () => {
    addPull({ commits: [c1, c2] });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    world.fake.fault({ method: 'PATCH', path: /\/git\/refs\//, status: 429, headers: { 'retry-after': '0' } });
    const result = await comment(7, 'maintainer', `/ok to test ${c2.sha}`);
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toContain(`It is unchanged (${c1.sha}).`);
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c1.sha);
    expect(world.fake.seen('DELETE', /.*/)).toEqual([]);
  });

  it('fails when the branch does not point at the commit afterwards (another writer)', async () => {
    addPull({ commits: [c1, c2] });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    const other = sha('other');
    world.fake.fault({
      method: 'GET',
      path: `/repos/${REPO}/git/ref/heads/pull-request/7`,
      status: 200,
      body: { ref: 'refs/heads/pull-request/7', object: { sha: other, type: 'commit' } },
      times: 2,
    });
    const result = await comment(7, 'maintainer', `/ok to test ${c2.sha}`);
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toBe(
      `pull-request/7 points at ${other} right after it was moved to ${c2.sha}: another writer changed it. Re-run this job or post the command again.`,
    );
  });

  it('rides out a transient 5xx', async () => {
    addPull({ commits: [c1], author: 'maintainer' });
    world.fake.fault({ method: 'GET', path: `/repos/${REPO}/pulls/7`, status: 502, times: 1 });
    const result = await prTarget(7, 'opened');
    expect(result.outputs.action).toBe('synced');
  });

  it('fails clearly when the PR cannot be read', async () => {
    const result = await comment(404, 'maintainer', `/ok to test ${c1.sha}`);
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(/GET \/repos\/ai-dynamo\/dynamo\/pulls\/404 failed with HTTP 404/);
  });
});

describe('GitHub App credentials', () => {
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });

  it('mints a token for this repository only, with only what the gate needs, uses it and revokes it', async () => {
    world.fake.app = { id: '4242', publicKey: keys.publicKey, installationId: 77 };
    addPull({ commits: [c1] });
    const result = await run('issue_comment', commentEvent(7, 'maintainer', `/ok to test ${c1.sha}`), {
      'app-id': '4242',
      'app-private-key': keys.privateKey,
      'trusted-teams': 'core-devs',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.action).toBe('synced');
    expect(world.fake.installationTokens).toHaveLength(1);
    const [issued] = world.fake.installationTokens;
    expect(issued?.body).toEqual({
      repositories: ['dynamo'],
      permissions: { contents: 'write', pull_requests: 'write', members: 'read' },
    });
    expect(issued?.revoked).toBe(true);
    const [create] = world.fake.seen('POST', `/repos/${REPO}/git/refs`);
    expect(create?.headers.authorization).toBe(`token ${issued?.token}`);
    expect(result.masks).toContain(issued?.token);
    const keyLine = keys.privateKey.split('\n')[1] as string;
    expect(result.masks).toContain(keyLine);
    expect(
      result.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n'),
    ).not.toContain(keyLine);
  });

  it("recognises its own earlier request by the App's bot login, not by anyone else's marker", async () => {
    world.fake.app = { id: '4242', publicKey: keys.publicKey, installationId: 77, slug: 'dynamo-gate' };
    const inputs = { 'app-id': '4242', 'app-private-key': keys.privateKey };
    addPull({ commits: [byOutsider('o1')], author: 'outsider' });
    const first = await run('pull_request_target', prEvent(7, 'opened'), inputs);
    expect(first.outputs.action).toBe('refused');
    expect(botComments(7, 'dynamo-gate[bot]')).toHaveLength(1);
    const again = await run('pull_request_target', prEvent(7, 'synchronize'), inputs);
    expect(again.summary).toContain('| Comment | already asked |');
    expect(botComments(7, 'dynamo-gate[bot]')).toHaveLength(1);
    // The App's login came from GET /app with the JWT; nothing had to ask who the token is.
    expect(world.fake.seen('GET', '/app')).toHaveLength(2);
    expect(world.fake.seen('GET', '/user')).toEqual([]);
  });

  it('accepts a key stored on one line with \\n escapes', async () => {
    world.fake.app = { id: '4242', publicKey: keys.publicKey, installationId: 77 };
    addPull({ commits: [c1], author: 'maintainer' });
    const result = await run('pull_request_target', prEvent(7, 'opened'), {
      'app-id': '4242',
      'app-private-key': keys.privateKey.trim().replace(/\n/g, '\\n'),
    });
    expect(result.outputs.action).toBe('synced');
    expect(world.fake.installationTokens[0]?.body.permissions).toEqual({ contents: 'write', pull_requests: 'write' });
  });

  it("fails clearly when the key is not the App's, and moves nothing", async () => {
    const other = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    world.fake.app = { id: '4242', publicKey: keys.publicKey, installationId: 77 };
    addPull({ commits: [c1] });
    const result = await run('issue_comment', commentEvent(7, 'maintainer', `/ok to test ${c1.sha}`), {
      'app-id': '4242',
      'app-private-key': other.privateKey,
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toBe(
      "GitHub rejected the App's credentials (Bad credentials): check app-id and that app-private-key is that App's key.",
    );
    expect(world.fake.refs.size).toBe(0);
    expect(world.fake.installationTokens).toEqual([]);
  });

  it.each([
    [{ 'app-id': '4242' }, "Input 'app-private-key' is required with 'app-id'"],
    [{ 'app-private-key': 'x' }, "Input 'app-id' is required with 'app-private-key'"],
    [
      { 'app-id': '4242', 'app-private-key': 'not a key' },
      "Input 'app-private-key' must be the GitHub App's RSA private key",
    ],
    [{ 'app-id': '42 42', 'app-private-key': 'k' }, "Input 'app-id' must be a GitHub App id"],
  ])('rejects %j', async (inputs, message) => {
    addPull({ commits: [c1] });
    const result = await run('issue_comment', commentEvent(7, 'maintainer', `/ok to test ${c1.sha}`), inputs);
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toContain(message);
    expect(world.fake.requests).toEqual([]);
  });
});

describe('bad configuration', () => {
  it.each([
    [
      { 'trusted-permission': 'triage' },
      'Input \'trusted-permission\' must be one of write|maintain|admin, got "triage"',
    ],
    [{ 'branch-prefix': 'refs/heads/pr-' }, "Input 'branch-prefix' must be the start of a branch name"],
    [{ 'branch-prefix': 'pr $(id)/' }, "Input 'branch-prefix' must be the start of a branch name"],
    [{ 'require-signed': 'maybe' }, "Input 'require-signed' must be true or false"],
    [{ 'trusted-teams': 'a/b/c' }, "Input 'trusted-teams' entries must be team slugs"],
    [{ token: '' }, "Input required and not supplied: token. Pass a token, or 'app-id' and 'app-private-key'"],
  ])('rejects %j', async (inputs, message) => {
    addPull({ commits: [c1] });
    const result = await run('issue_comment', commentEvent(7, 'maintainer', `/ok to test ${c1.sha}`), inputs);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain(message);
    expect(world.fake.requests).toEqual([]);
  });

  it('rejects an event it does not handle', async () => {
    const result = await run('pull_request', prEvent(7, 'opened'));
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toContain(
      'copy-pr handles the issue_comment and pull_request_target events, not "pull_request"',
    );
  });
});

/**
 * The built bundle in the simulated runner against the testkit's fake GitHub API, driven by the
 * real Octokit: approvals, automatic syncs, forks and closing. Attacks are in attacks.test.ts,
 * failures and credentials in failures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { commit, REPO, sha, TOKEN, useFixture } from './fixture.js';

const world = useFixture();
const { addPull, push, comment, prTarget, run, botComments, reactionsOn, refWrites: writes } = world;
const commentEvent = (pr: number, user: string, body: string) => world.commentEvent(pr, user, body);

const c1 = commit('c1');
const c2 = commit('c2');
const byOutsider = (seed: string) => commit(seed, { author: 'outsider' });

describe('maintainer approval', () => {
  it('copies the exact head to pull-request/N, reacts, and says nothing else', async () => {
    addPull({ commits: [c1, c2] });
    const body = `/ok to test ${c2.sha}`;
    const result = await comment(7, 'maintainer', body);
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toEqual({
      action: 'synced',
      branch: 'pull-request/7',
      sha: c2.sha,
      reason: `maintainer approved ${c2.sha}`,
    });
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);
    expect(reactionsOn(body)).toEqual(['+1']);
    expect(botComments(7)).toEqual([]);
    expect(result.summary).toContain('| Decision | synced |');
    expect(result.masks).toContain(TOKEN);
    expect(result.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
  });

  it('accepts blank space around the command, an upper-case SHA, and the maintain role', async () => {
    addPull({ commits: [c1, c2] });
    const result = await comment(7, 'lead', `  \n/ok  to\ttest ${c2.sha.toUpperCase()}\n `);
    expect(result.outputs.action).toBe('synced');
    expect(result.outputs.sha).toBe(c2.sha);
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);
  });

  it('force-moves an existing branch in one call, never deleting it first, and verifies it', async () => {
    addPull({ commits: [c1, c2] });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    const result = await comment(7, 'owner', `/ok to test ${c2.sha}`);
    expect(result.outputs.action).toBe('synced');
    expect(writes()).toEqual([`PATCH /repos/${REPO}/git/refs/heads/pull-request/7`]);
    expect(world.fake.seen('PATCH', `/repos/${REPO}/git/refs/heads/pull-request/7`)[0]?.body).toEqual({
      sha: c2.sha,
      force: true,
    });
    expect(world.fake.seen('GET', `/repos/${REPO}/git/ref/heads/pull-request/7`)).toHaveLength(2);
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);
  });

  it('honours a custom command and branch prefix, case-sensitively', async () => {
    addPull({ commits: [c1] });
    const inputs = { command: '/Test This', 'branch-prefix': 'ci/pr-' };
    const ignored = await run('issue_comment', commentEvent(7, 'maintainer', `/test this ${c1.sha}`), inputs);
    expect(ignored.outputs.action).toBe('ignored');
    const synced = await run('issue_comment', commentEvent(7, 'maintainer', `/Test This ${c1.sha}`), inputs);
    expect(synced.outputs).toMatchObject({ action: 'synced', branch: 'ci/pr-7' });
    expect(world.fake.refs.get('heads/ci/pr-7')).toBe(c1.sha);
  });
});

describe('refused approvals', () => {
  it('refuses a stale SHA, names the head, and leaves the branch alone', async () => {
    addPull({ commits: [c1, c2] });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    const body = `/ok to test ${c1.sha}`;
    const result = await comment(7, 'maintainer', body);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ action: 'refused', sha: c2.sha });
    expect(result.outputs.reason).toBe(`${c1.sha} is not the head of the pull request (${c2.sha})`);
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c1.sha);
    expect(writes()).toEqual([]);
    expect(botComments(7)).toEqual([
      expect.stringContaining(
        `@maintainer this commit was not copied to \`pull-request/7\`: \`${c1.sha}\` is not the head`,
      ),
    ]);
    expect(reactionsOn(body)).toEqual(['-1']);
  });

  it.each([
    ['triager', 'triage'],
    ['reader', 'read'],
    ['stranger', 'none'],
  ])('refuses %s (role %s): write or more is needed', async (user, role) => {
    addPull({ commits: [c1] });
    const result = await comment(7, user, `/ok to test ${c1.sha}`);
    expect(result.outputs.action).toBe('refused');
    expect(result.outputs.reason).toBe(`${user} has the ${role} role; vetting needs write or more`);
    expect(world.fake.refs.size).toBe(0);
    expect(botComments(7)[0]).toContain(`the collaborator permission API reports \`${role}\``);
  });

  it('does not count organization membership: an org member with no repository role is refused', async () => {
    addPull({ commits: [c1] });
    world.fake.teams.set('ai-dynamo/everyone', new Set(['orgmember']));
    const result = await run('issue_comment', commentEvent(7, 'orgmember', `/ok to test ${c1.sha}`), {
      'trusted-teams': 'everyone',
    });
    expect(result.outputs.action).toBe('refused');
    expect(world.fake.refs.size).toBe(0);
  });

  it.each([
    ['/ok to test', 'the command names no commit SHA'],
    ['/ok to test ``@team``<b>x</b>', 'the command names something that is not a commit SHA'],
    ['/ok to test abc', 'the command names something that is not a commit SHA'],
  ])('refuses %j with a reason and the exact command for the head', async (body, reason) => {
    addPull({ commits: [c1] });
    const result = await comment(7, 'maintainer', body);
    expect(result.outputs).toMatchObject({ action: 'refused', reason });
    expect(world.fake.refs.size).toBe(0);
    expect(botComments(7)[0]).not.toMatch(/@team|<b>/);
    expect(botComments(7)[0]).toContain(`\`\`\`\n/ok to test ${c1.sha}\n\`\`\``);
  });

  it.each([
    [false, 'closed'],
    [true, 'merged'],
  ])('refuses on a closed pull request (merged: %s)', async (merged, state) => {
    addPull({ commits: [c1], state: 'closed', merged });
    const result = await comment(7, 'maintainer', `/ok to test ${c1.sha}`);
    expect(result.outputs).toMatchObject({ action: 'refused', reason: `the pull request is ${state}` });
    expect(botComments(7)[0]).toContain(`the pull request is ${state}`);
    expect(world.fake.refs.size).toBe(0);
  });
});

describe('comments that never trigger', () => {
  it.each(['edited', 'deleted'])('ignores a %s comment without calling the API', async (action) => {
    addPull({ commits: [c1] });
    const result = await run('issue_comment', { ...commentEvent(7, 'maintainer', `/ok to test ${c1.sha}`), action });
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ action: 'ignored', branch: 'pull-request/7' });
    expect(result.outputs.reason).toContain(action);
    expect(world.fake.requests).toEqual([]);
  });

  it.each([
    ['a longer comment', `LGTM, /ok to test ${c1.sha}`],
    ['a second line', `/ok to test ${c1.sha}\nthanks`],
    ['another case', `/OK TO TEST ${c1.sha}`],
    ['two SHAs', `/ok to test ${c1.sha} ${c1.sha}`],
    ['a quote', `> /ok to test ${c1.sha}`],
  ])('ignores %s', async (_, body) => {
    addPull({ commits: [c1] });
    const result = await comment(7, 'maintainer', body);
    expect(result.outputs.action).toBe('ignored');
    expect(world.fake.requests).toEqual([]);
  });

  it('ignores a command on an issue', async () => {
    const event = commentEvent(9, 'maintainer', `/ok to test ${c1.sha}`);
    delete (event.issue as Record<string, unknown>).pull_request;
    const result = await run('issue_comment', event);
    expect(result.outputs).toMatchObject({
      action: 'ignored',
      reason: 'the comment is on an issue, not a pull request',
    });
  });
});

describe('fork pull requests', () => {
  it('points the branch at the fork head without touching the fork', async () => {
    addPull({ commits: [c1, c2], fork: 'outsider/dynamo', author: 'outsider' });
    // GitHub keeps the fork head in the base repository as refs/pull/N/head.
    world.fake.refs.set('pull/7/head', c2.sha);
    const opened = await prTarget(7, 'opened');
    expect(opened.outputs.action).toBe('refused');
    const result = await comment(7, 'maintainer', `/ok to test ${c2.sha}`);
    expect(result.outputs).toMatchObject({ action: 'synced', sha: c2.sha });
    expect(result.outputs.reason).toContain('(from a fork)');
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);
    expect(world.fake.requests.filter((request) => request.path.startsWith('/repos/outsider/'))).toEqual([]);
    expect(
      world.fake.requests.every(
        (request) => !/\/(contents|tarball|zipball|git\/(blobs|trees|commits))/.test(request.path),
      ),
    ).toBe(true);
  });

  it('waits for GitHub to make a just-pushed fork commit available', async () => {
    addPull({ commits: [c1], fork: 'outsider/dynamo' });
    world.fake.fault({
      method: 'POST',
      path: `/repos/${REPO}/git/refs`,
      status: 422,
      body: { message: 'Object does not exist' },
      times: 1,
    });
    const result = await comment(7, 'maintainer', `/ok to test ${c1.sha}`);
    expect(result.outputs.action).toBe('synced');
    expect(world.fake.seen('POST', `/repos/${REPO}/git/refs`)).toHaveLength(2);
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c1.sha);
  });
});

describe('automatic sync on pull_request_target', () => {
  it('syncs a branch of this repository whose opener, authors and committers are trusted and signed', async () => {
    addPull({ commits: [c1, commit('c2', { author: 'lead', committer: 'maintainer' })], author: 'maintainer' });
    const result = await prTarget(7, 'opened');
    expect(result.outputs).toMatchObject({ action: 'synced', branch: 'pull-request/7' });
    expect(result.outputs.reason).toBe(
      "maintainer and every commit's author and committer are trusted, and every commit is signed",
    );
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(sha('c2'));
    expect(botComments(7)).toEqual([]);
  });

  it('does not sync an unsigned commit from a trusted author and asks once for vetting', async () => {
    const unsigned = commit('unsigned', { verified: false });
    addPull({ commits: [c1, unsigned, c2], author: 'maintainer' });
    const result = await prTarget(7, 'opened');
    expect(result.outputs).toMatchObject({ action: 'refused', sha: c2.sha });
    expect(result.outputs.reason).toBe('needs vetting: 1 unsigned commit(s)');
    expect(world.fake.refs.size).toBe(0);
    const [body] = botComments(7);
    expect(body).toContain(`<!-- copy-pr:needs-vetting:${c2.sha} -->`);
    expect(body).toContain(`- commit \`${unsigned.sha.slice(0, 12)}\` is not signed`);
    expect(body).toContain(`/ok to test ${c2.sha}`);
    const again = await prTarget(7, 'reopened');
    expect(again.outputs.action).toBe('refused');
    expect(botComments(7)).toHaveLength(1);
  });

  it('syncs an unsigned trusted push when require-signed is false', async () => {
    addPull({ commits: [commit('u', { verified: false })], author: 'maintainer' });
    const result = await prTarget(7, 'opened', { 'require-signed': 'false' });
    expect(result.outputs).toMatchObject({
      action: 'synced',
      reason: "maintainer and every commit's author and committer are trusted",
    });
  });

  it('trusts members of trusted teams, and fails closed with a warning when teams cannot be read', async () => {
    addPull({ commits: [commit('t1', { author: 'teammate' })], author: 'teammate' });
    world.fake.teams.set('ai-dynamo/core-devs', new Set(['teammate']));
    const synced = await prTarget(7, 'opened', { 'trusted-teams': 'other-org/x, core-devs' });
    expect(synced.outputs.action).toBe('synced');

    world.fake.refs.clear();
    world.fake.fault({
      path: /\/orgs\/.*\/memberships\//,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const refused = await prTarget(7, 'synchronize', { 'trusted-teams': 'core-devs' });
    expect(refused.outputs.action).toBe('refused');
    expect(refused.warnings.map((warning) => warning.message)).toEqual([
      expect.stringContaining('Could not read the membership of ai-dynamo/core-devs'),
    ]);
    expect(world.fake.refs.size).toBe(0);
  });

  it('asks an untrusted author to get vetting, once per head', async () => {
    const o1 = byOutsider('o1');
    addPull({ commits: [o1], author: 'outsider' });
    const result = await prTarget(7, 'opened');
    expect(result.outputs.reason).toBe(
      'needs vetting: outsider is not a trusted author, commits by untrusted accounts (outsider)',
    );
    expect(botComments(7)).toHaveLength(1);
    expect(botComments(7)[0]).toContain('@outsider, is not a trusted author (role none, write or more needed)');
    expect(botComments(7)[0]).toContain(
      `- \`outsider\`, the author and committer of \`${o1.sha.slice(0, 12)}\`, is not trusted (role none, write or more needed)`,
    );
    const again = await prTarget(7, 'reopened');
    expect(again.outputs.action).toBe('refused');
    expect(again.summary).toContain('| Comment | already asked |');
    expect(botComments(7)).toHaveLength(1);
    // The workflow's GITHUB_TOKEN cannot read /user; the GraphQL viewer named its bot.
    expect(world.fake.seen('GET', '/user')).toHaveLength(1);
    expect(world.fake.seen('POST', '/graphql')).toHaveLength(1);
  });

  it('recognises its earlier request when a personal token posted it, by the token user from GET /user', async () => {
    world.fake.tokenLogins.set(TOKEN, 'ci-bot-user');
    addPull({ commits: [byOutsider('o1')], author: 'outsider' });
    world.fake.comments.push({
      id: 998,
      issue: 7,
      body: `<!-- copy-pr:needs-vetting:${sha('o1')} -->\nearlier request`,
      user: { login: 'ci-bot-user' },
      reactions: [],
    });
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs.action).toBe('refused');
    expect(botComments(7, 'ci-bot-user')).toHaveLength(1);
    expect(result.summary).toContain('| Comment | already asked |');
    expect(world.fake.seen('POST', '/graphql')).toEqual([]);
  });

  it('needs a new approval after a push: the branch stays on the approved commit', async () => {
    const c1 = byOutsider('o1');
    const c2 = byOutsider('o2');
    addPull({ commits: [c1], author: 'outsider' });
    expect((await prTarget(7, 'opened')).outputs.action).toBe('refused');
    expect((await comment(7, 'maintainer', `/ok to test ${c1.sha}`)).outputs.action).toBe('synced');

    push(7, c2);
    const sync = await prTarget(7, 'synchronize');
    expect(sync.outputs).toMatchObject({ action: 'refused', sha: c2.sha });
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c1.sha);
    expect(botComments(7).filter((body) => body.includes(`needs-vetting:${c2.sha}`))).toHaveLength(1);

    const stale = await comment(7, 'maintainer', `/ok to test ${c1.sha}`);
    expect(stale.outputs.action).toBe('refused');
    const approved = await comment(7, 'maintainer', `/ok to test ${c2.sha}`);
    expect(approved.outputs.action).toBe('synced');
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);

    // An unsigned push after an approval does not sync either, even with everyone trusted.
    world.fake.setPermission('outsider', 'write');
    push(7, commit('late', { author: 'outsider', verified: false }));
    expect((await prTarget(7, 'synchronize')).outputs.action).toBe('refused');
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c2.sha);
  });

  it('does not ask again when the head was approved before the event was handled', async () => {
    addPull({ commits: [byOutsider('o1')], author: 'outsider' });
    world.fake.refs.set('heads/pull-request/7', sha('o1'));
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs).toMatchObject({ action: 'ignored', reason: 'pull-request/7 already points at the head' });
    expect(botComments(7)).toEqual([]);
  });

  it('ignores other pull_request_target actions', async () => {
    addPull({ commits: [c1], author: 'maintainer' });
    const result = await prTarget(7, 'labeled');
    expect(result.outputs.action).toBe('ignored');
    expect(world.fake.requests).toEqual([]);
  });
});

describe('closing', () => {
  it('deletes pull-request/N when the PR closes', async () => {
    addPull({ commits: [c1], state: 'closed' });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    world.fake.refs.set('heads/pull-request/70', c2.sha);
    const result = await prTarget(7, 'closed');
    expect(result.outputs).toMatchObject({ action: 'deleted', branch: 'pull-request/7', sha: c1.sha });
    expect(world.fake.refs.has('heads/pull-request/7')).toBe(false);
    expect(world.fake.refs.get('heads/pull-request/70')).toBe(c2.sha);
  });

  it('keeps the branch when the PR was reopened before the closed event was handled', async () => {
    addPull({ commits: [c1] });
    world.fake.refs.set('heads/pull-request/7', c1.sha);
    const result = await prTarget(7, 'closed');
    expect(result.outputs).toMatchObject({ action: 'ignored', reason: 'the pull request was reopened' });
    expect(world.fake.refs.get('heads/pull-request/7')).toBe(c1.sha);
  });

  it('is quiet when there is no branch to delete', async () => {
    addPull({ commits: [c1], state: 'closed' });
    const result = await prTarget(7, 'closed');
    expect(result.outputs).toMatchObject({ action: 'ignored', reason: 'pull-request/7 does not exist' });
    expect(writes()).toEqual([]);
  });
});

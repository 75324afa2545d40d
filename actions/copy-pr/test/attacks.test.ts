/**
 * Attacks by someone who controls a pull request (or races a vetter), each reproduced against the
 * fake GitHub through the built bundle and shown refused: the branch that runs with secrets never
 * moves to a commit nobody vetted.
 */
import type { FakePull } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { commit, REPO, sha, useFixture } from './fixture.js';

const world = useFixture();
const { addPull, forcePush, comment, prTarget, run, botComments, reactionsOn, refWrites } = world;
const BRANCH = 'heads/pull-request/7';

/** The PR as GitHub answers it right now, to replay later as a stale first read. */
function snapshot(number = 7): FakePull {
  return structuredClone(world.fake.pulls.get(number) as FakePull);
}

/** The next read of the PR answers `pull` (what GitHub said a moment earlier); later reads see the truth. */
function firstReadSees(pull: FakePull): void {
  world.fake.fault({ method: 'GET', path: `/repos/${REPO}/pulls/${pull.number}`, status: 200, body: pull, times: 1 });
}

describe('short SHAs can be redirected: only the full SHA approves', () => {
  it('prefix grinding: the head force-pushed to a commit sharing the approved prefix is not copied', async () => {
    // The reviewed commit and the attacker's second commit share their first 10 hex characters, as
    // a ground prefix would (grinding 7-10 characters takes minutes; the fake reports such a head).
    const prefix = sha('reviewed').slice(0, 10);
    const reviewed = commit('reviewed', { author: 'outsider', sha: `${prefix}${sha('reviewed-tail').slice(10)}` });
    const ground = commit('ground', { author: 'outsider', sha: `${prefix}${sha('ground-tail').slice(10)}` });
    addPull({ commits: [reviewed], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${prefix}`);
    // After the comment, before the job: the author force-pushes the look-alike.
    forcePush(7, ground);

    const result = await run('issue_comment', event);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ action: 'refused', sha: ground.sha });
    expect(result.outputs.reason).toBe(`${prefix} is a short SHA; only the full 40-character SHA is accepted`);
    expect(world.fake.refs.has(BRANCH)).toBe(false);
    expect(refWrites()).toEqual([]);
    const [reply] = botComments(7);
    expect(reply).toContain(`\`${prefix}\` is a short SHA, and copy-pr accepts only the full 40-character SHA.`);
    expect(reply).toContain('a second commit with the same first characters can be made in minutes');
    // The exact command, with the current head in full, and a warning to compare it first.
    expect(reply).toContain(
      `The head of this pull request is now \`${ground.sha}\`. If that is the commit you reviewed`,
    );
    expect(reply).toContain(`\`\`\`\n/ok to test ${ground.sha}\n\`\`\``);
    expect(reactionsOn(`/ok to test ${prefix}`)).toEqual(['-1']);

    // The full SHA of what was reviewed no longer names the head either.
    const full = await comment(7, 'maintainer', `/ok to test ${reviewed.sha}`);
    expect(full.outputs).toMatchObject({ action: 'refused', sha: ground.sha });
    expect(world.fake.refs.has(BRANCH)).toBe(false);
  });

  it('refuses a short SHA even when it is the head, and any length below 40', async () => {
    const head = commit('head');
    addPull({ commits: [head] });
    for (const length of [7, 12, 39]) {
      const result = await comment(7, 'maintainer', `/ok to test ${head.sha.slice(0, length)}`);
      expect(result.outputs.action).toBe('refused');
      expect(result.outputs.reason).toContain('is a short SHA');
    }
    expect(world.fake.refs.has(BRANCH)).toBe(false);
    expect((await comment(7, 'maintainer', `/ok to test ${head.sha}`)).outputs.action).toBe('synced');
  });

  it('reads the head again just before the ref moves: a force-push while the job runs is refused', async () => {
    const reviewed = commit('reviewed', { author: 'outsider' });
    const pushed = commit('pushed', { author: 'outsider' });
    addPull({ commits: [reviewed], author: 'outsider' });
    const before = snapshot();
    forcePush(7, pushed);
    firstReadSees(before);

    const result = await comment(7, 'maintainer', `/ok to test ${reviewed.sha}`);
    expect(result.outputs).toMatchObject({ action: 'refused', sha: pushed.sha });
    expect(result.outputs.reason).toBe(
      `the head moved to ${pushed.sha} while copy-pr checked the approval of ${reviewed.sha}`,
    );
    expect(world.fake.seen('GET', `/repos/${REPO}/pulls/7`)).toHaveLength(2);
    expect(refWrites()).toEqual([]);
    expect(botComments(7)[0]).toContain('Review the new commits, then approve the new head.');
  });

  it('a re-run of an approval reads the head again', async () => {
    const reviewed = commit('reviewed', { author: 'outsider' });
    const pushed = commit('pushed', { author: 'outsider' });
    addPull({ commits: [reviewed], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${reviewed.sha}`);
    expect((await run('issue_comment', event)).outputs.action).toBe('synced');

    forcePush(7, pushed);
    const rerun = await run('issue_comment', event);
    expect(rerun.outputs).toMatchObject({ action: 'refused', sha: pushed.sha });
    expect(world.fake.refs.get(BRANCH)).toBe(reviewed.sha);
  });

  it('a PR closed while the job runs is not copied', async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const open = snapshot();
    (world.fake.pulls.get(7) as FakePull).state = 'closed';
    firstReadSees(open);
    const result = await comment(7, 'maintainer', `/ok to test ${head.sha}`);
    expect(result.outputs).toMatchObject({ action: 'refused', reason: 'the pull request is closed' });
    expect(refWrites()).toEqual([]);
  });
});

describe('automatic sync trusts whoever wrote the commits, on branches of this repository only', () => {
  it('never syncs a fork head automatically, even by a trusted author with trusted signed commits', async () => {
    addPull({ commits: [commit('f1'), commit('f2')], author: 'maintainer', fork: 'maintainer/dynamo' });
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs).toMatchObject({ action: 'refused', sha: sha('f2') });
    expect(result.outputs.reason).toBe('needs vetting: the head branch is in the fork maintainer/dynamo');
    expect(world.fake.refs.has(BRANCH)).toBe(false);
    expect(botComments(7)[0]).toContain(
      "- the head branch is in the fork `maintainer/dynamo`; a fork's pull request is always vetted",
    );
    // Nothing the fork's writers control was even read.
    expect(world.fake.seen('GET', `/repos/${REPO}/pulls/7/commits`)).toEqual([]);
    expect((await comment(7, 'maintainer', `/ok to test ${sha('f2')}`)).outputs.action).toBe('synced');
  });

  it('treats a deleted fork as a fork', async () => {
    const pull = addPull({ commits: [commit('f1')], author: 'maintainer', fork: 'maintainer/dynamo' });
    delete pull.head.repo;
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs.reason).toBe('needs vetting: the head branch is in a deleted fork');
  });

  it.each([
    ['authored by an untrusted user', { author: 'stranger' }, 'commits by untrusted accounts (stranger)'],
    ['committed by an untrusted user', { committer: 'stranger' }, 'commits by untrusted accounts (stranger)'],
    ['committed by a read-only collaborator', { committer: 'reader' }, 'commits by untrusted accounts (reader)'],
    [
      'authored with an email of no GitHub account',
      { author: undefined, committer: 'maintainer' },
      '1 commit(s) by emails of no GitHub account',
    ],
    ['committed with an email of no GitHub account', { committer: null }, '1 commit(s) by emails of no GitHub account'],
    [
      'edited in the web editor by an untrusted user (GitHub signs it)',
      { author: 'stranger', committer: 'web-flow' },
      'commits by untrusted accounts (stranger)',
    ],
  ])('refuses a branch of this repository with one commit %s', async (_, fields, reason) => {
    const sneaky = commit('sneaky', fields);
    addPull({ commits: [commit('t1'), sneaky, commit('t2')], author: 'maintainer' });
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs).toMatchObject({ action: 'refused', reason: `needs vetting: ${reason}` });
    expect(world.fake.refs.has(BRANCH)).toBe(false);
    expect(botComments(7)[0]).toContain(sneaky.sha.slice(0, 12));
  });

  it("refuses a commit that claims GitHub's web-flow committer without GitHub's signature", async () => {
    addPull({ commits: [commit('forged', { committer: 'web-flow', verified: false })], author: 'maintainer' });
    const result = await prTarget(7, 'synchronize', { 'require-signed': 'false' });
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'needs vetting: 1 commit(s) falsely committed as web-flow',
    });
  });

  it("syncs a trusted author's web-editor commit (committer web-flow, signed by GitHub)", async () => {
    addPull({ commits: [commit('t1'), commit('web', { author: 'lead', committer: 'web-flow' })], author: 'lead' });
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs).toMatchObject({ action: 'synced', sha: sha('web') });
    // web-flow itself is never looked up as a collaborator.
    expect(world.fake.seen('GET', /\/collaborators\/web-flow\//)).toEqual([]);
  });

  it('refuses a branch of trusted commits opened as a pull request by an untrusted user', async () => {
    addPull({ commits: [commit('t1')], author: 'stranger' });
    const result = await prTarget(7, 'opened');
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'needs vetting: stranger is not a trusted author',
    });
  });

  it('reads every page of the commits and looks each account up once', async () => {
    const commits = Array.from({ length: 180 }, (_, index) =>
      commit(`many${index}`, { author: index % 2 ? 'lead' : 'maintainer' }),
    );
    addPull({ commits, author: 'maintainer' });
    const synced = await prTarget(7, 'synchronize');
    expect(synced.outputs.action).toBe('synced');
    expect(world.fake.seen('GET', `/repos/${REPO}/pulls/7/commits`)).toHaveLength(2);
    expect(world.fake.seen('GET', /\/collaborators\//)).toHaveLength(2);

    // The one untrusted commit sits on the second page.
    world.fake.refs.clear();
    const late = commit('late', { author: 'stranger' });
    world.push(7, late, commit('after-late'));
    const refused = await prTarget(7, 'synchronize');
    expect(refused.outputs).toMatchObject({
      action: 'refused',
      reason: 'needs vetting: commits by untrusted accounts (stranger)',
    });
  });

  it('refuses more commits than GitHub lists (250), saying why, without reading them', async () => {
    const commits = Array.from({ length: 251 }, (_, index) => commit(`c${index}`));
    addPull({ commits, author: 'maintainer' });
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'needs vetting: 251 commits, more than the 250 GitHub lists',
    });
    expect(botComments(7)[0]).toContain(
      '- the pull request has 251 commits and GitHub lists at most 250, so not every author, committer and signature can be checked',
    );
    expect(world.fake.seen('GET', `/repos/${REPO}/pulls/7/commits`)).toEqual([]);
    expect(world.fake.refs.has(BRANCH)).toBe(false);
  });

  it('refuses when the API lists fewer commits than the PR has', async () => {
    const pull = addPull({ commits: [commit('t1'), commit('t2')], author: 'maintainer' });
    pull.commits = 3;
    const result = await prTarget(7, 'synchronize');
    expect(result.outputs.reason).toBe('needs vetting: GitHub listed 2 of the 3 commits');
    expect(botComments(7)[0]).toContain("- GitHub listed only 2 of the pull request's 3 commits, so not every author");
  });
});

describe('a withdrawn approval does not count', () => {
  const api = (method: string, id: number, body?: unknown) =>
    fetch(`${world.fake.url}/repos/${REPO}/issues/comments/${id}`, {
      method,
      headers: { authorization: 'token maintainer-token', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses an approval whose comment was deleted before the branch moved', async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${head.sha}`);
    expect((await api('DELETE', event.comment.id)).status).toBe(204);

    const result = await run('issue_comment', event);
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'the approving comment was deleted before the branch was moved',
    });
    expect(refWrites()).toEqual([]);
    expect(botComments(7)[0]).toContain('Post the command again in a new comment to approve.');
    expect(world.fake.seen('POST', /\/reactions$/)).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it.each([
    ['to another text', (body: string) => `${body.slice(0, -1)} (withdrawn)`],
    ['and back to the same text', (body: string) => body],
  ])('refuses an approval whose comment was edited %s', async (_, edit) => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${head.sha}`);
    expect((await api('PATCH', event.comment.id, { body: edit(event.comment.body) })).status).toBe(200);

    const result = await run('issue_comment', event);
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'the approving comment was edited before the branch was moved',
    });
    expect(refWrites()).toEqual([]);
  });

  it('reads the comment by its id right before the ref moves', async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${head.sha}`);
    const result = await run('issue_comment', event);
    expect(result.outputs.action).toBe('synced');
    const order = world.fake.requests.map((request) => `${request.method} ${request.path}`);
    const reread = order.indexOf(`GET /repos/${REPO}/issues/comments/${event.comment.id}`);
    const move = order.indexOf(`POST /repos/${REPO}/git/refs`);
    expect(reread).toBeGreaterThan(0);
    expect(order.slice(reread, move)).toEqual([
      `GET /repos/${REPO}/issues/comments/${event.comment.id}`,
      `GET /repos/${REPO}/pulls/7`,
      `GET /repos/${REPO}/git/ref/heads/pull-request/7`,
    ]);
  });
});

describe('nobody else can hide the "needs vetting" notice', () => {
  it.each([
    ['another bot', 'helper-app[bot]'],
    ['a maintainer', 'maintainer'],
    ['the author', 'outsider'],
  ])('a marker in a comment by %s does not suppress it', async (_, login) => {
    const head = commit('o1', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    world.fake.comments.push({
      id: 990,
      issue: 7,
      body: `<!-- copy-pr:needs-vetting:${head.sha} -->\nNothing to see here.`,
      user: { login },
      reactions: [],
    });
    const result = await prTarget(7, 'opened');
    expect(result.outputs.action).toBe('refused');
    expect(result.summary).toContain('| Comment | asked for vetting |');
    expect(botComments(7)).toEqual([expect.stringContaining(`/ok to test ${head.sha}`)]);
  });
});

describe('further holes', () => {
  it("never copies a PR whose head branch is one of copy-pr's own branches", async () => {
    // PR 8 from this repository's branch pull-request/7: copying it, or letting PR 7's gate move
    // or delete that branch, would mix two pull requests' code under one number.
    const head = commit('h8');
    addPull({ number: 8, commits: [head], author: 'maintainer', headRef: 'pull-request/7' });
    const sync = await prTarget(8, 'opened');
    expect(sync.outputs).toMatchObject({
      action: 'refused',
      reason: "needs vetting: the head branch pull-request/7 is one of copy-pr's own branches",
    });
    const approval = await comment(8, 'maintainer', `/ok to test ${head.sha}`);
    expect(approval.outputs).toMatchObject({
      action: 'refused',
      reason: "the head branch pull-request/7 is one of copy-pr's own branches",
    });
    expect(refWrites()).toEqual([]);
  });

  it("reads the commenter's role when the job runs, not the event's author_association", async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    // A collaborator when commenting, demoted to read since.
    const event = world.commentEvent(7, 'reader', `/ok to test ${head.sha}`, { author_association: 'COLLABORATOR' });
    const result = await run('issue_comment', event);
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'reader has the read role; vetting needs write or more',
    });
    expect(refWrites()).toEqual([]);
  });

  it('an older approval handled after a newer one never moves the branch back', async () => {
    const first = commit('first', { author: 'outsider' });
    const second = commit('second', { author: 'outsider' });
    addPull({ commits: [first], author: 'outsider' });
    const older = world.commentEvent(7, 'maintainer', `/ok to test ${first.sha}`);
    world.push(7, second);
    const newer = world.commentEvent(7, 'lead', `/ok to test ${second.sha}`);
    expect((await run('issue_comment', newer)).outputs.action).toBe('synced');
    const late = await run('issue_comment', older);
    expect(late.outputs).toMatchObject({ action: 'refused', sha: second.sha });
    expect(world.fake.refs.get(BRANCH)).toBe(second.sha);
  });

  it('two runs of one approval at once both end on the approved commit', async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const event = world.commentEvent(7, 'maintainer', `/ok to test ${head.sha}`);
    const results = await Promise.all([run('issue_comment', event), run('issue_comment', event)]);
    for (const result of results) {
      expect(result.exitCode).toBe(0);
      expect(result.outputs.action).toBe('synced');
    }
    expect(world.fake.refs.get(BRANCH)).toBe(head.sha);
  });

  it.each([
    ['hidden text after the SHA', (full: string) => `/ok to test ${full} <!-- and more -->`],
    ['the command in a code span', (full: string) => `\`/ok to test ${full}\``],
    ['a non-breaking space between the words', (full: string) => `/ok\u00a0to test ${full}`],
    ['the command inside a details block', (full: string) => `<details>\n/ok to test ${full}\n</details>`],
  ])('does not take %s for an approval', async (_, body) => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const result = await comment(7, 'maintainer', body(head.sha));
    expect(result.outputs.action).toBe('ignored');
    expect(world.fake.requests).toEqual([]);
  });

  it('refuses a SHA followed by an invisible character, with the exact command', async () => {
    const head = commit('head', { author: 'outsider' });
    addPull({ commits: [head], author: 'outsider' });
    const result = await comment(7, 'maintainer', `/ok to test ${head.sha}\u200b`);
    expect(result.outputs).toMatchObject({
      action: 'refused',
      reason: 'the command names something that is not a commit SHA',
    });
    expect(botComments(7)[0]).toContain(`/ok to test ${head.sha}\n`);
    expect(refWrites()).toEqual([]);
  });
});

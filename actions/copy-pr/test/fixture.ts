/**
 * The copy-pr bundle tests' world: a fake GitHub (a fresh one per test) with a repository, its
 * collaborators and a pull request, events as GitHub sends them, and the bundle run as a step of
 * the simulated runner against it, driven by the real Octokit.
 */
import { createHash } from 'node:crypto';
import { type FakeCommit, FakeGitHub, type FakePull, runAction, type StepResult } from '@dynamo-ci/testkit';
import { afterEach, beforeEach } from 'vitest';

export const REPO = 'ai-dynamo/dynamo';
export const TOKEN = 'ghs_copyPrSecretToken123';
/** The workflow's GITHUB_TOKEN comments as this bot; the fake treats unknown tokens so. */
export const ACTIONS_BOT = 'github-actions[bot]';

export function sha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** A signed commit authored and committed by `login` (a maintainer unless said otherwise). */
export function commit(seed: string, fields: Partial<FakeCommit> = {}): FakeCommit {
  return { sha: sha(seed), verified: true, author: 'maintainer', ...fields };
}

export interface PullSetup {
  number?: number;
  author?: string;
  commits: FakeCommit[];
  /** The fork the head branch lives in; by default it is a branch of the base repository. */
  fork?: string;
  headRef?: string;
  state?: 'open' | 'closed';
  merged?: boolean;
}

export interface Fixture {
  readonly fake: FakeGitHub;
  addPull(setup: PullSetup): FakePull;
  /** A push to the PR: the new commits join the list and the head moves. */
  push(number: number, ...commits: FakeCommit[]): void;
  /** A force-push: the PR's commits are replaced. */
  forcePush(number: number, ...commits: FakeCommit[]): void;
  /** Posts a comment and returns the `issue_comment` event GitHub sends for it. */
  commentEvent(pr: number, user: string, body: string, extra?: Record<string, unknown>): CommentEvent;
  run(eventName: string, event: Record<string, unknown>, inputs?: Record<string, string>): Promise<StepResult>;
  comment(pr: number, user: string, body: string): Promise<StepResult>;
  prTarget(pr: number, action: string, inputs?: Record<string, string>): Promise<StepResult>;
  /** Bodies of the comments the action posted on the PR (as the workflow's GITHUB_TOKEN). */
  botComments(pr: number, login?: string): string[];
  /** The reactions on the comment with this body. */
  reactionsOn(body: string): string[];
  /** Writes to git refs, as `METHOD path`. */
  refWrites(): string[];
}

export interface CommentEvent extends Record<string, unknown> {
  comment: { id: number; body: string; user: { login: string }; created_at: string; updated_at: string };
}

/** Registers the fake's start and stop around each test of the calling file. */
export function useFixture(): Fixture {
  let fake: FakeGitHub | undefined;
  let nextCommentId = 1;
  beforeEach(async () => {
    fake = await FakeGitHub.start();
    fake.setPermission('maintainer', 'write').setPermission('lead', 'maintain').setPermission('triager', 'triage');
    fake.setPermission('reader', 'read').setPermission('owner', 'admin');
  });
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });
  const current = (): FakeGitHub => {
    if (!fake) throw new Error('the fake GitHub runs only inside a test');
    return fake;
  };

  const fixture: Fixture = {
    get fake() {
      return current();
    },
    addPull(setup) {
      const number = setup.number ?? 7;
      const head = setup.commits.at(-1)?.sha as string;
      const pull: FakePull = {
        number,
        state: setup.state ?? 'open',
        merged: setup.merged ?? false,
        user: { login: setup.author ?? 'contributor' },
        head: {
          sha: head,
          ref: setup.headRef ?? 'feature',
          repo: setup.fork ? { full_name: setup.fork, fork: true } : { full_name: REPO, fork: false },
        },
        base: { sha: sha('base'), ref: 'main', repo: { full_name: REPO } },
        commits: setup.commits.length,
      };
      current().addPull(pull, [], setup.commits);
      return current().pulls.get(number) as FakePull;
    },
    push(number, ...commits) {
      const shas = [...(current().pullCommits.get(number) ?? []), ...commits.map((added) => added.sha)];
      setCommits(current(), number, commits, shas);
    },
    forcePush(number, ...commits) {
      setCommits(
        current(),
        number,
        commits,
        commits.map((added) => added.sha),
      );
    },
    commentEvent(pr, user, body, extra = {}) {
      const id = nextCommentId++;
      const at = new Date(Date.UTC(2026, 2, 1, 10, 0, id)).toISOString();
      current().comments.push({
        id,
        issue: pr,
        body,
        user: { login: user },
        reactions: [],
        created_at: at,
        updated_at: at,
      });
      return {
        action: 'created',
        issue: { number: pr, pull_request: { url: `https://api.github.com/repos/${REPO}/pulls/${pr}` } },
        comment: { id, body, user: { login: user }, created_at: at, updated_at: at, ...extra },
        repository: { full_name: REPO },
      };
    },
    run(eventName, event, inputs = {}) {
      return runAction(
        'copy-pr',
        { eventName, event, apiUrl: current().url, token: TOKEN, repository: REPO },
        { inputs },
      );
    },
    comment(pr, user, body) {
      return fixture.run('issue_comment', fixture.commentEvent(pr, user, body));
    },
    prTarget(pr, action, inputs) {
      const pull = current().pulls.get(pr);
      const event = { action, number: pr, pull_request: pull ?? { number: pr }, repository: { full_name: REPO } };
      return fixture.run('pull_request_target', event, inputs);
    },
    botComments(pr, login = ACTIONS_BOT) {
      return current()
        .comments.filter((candidate) => candidate.issue === pr && candidate.user.login === login)
        .map((candidate) => candidate.body);
    },
    reactionsOn(body) {
      const found = current().comments.find((candidate) => candidate.body === body);
      return found?.reactions.map((reaction) => reaction.content) ?? [];
    },
    refWrites() {
      return current()
        .requests.filter((request) => request.method !== 'GET' && request.path.includes('/git/'))
        .map((request) => `${request.method} ${request.path}`);
    },
  };
  return fixture;
}

function setCommits(fake: FakeGitHub, number: number, added: FakeCommit[], shas: string[]): void {
  const pull = fake.pulls.get(number) as FakePull;
  for (const commit of added) fake.addCommit(commit);
  fake.pullCommits.set(number, shas);
  pull.head.sha = shas.at(-1) as string;
  pull.commits = shas.length;
}

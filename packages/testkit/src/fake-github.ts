/**
 * A fake GitHub REST API that the real Octokit (through `GITHUB_API_URL`) talks to: pull
 * requests and their files and commits, compare, commits, workflow runs with their jobs (steps,
 * timing, runner labels) and artifacts (fake-actions.ts), check runs, collaborator permissions, team
 * memberships, issue comments and reactions, git refs, and who a token is (`GET /user`, the GraphQL
 * `viewer`, `GET /app`). Lists paginate with `Link` headers the way GitHub does; the PR files list
 * stops at 3000 entries and the PR commits list at 250, as GitHub's do. Comments and reactions are
 * written as the account of the token that posts them. Faults come from `FakeHttpServer.fault`.
 */
import { verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  type ArtifactStore,
  FakeActions,
  type FakeArtifact,
  type FakeRun,
  type FakeStep,
  MemoryArtifactStore,
} from './fake-actions.js';
import { FakeHttpServer, type FakeRequest, type FakeResponse } from './http.js';

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface FakePullFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previous_filename?: string;
}

export interface FakePull {
  number: number;
  state?: 'open' | 'closed';
  merged?: boolean;
  title?: string;
  user?: { login: string };
  head: { sha: string; ref: string; repo?: { full_name: string; fork?: boolean } };
  base: { sha: string; ref: string; repo?: { full_name: string } };
  merge_base?: string;
  [key: string]: unknown;
}

export interface FakeCommit {
  sha: string;
  parents?: string[];
  /** The GitHub login matched to the author email (`author.login`); none when unset. */
  author?: string;
  /**
   * The login matched to the committer email (`committer.login`): the author's when unset, none
   * when null (an email no account has). `web-flow` is GitHub itself (web edits, merges).
   */
  committer?: string | null;
  message?: string;
  /** `commit.verification.verified` */
  verified?: boolean;
  files?: FakePullFile[];
}

export interface FakeJob {
  id?: number;
  name: string;
  status?: 'queued' | 'in_progress' | 'completed' | 'waiting';
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | 'neutral' | 'action_required' | null;
  workflow_name?: string;
  html_url?: string;
  run_attempt?: number;
  /** When the job was queued (for a job with `needs`, when its needs finished). */
  created_at?: string;
  /** When a runner picked it up; `null` for a job that never started (skipped). */
  started_at?: string | null;
  completed_at?: string | null;
  /** The `runs-on` labels. */
  labels?: string[];
  runner_name?: string | null;
  runner_group_name?: string | null;
  steps?: FakeStep[];
  [key: string]: unknown;
}

export interface FakeComment {
  id: number;
  issue: number;
  body: string;
  user: { login: string };
  reactions: { content: string; user: string }[];
  created_at?: string;
  /** Changes when the body is edited (PATCH), as GitHub's does. */
  updated_at?: string;
}

/** GitHub's cap on the pull request files list. */
export const PULL_FILES_LIMIT = 3000;
/** GitHub's cap on the pull request commits list. */
export const PULL_COMMITS_LIMIT = 250;
/** Who the workflow's GITHUB_TOKEN (any token the fake does not know) writes as. */
export const ACTIONS_BOT = 'github-actions[bot]';

export class FakeGitHub extends FakeHttpServer {
  defaultBranch = 'main';
  readonly pulls = new Map<number, FakePull>();
  readonly pullFiles = new Map<number, FakePullFile[]>();
  /** PR number -> the commits of the PR (oldest first). */
  readonly pullCommits = new Map<number, string[]>();
  readonly commits = new Map<string, FakeCommit>();
  /** run id -> jobs (of the latest attempt unless `run_attempt` says otherwise). */
  readonly runJobs = new Map<number, FakeJob[]>();
  readonly permissions = new Map<string, Permission>();
  /** `org/team` -> member logins. */
  readonly teams = new Map<string, Set<string>>();
  readonly comments: FakeComment[] = [];
  /** `heads/name` -> sha. */
  readonly refs = new Map<string, string>();
  readonly checkRuns: Record<string, unknown>[] = [];
  /**
   * A GitHub App installed on every repository: JWTs must be RS256-signed by `publicKey`'s key.
   * Its installation tokens write as `<slug>[bot]` (slug `copy-pr-app` unless set).
   */
  app: { id: string; publicKey: string; installationId: number; slug?: string } | undefined;
  /** Installation tokens the App endpoints issued, with what was asked for. */
  readonly installationTokens: { token: string; body: any; revoked: boolean }[] = [];
  /** Personal tokens -> their user's login. Any other token is the workflow's GITHUB_TOKEN. */
  readonly tokenLogins = new Map<string, string>();
  /** Workflow runs and their artifacts (fake-actions.ts). */
  readonly actions = new FakeActions(
    () => this.url,
    (request) => `${request.params.owner}/${request.params.repo}`,
  );
  private nextId = 1000;

  static async start(): Promise<FakeGitHub> {
    const fake = new FakeGitHub();
    fake.registerRoutes();
    return fake.start();
  }

  addPull(pull: FakePull, files: FakePullFile[] = [], commits: FakeCommit[] = []): this {
    this.pulls.set(pull.number, {
      state: 'open',
      merged: false,
      title: `PR ${pull.number}`,
      user: { login: 'contributor' },
      ...pull,
    });
    this.pullFiles.set(pull.number, files);
    for (const commit of commits) this.commits.set(commit.sha, commit);
    this.pullCommits.set(
      pull.number,
      commits.map((commit) => commit.sha),
    );
    return this;
  }

  addCommit(commit: FakeCommit): this {
    this.commits.set(commit.sha, commit);
    return this;
  }

  setJobs(runId: number, jobs: FakeJob[]): this {
    this.runJobs.set(
      runId,
      jobs.map((job, index) => ({
        id: job.id ?? runId * 10_000 + index,
        run_id: runId,
        status: 'completed',
        conclusion: 'success',
        run_attempt: 1,
        html_url: `https://github.com/ai-dynamo/dynamo/actions/runs/${runId}/job/${job.id ?? runId * 10_000 + index}`,
        ...job,
      })),
    );
    return this;
  }

  /** Add a workflow run (`GET .../actions/runs/{id}`, the runs lists), with its jobs when given. */
  addRun(run: FakeRun, jobs?: FakeJob[]): this {
    this.actions.addRun(run);
    if (jobs) this.setJobs(run.id, jobs);
    return this;
  }

  /** Add an artifact to a run of the built-in store (one with the same name replaces it). */
  addArtifact(runId: number, artifact: FakeArtifact): this {
    const store = this.actions.artifactStore;
    if (!(store instanceof MemoryArtifactStore)) {
      throw new Error('addArtifact fills the built-in store; this fake reads artifacts from another ArtifactStore');
    }
    store.add(runId, artifact);
    return this;
  }

  /** Where runs' artifacts come from: a workflow engine's store can replace the built-in one. */
  get artifactStore(): ArtifactStore {
    return this.actions.artifactStore;
  }

  set artifactStore(store: ArtifactStore) {
    this.actions.artifactStore = store;
  }

  setPermission(user: string, permission: Permission): this {
    this.permissions.set(user, permission);
    return this;
  }

  private registerRoutes(): void {
    const repoPath = '/repos/:owner/:repo';
    this.route('GET', repoPath, (request) => ({
      body: {
        name: request.params.repo,
        full_name: `${request.params.owner}/${request.params.repo}`,
        default_branch: this.defaultBranch,
        owner: { login: request.params.owner },
      },
    }));

    this.route('GET', `${repoPath}/pulls`, (request) => {
      const head = request.query.get('head');
      const state = request.query.get('state') ?? 'open';
      const pulls = [...this.pulls.values()].filter(
        (pull) =>
          (state === 'all' || pull.state === state) &&
          (head === null ||
            `${pull.head.repo?.full_name.split('/')[0] ?? request.params.owner}:${pull.head.ref}` === head),
      );
      return paginate(request, pulls);
    });
    this.route('GET', `${repoPath}/pulls/:number`, (request) => {
      const pull = this.pulls.get(Number(request.params.number));
      return pull ? { body: pull } : notFound();
    });
    this.route('GET', `${repoPath}/pulls/:number/files`, (request) => {
      const files = this.pullFiles.get(Number(request.params.number));
      if (!files) return notFound();
      return paginate(request, files.slice(0, PULL_FILES_LIMIT), { defaultPerPage: 30, maxPerPage: 100 });
    });
    this.route('GET', `${repoPath}/pulls/:number/commits`, (request) => {
      const shas = this.pullCommits.get(Number(request.params.number));
      if (!shas) return notFound();
      return paginate(
        request,
        shas.slice(0, PULL_COMMITS_LIMIT).map((sha) => this.commitBody(sha)),
      );
    });

    this.route('GET', `${repoPath}/compare/*basehead`, (request) => {
      const [base, head] = (request.params.basehead as string).split('...');
      const headCommit = head ? this.commits.get(head) : undefined;
      if (!base || !head || !headCommit) return notFound();
      const pull = [...this.pulls.values()].find((candidate) => candidate.head.sha === head);
      return {
        body: {
          status: 'ahead',
          merge_base_commit: { sha: pull?.merge_base ?? base },
          base_commit: { sha: base },
          total_commits: 1,
          commits: [this.commitBody(head)],
          files: headCommit.files ?? [],
        },
      };
    });
    this.route('GET', `${repoPath}/commits/:ref`, (request) => {
      const commit = this.commits.get(request.params.ref as string);
      return commit
        ? { body: { ...this.commitBody(commit.sha), files: commit.files ?? [] } }
        : notFound('No commit found for SHA');
    });
    this.route('GET', `${repoPath}/commits/:sha/pulls`, (request) =>
      paginate(
        request,
        [...this.pulls.values()].filter((pull) => pull.head.sha === request.params.sha),
      ),
    );

    this.actions.register(this, repoPath, paginate, (runId) => this.runJobs.has(runId));
    const jobsHandler = (request: FakeRequest): FakeResponse => {
      const jobs = this.runJobs.get(Number(request.params.runId));
      if (!jobs) return notFound();
      const attempt = request.params.attempt ? Number(request.params.attempt) : undefined;
      const filter = request.query.get('filter') ?? 'latest';
      let selected = jobs;
      if (attempt !== undefined) selected = jobs.filter((job) => job.run_attempt === attempt);
      else if (filter === 'latest') {
        const latest = Math.max(...jobs.map((job) => Number(job.run_attempt ?? 1)));
        selected = jobs.filter((job) => Number(job.run_attempt ?? 1) === latest);
      }
      return paginate(request, selected, { wrap: 'jobs' });
    };
    this.route('GET', `${repoPath}/actions/runs/:runId/jobs`, jobsHandler);
    this.route('GET', `${repoPath}/actions/runs/:runId/attempts/:attempt/jobs`, jobsHandler);

    this.route('POST', `${repoPath}/check-runs`, (request) => {
      const checkRun = { id: this.nextId++, ...request.body };
      this.checkRuns.push(checkRun);
      return { status: 201, body: checkRun };
    });
    this.route('PATCH', `${repoPath}/check-runs/:id`, (request) => {
      const checkRun = this.checkRuns.find((candidate) => candidate.id === Number(request.params.id));
      if (!checkRun) return notFound();
      Object.assign(checkRun, request.body);
      return { body: checkRun };
    });
    this.route('GET', `${repoPath}/commits/:ref/check-runs`, (request) => {
      const runs = this.checkRuns.filter((checkRun) => checkRun.head_sha === request.params.ref);
      return paginate(request, runs, { wrap: 'check_runs' });
    });

    this.route('GET', `${repoPath}/collaborators/:user/permission`, (request) => {
      const user = request.params.user as string;
      const permission = this.permissions.get(user);
      if (permission === undefined) {
        return { status: 404, body: { message: `${user} is not a user`, status: '404' } };
      }
      const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
      return { body: { permission: legacy, role_name: permission, user: { login: user } } };
    });
    this.route('GET', '/orgs/:org/teams/:team/memberships/:user', (request) => {
      const members = this.teams.get(`${request.params.org}/${request.params.team}`);
      if (!members?.has(request.params.user as string)) return notFound();
      return { body: { state: 'active', role: 'member' } };
    });

    this.route('GET', `${repoPath}/issues/:number/comments`, (request) =>
      paginate(
        request,
        this.comments
          .filter((comment) => comment.issue === Number(request.params.number))
          .map((comment) => commentBody(comment, request)),
      ),
    );
    this.route('POST', `${repoPath}/issues/:number/comments`, (request) => {
      const now = new Date().toISOString();
      const comment: FakeComment = {
        id: this.nextId++,
        issue: Number(request.params.number),
        body: String(request.body?.body ?? ''),
        user: { login: this.loginOf(request) },
        reactions: [],
        created_at: now,
        updated_at: now,
      };
      this.comments.push(comment);
      return { status: 201, body: commentBody(comment, request) };
    });
    const commentById = (request: FakeRequest) =>
      this.comments.find((candidate) => candidate.id === Number(request.params.id));
    this.route('GET', `${repoPath}/issues/comments/:id`, (request) => {
      const comment = commentById(request);
      return comment ? { body: commentBody(comment, request) } : notFound();
    });
    this.route('PATCH', `${repoPath}/issues/comments/:id`, (request) => {
      const comment = commentById(request);
      if (!comment) return notFound();
      comment.body = String(request.body?.body ?? '');
      comment.updated_at = new Date().toISOString();
      return { body: commentBody(comment, request) };
    });
    this.route('DELETE', `${repoPath}/issues/comments/:id`, (request) => {
      const comment = commentById(request);
      if (!comment) return notFound();
      this.comments.splice(this.comments.indexOf(comment), 1);
      return { status: 204 };
    });
    this.route('POST', `${repoPath}/issues/comments/:id/reactions`, (request) => {
      const comment = commentById(request);
      if (!comment) return notFound();
      comment.reactions.push({ content: String(request.body?.content), user: this.loginOf(request) });
      return { status: 201, body: { id: this.nextId++, content: request.body?.content } };
    });

    // Who a token is. An installation token (the GITHUB_TOKEN, an App's) cannot read /user; the
    // GraphQL viewer answers for every kind of token.
    this.route('GET', '/user', (request) => {
      const login = this.tokenLogins.get(bearer(request) ?? '');
      if (login === undefined) return { status: 403, body: { message: 'Resource not accessible by integration' } };
      return { body: { login, type: 'User' } };
    });
    this.route('POST', '/graphql', (request) => {
      const query = String(request.body?.query ?? '');
      if (!/^\s*(query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
        return { body: { errors: [{ message: 'The fake GraphQL API answers only { viewer { login } }' }] } };
      }
      return { body: { data: { viewer: { login: this.loginOf(request) } } } };
    });

    this.route('GET', `${repoPath}/git/ref/*ref`, (request) => {
      const sha = this.refs.get(request.params.ref as string);
      return sha ? { body: refBody(request.params.ref as string, sha) } : notFound();
    });
    this.route('POST', `${repoPath}/git/refs`, (request) => {
      const ref = String(request.body?.ref ?? '').replace(/^refs\//, '');
      const sha = String(request.body?.sha ?? '');
      if (this.refs.has(ref)) return { status: 422, body: { message: 'Reference already exists' } };
      if (!this.commits.has(sha)) return { status: 422, body: { message: 'Object does not exist' } };
      this.refs.set(ref, sha);
      return { status: 201, body: refBody(ref, sha) };
    });
    this.route('PATCH', `${repoPath}/git/refs/*ref`, (request) => {
      const ref = request.params.ref as string;
      const sha = String(request.body?.sha ?? '');
      if (!this.refs.has(ref)) return { status: 422, body: { message: 'Reference does not exist' } };
      if (!this.commits.has(sha)) return { status: 422, body: { message: 'Object does not exist' } };
      this.refs.set(ref, sha);
      return { body: refBody(ref, sha) };
    });
    this.route('DELETE', `${repoPath}/git/refs/*ref`, (request) => {
      const ref = request.params.ref as string;
      if (!this.refs.delete(ref)) return { status: 422, body: { message: 'Reference does not exist' } };
      return { status: 204 };
    });

    this.route('GET', '/app', (request) =>
      this.appAuthorized(request)
        ? { body: { id: Number(this.app?.id), slug: this.appSlug(), name: this.appSlug() } }
        : badCredentials(),
    );
    this.route('GET', `${repoPath}/installation`, (request) =>
      this.appAuthorized(request) ? { body: { id: this.app?.installationId } } : badCredentials(),
    );
    this.route('POST', '/app/installations/:id/access_tokens', (request) => {
      if (!this.appAuthorized(request)) return badCredentials();
      if (Number(request.params.id) !== this.app?.installationId) return notFound();
      const token = `ghs_installation${this.nextId++}`;
      this.installationTokens.push({ token, body: request.body, revoked: false });
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      return { status: 201, body: { token, expires_at: expires, permissions: request.body?.permissions } };
    });
    this.route('DELETE', '/installation/token', (request) => {
      const issued = this.installationTokens.find(
        (candidate) => request.headers.authorization === `token ${candidate.token}`,
      );
      if (!issued) return badCredentials();
      issued.revoked = true;
      return { status: 204 };
    });
  }

  /** The account a request's token writes as. */
  private loginOf(request: FakeRequest): string {
    const token = bearer(request) ?? '';
    const personal = this.tokenLogins.get(token);
    if (personal !== undefined) return personal;
    if (this.installationTokens.some((issued) => issued.token === token)) return `${this.appSlug()}[bot]`;
    return ACTIONS_BOT;
  }

  private appSlug(): string {
    return this.app?.slug ?? 'copy-pr-app';
  }

  /** A valid, unexpired App JWT (`Authorization: Bearer`) signed with the App's key. */
  private appAuthorized(request: FakeRequest): boolean {
    const [scheme, jwt] = String(request.headers.authorization ?? '').split(' ');
    const [header, payload, signature] = (jwt ?? '').split('.');
    if (!this.app || scheme !== 'Bearer' || !header || !payload || !signature) return false;
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.app.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return signed && String(claims.iss) === this.app.id && claims.exp > Date.now() / 1000;
  }

  private commitBody(sha: string): Record<string, unknown> {
    const commit = this.commits.get(sha) ?? { sha };
    const committer = commit.committer === undefined ? commit.author : commit.committer;
    return {
      sha,
      parents: (commit.parents ?? []).map((parent) => ({ sha: parent })),
      author: commit.author ? { login: commit.author } : null,
      committer: committer ? { login: committer } : null,
      commit: {
        message: commit.message ?? '',
        author: {
          name: commit.author ?? 'unknown',
          email: `${commit.author ?? 'unknown'}@example.com`,
          date: '2026-01-01T00:00:00Z',
        },
        committer: {
          name: committer ?? 'unknown',
          email: committer === 'web-flow' ? 'noreply@github.com' : `${committer ?? 'unknown'}@example.com`,
          date: '2026-01-01T00:00:00Z',
        },
        verification: { verified: commit.verified ?? false, reason: commit.verified ? 'valid' : 'unsigned' },
      },
    };
  }
}

function refBody(ref: string, sha: string): Record<string, unknown> {
  return { ref: `refs/${ref}`, object: { sha, type: 'commit' } };
}

function commentBody(comment: FakeComment, request: FakeRequest): Record<string, unknown> {
  return {
    id: comment.id,
    body: comment.body,
    user: comment.user,
    created_at: comment.created_at ?? '2026-01-01T00:00:00Z',
    updated_at: comment.updated_at ?? comment.created_at ?? '2026-01-01T00:00:00Z',
    issue_url: `https://api.github.com/repos/${request.params.owner}/${request.params.repo}/issues/${comment.issue}`,
  };
}

/** The token of an `Authorization: token ...` (or `Bearer ...`) header. */
function bearer(request: FakeRequest): string | undefined {
  return /^(?:token|bearer) (.+)$/i.exec(String(request.headers.authorization ?? ''))?.[1];
}

function badCredentials(): FakeResponse {
  return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
}

function notFound(message = 'Not Found'): FakeResponse {
  return { status: 404, body: { message, documentation_url: 'https://docs.github.com/rest' } };
}

/**
 * GitHub-style pagination: `per_page` (default 30, max 100) and `page`, with a `Link` header
 * naming next/last. `wrap` puts the page under a key with `total_count`, as the Actions jobs and
 * check-runs lists do.
 */
export function paginate(
  request: FakeRequest,
  items: readonly unknown[],
  options: { wrap?: string; defaultPerPage?: number; maxPerPage?: number } = {},
): FakeResponse {
  const perPage = Math.min(
    Number(request.query.get('per_page') ?? options.defaultPerPage ?? 30),
    options.maxPerPage ?? 100,
  );
  const page = Math.max(1, Number(request.query.get('page') ?? 1));
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(request.query);
    query.set('page', String(target));
    query.set('per_page', String(perPage));
    const host = request.headers.host ?? '127.0.0.1';
    return `<http://${host}${request.path}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'));
  if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
  const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
  return { body: options.wrap ? { total_count: items.length, [options.wrap]: slice } : slice, headers };
}

export type { ServerResponse };

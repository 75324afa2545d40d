import { FakeGitHub, GitRepo, recordingLogger, shallowClone } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChangeSetOptions,
  type ChangeSetPorts,
  ConfigError,
  changedPaths,
  createChangeSetApi,
  Git,
  resolveChangeSet,
  ZERO_SHA,
} from '../src/index.js';

const REPO = { owner: 'ai-dynamo', repo: 'dynamo' };

/**
 * origin history:
 *   c0 - c1 ------------------ m1 .. m40 (main: 40 commits touching main-N.txt)
 *          \- f1 - f2 (feature, PR #7)
 *   old-feature: c1 - o1 (the tip before a force push of `feature`)
 */
interface Fixture {
  origin: GitRepo;
  bare: string;
  c0: string;
  c1: string;
  f1: string;
  f2: string;
  o1: string;
  mainTip: string;
  mainCommits: string[];
}

function buildFixture(): Fixture {
  const origin = GitRepo.init();
  origin.write({ 'README.md': '# r\n', 'lib/a.rs': 'fn a() {}\n', 'docs/guide.md': 'guide\n' });
  const c0 = origin.commit('c0');
  origin.write({ 'lib/b.rs': 'fn b() {}\n' });
  const c1 = origin.commit('c1');
  origin.checkout('feature', { create: true });
  origin.write({ 'components/vllm/main.py': 'print(1)\n' });
  const f1 = origin.commit('f1');
  origin.write({ 'docs/guide.md': 'guide v2\n' });
  const f2 = origin.commit('f2');
  origin.checkout('main');
  origin.checkout('old-feature', { create: true });
  origin.write({ 'old.txt': 'thrown away\n' });
  const o1 = origin.commit('o1');
  origin.checkout('main');
  const mainCommits: string[] = [];
  for (let index = 1; index <= 40; index++) {
    origin.write({ [`main-${index}.txt`]: `${index}\n` });
    mainCommits.push(origin.commit(`m${index}`));
  }
  const bare = origin.bareClone();
  // GitHub keeps PR heads under refs/pull/N/head; fetching them by SHA works like this.
  origin.git(['push', '--quiet', '--', bare, `${f2}:refs/pull/7/head`]);
  return { origin, bare, c0, c1, f1, f2, o1, mainTip: mainCommits.at(-1) as string, mainCommits };
}

function options(overrides: Partial<ChangeSetOptions> & { event: string; payload?: Record<string, any> }) {
  const { event, payload = {}, ...rest } = overrides;
  return {
    context: { eventName: event, payload, sha: rest.headSha, ref: payload.ref },
    ...rest,
  } satisfies ChangeSetOptions;
}

function paths(files: { path: string }[]): string[] {
  return files.map((file) => file.path).sort();
}

describe('resolveChangeSet on real shallow clones', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = buildFixture();
  });

  const gitPorts = (dir: string, log: string[] = []): ChangeSetPorts => ({
    git: new Git(dir),
    log: { ...recordingLogger(), info: (line: string) => void log.push(line) },
  });

  it.each(['pull_request', 'pull_request_target'])(
    '%s: merge base of base and head, to head, from a depth-1 checkout',
    async (event) => {
      // pull_request_target checks out the base: the PR head must be fetched by SHA.
      const checkout = shallowClone(fx.bare, { sha: event === 'pull_request' ? fx.f2 : fx.mainTip });
      const log: string[] = [];
      const result = await resolveChangeSet(
        options({
          event,
          payload: { number: 7, pull_request: { number: 7, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
        }),
        gitPorts(checkout.dir, log),
      );
      expect(result.source).toBe('git');
      expect(result.base).toBe(fx.c1);
      expect(result.head).toBe(fx.f2);
      expect(paths(result.files)).toEqual(['components/vllm/main.py', 'docs/guide.md']);
      expect(result.reason).toContain('pull request #7');
      // Only the two SHAs were fetched, with a bounded depth; never a branch.
      expect(log.join('\n')).toMatch(/depth (32|256)/);
      expect(checkout.git(['for-each-ref', '--format=%(refname)', 'refs/remotes']).trim()).toBe('');
    },
  );

  it('push: before..after on a depth-1 clone of main', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const before = fx.mainCommits[37] as string;
    const result = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/main', before, after: fx.mainTip } }),
      gitPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: before, head: fx.mainTip });
    expect(paths(result.files)).toEqual(['main-39.txt', 'main-40.txt']);
  });

  it('push of a new branch: merge base with the default branch, and says so', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'feature' });
    const result = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/feature', before: ZERO_SHA, after: fx.f2, repository: { default_branch: 'main' } },
      }),
      gitPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: fx.c1, head: fx.f2 });
    expect(result.reason).toMatch(/new branch feature: merge base with main/);
    expect(paths(result.files)).toEqual(['components/vllm/main.py', 'docs/guide.md']);
  });

  it('force push: a `before` that is not an ancestor falls back to the merge base with the default branch', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'feature' });
    const result = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/feature', before: fx.o1, after: fx.f2 } }),
      gitPorts(checkout.dir),
    );
    expect(result.reason).toMatch(/^force push to feature: merge base with main/);
    expect(result.base).toBe(fx.c1);
    // The thrown-away commit's old.txt is not counted.
    expect(paths(result.files)).toEqual(['components/vllm/main.py', 'docs/guide.md']);
  });

  it('force push with an unreachable `before` falls back the same way', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'feature' });
    const result = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/feature', before: 'f'.repeat(40), after: fx.f2 } }),
      gitPorts(checkout.dir),
    );
    expect(result.reason).toMatch(/is unreachable to feature: merge base with main/);
    expect(result.base).toBe(fx.c1);
  });

  it('force push to the default branch: merge base with the previous tip', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/main', before: fx.o1, after: fx.mainTip } }),
      gitPorts(checkout.dir),
    );
    expect(result.base).toBe(fx.c1);
    expect(result.files).toHaveLength(40);
  });

  it('merge_group: base_sha..head_sha', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await resolveChangeSet(
      options({
        event: 'merge_group',
        payload: { merge_group: { base_sha: fx.mainCommits[38], head_sha: fx.mainTip } },
      }),
      gitPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: fx.mainCommits[38], head: fx.mainTip });
    expect(paths(result.files)).toEqual(['main-40.txt']);
  });

  it.each(['schedule', 'workflow_dispatch', 'release'])('%s: no base, source none, with the reason', async (event) => {
    const result = await resolveChangeSet(options({ event, headSha: fx.mainTip }), gitPorts('/nonexistent'));
    expect(result).toEqual({
      base: undefined,
      head: fx.mainTip,
      files: [],
      source: 'none',
      reason: `${event} event has no base to compare with; every filter counts as changed`,
    });
  });

  it('tag pushes and the first push of the default branch have no base', async () => {
    const tag = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/tags/v1.0.0', before: ZERO_SHA, after: fx.mainTip } }),
      gitPorts('/nonexistent'),
    );
    expect(tag.source).toBe('none');
    const first = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/main', before: ZERO_SHA, after: fx.mainTip } }),
      gitPorts('/nonexistent'),
    );
    expect(first).toMatchObject({ source: 'none', reason: expect.stringContaining('first push of the default') });
  });

  it('explicit base-sha/head-sha override the event and diff directly', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await resolveChangeSet(
      options({
        event: 'pull_request',
        payload: { pull_request: { number: 7, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
        baseSha: fx.c0,
        headSha: fx.c1,
      }),
      gitPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: fx.c0, head: fx.c1 });
    expect(paths(result.files)).toEqual(['lib/b.rs']);
  });

  it('base equal to head is an empty change set, not an error', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/main', before: fx.mainTip, after: fx.mainTip } }),
      gitPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', files: [] });
  });

  it('an unknown explicit base is a ConfigError naming the SHA', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const promise = resolveChangeSet(
      options({ event: 'push', baseSha: 'a'.repeat(40), headSha: fx.mainTip }),
      gitPorts(checkout.dir),
    );
    await expect(promise).rejects.toThrow(ConfigError);
    await expect(promise).rejects.toThrow(/aaaaaaaaaaaa .*could not be fetched/);
  });

  it('no repository and no API: a ConfigError that says to check out', async () => {
    const promise = resolveChangeSet(
      options({
        event: 'pull_request',
        payload: { pull_request: { number: 7, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
      }),
      gitPorts('/tmp'),
    );
    await expect(promise).rejects.toThrow(/Could not find the merge base .* no token was given/);
  });
});

describe('resolveChangeSet with the GitHub API (fake GitHub, real Octokit)', () => {
  let fx: Fixture;
  let github: FakeGitHub;
  beforeAll(async () => {
    fx = buildFixture();
    github = await FakeGitHub.start();
    github.addPull(
      {
        number: 7,
        head: { sha: fx.f2, ref: 'feature' },
        base: { sha: fx.mainTip, ref: 'main' },
        merge_base: fx.c1,
        changed_files: 2,
      },
      [
        { filename: 'components/vllm/main.py', status: 'added' },
        { filename: 'docs/guide.md', status: 'modified' },
      ],
      [{ sha: fx.f1 }, { sha: fx.f2 }],
    );
  });
  afterAll(() => github.close());

  const apiPorts = (dir: string, log: string[] = []): ChangeSetPorts => ({
    git: new Git(dir),
    api: () => createChangeSetApi('ghs_test', REPO, { baseUrl: github.url, baseDelayMs: 1 }),
    log: { ...recordingLogger(), info: (line: string) => void log.push(line) },
  });

  it('push to pull-request/N: the PR merge base from the compare API, then a depth-1 fetch', async () => {
    github.requests.length = 0;
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    const result = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/pull-request/7', before: fx.f1, after: fx.f2 },
      }),
      apiPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: fx.c1, head: fx.f2 });
    expect(result.reason).toBe(`push to pull-request/7 (pull request #7): merge base with main ${fx.c1.slice(0, 12)}`);
    expect(paths(result.files)).toEqual(['components/vllm/main.py', 'docs/guide.md']);
    expect(github.seen('GET', `/repos/ai-dynamo/dynamo/compare/main...${fx.f2}`)).toHaveLength(1);
  });

  it('push to pull-request/N for an unknown PR (404): merge base with the default branch, and says so', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    const result = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/pull-request/999', before: fx.f1, after: fx.f2 },
      }),
      { ...apiPorts(checkout.dir), api: undefined },
    );
    expect(result.reason).toContain('without a token');
    const withApi = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/pull-request/999', before: fx.f1, after: fx.f2 },
        defaultBranch: 'main',
      }),
      apiPorts(checkout.dir),
    );
    expect(withApi.reason).toMatch(/pull request #999\): the PR was not found: merge base with main/);
    expect(withApi.base).toBe(fx.c1);
  });

  it('a custom pr-branch-pattern picks the PR number', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    const result = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/ci/pr-7', before: fx.f1, after: fx.f2 },
        prBranchPattern: /^ci\/pr-(\d+)$/,
      }),
      apiPorts(checkout.dir),
    );
    expect(result.reason).toContain('pull request #7');
    expect(result.base).toBe(fx.c1);
  });

  it('pull_request beyond the depth bound: the merge base comes from the compare API', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    const result = await resolveChangeSet(
      options({
        event: 'pull_request',
        payload: { pull_request: { number: 7, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
        maxDepth: 1,
      }),
      apiPorts(checkout.dir),
    );
    expect(result).toMatchObject({ source: 'git', base: fx.c1 });
  });

  it('pull_request when git cannot fetch at all: the PR files API, every page', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    checkout.git(['remote', 'remove', 'origin']);
    const many = Array.from({ length: 250 }, (_, index) => ({
      filename: `gen/file ${index}.py`,
      status: 'added' as const,
    }));
    github.addPull(
      { number: 8, head: { sha: fx.f2, ref: 'feature' }, base: { sha: fx.mainTip, ref: 'main' }, changed_files: 252 },
      [
        ...many,
        { filename: 'new.py', status: 'renamed', previous_filename: 'old.py' },
        { filename: 'x', status: 'removed' },
      ],
    );
    github.requests.length = 0;
    const result = await resolveChangeSet(
      options({
        event: 'pull_request',
        payload: { pull_request: { number: 8, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
      }),
      apiPorts(checkout.dir),
    );
    expect(result.source).toBe('api');
    expect(result.files).toHaveLength(252);
    expect(result.files.at(-2)).toEqual({ status: 'renamed', path: 'new.py', previousPath: 'old.py' });
    expect(result.files.at(-1)).toEqual({ status: 'deleted', path: 'x' });
    expect(github.seen('GET', '/repos/ai-dynamo/dynamo/pulls/8/files')).toHaveLength(3);
  });

  it('the 3000-file cap is detected: back to git (unbounded) rather than a partial list', async () => {
    const files = Array.from({ length: 3500 }, (_, index) => ({ filename: `f${index}`, status: 'added' as const }));
    github.addPull(
      { number: 9, head: { sha: fx.f2, ref: 'feature' }, base: { sha: fx.mainTip, ref: 'main' }, changed_files: 3500 },
      files,
    );
    github.fault({ path: /\/compare\//, status: 404, times: 1 });
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    const log: string[] = [];
    const result = await resolveChangeSet(
      options({
        event: 'pull_request',
        payload: { pull_request: { number: 9, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
        maxDepth: 1,
      }),
      apiPorts(checkout.dir, log),
    );
    expect(log.join('\n')).toMatch(/cut at 3000 files \(the PR changes 3500\); going back to git/);
    expect(result).toMatchObject({ source: 'git', base: fx.c1 });

    // Without a remote git cannot help either: an error, never the first 3000 files.
    const noRemote = shallowClone(fx.bare, { sha: fx.f2 });
    noRemote.git(['remote', 'remove', 'origin']);
    await expect(
      resolveChangeSet(
        options({
          event: 'pull_request',
          payload: { pull_request: { number: 9, base: { sha: fx.mainTip }, head: { sha: fx.f2 } } },
        }),
        apiPorts(noRemote.dir),
      ),
    ).rejects.toThrow(/Could not find the merge base .* the GitHub API could not list the files/);
  });

  it('rate limits: a 429 with Retry-After is retried; an exhausted limit falls back to git', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.f2 });
    github.fault({ path: /\/compare\//, status: 429, headers: { 'retry-after': '0' }, times: 1 });
    const retried = await resolveChangeSet(
      options({ event: 'push', payload: { ref: 'refs/heads/pull-request/7', before: fx.f1, after: fx.f2 } }),
      apiPorts(checkout.dir),
    );
    expect(retried.base).toBe(fx.c1);
    expect(retried.reason).toContain('merge base with main');

    github.fault({
      path: /\/pulls\/7$/,
      status: 403,
      body: { message: 'API rate limit exceeded' },
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600) },
      times: 1,
    });
    const log: string[] = [];
    const limited = await resolveChangeSet(
      options({
        event: 'push',
        payload: { ref: 'refs/heads/pull-request/7', before: fx.f1, after: fx.f2 },
        defaultBranch: 'main',
      }),
      apiPorts(checkout.dir, log),
    );
    expect(log.join('\n')).toMatch(/Could not read pull request #7: .*rate limit/);
    expect(limited.base).toBe(fx.c1);
    github.clearFaults();
  });
});

describe('changedPaths', () => {
  const files = [
    { status: 'added' as const, path: 'a' },
    { status: 'modified' as const, path: 'm' },
    { status: 'deleted' as const, path: 'd' },
    { status: 'renamed' as const, path: 'new', previousPath: 'old' },
    { status: 'copied' as const, path: 'copy', previousPath: 'm' },
    { status: 'type-changed' as const, path: 't' },
  ];
  it.each([
    [undefined, ['a', 'm', 'd', 'old', 'new', 'copy', 't']],
    [
      ['added', 'modified'],
      ['a', 'm', 'new'],
    ],
    [['deleted'], ['d', 'old']],
    [['renamed'], ['old', 'new']],
    [['copied'], ['copy']],
    [['type-changed'], ['t']],
  ] as const)('types %j -> %j', (types, expected) => {
    expect(changedPaths(files, types as any)).toEqual(expected);
  });
});

describe('changedPaths dedupe', () => {
  it('a path renamed away and re-added counts once', () => {
    const files = [
      { status: 'added' as const, path: 'a' },
      { status: 'renamed' as const, path: 'b', previousPath: 'a' },
      { status: 'modified' as const, path: 'c' },
    ];
    expect(changedPaths(files)).toEqual(['a', 'b', 'c']);
    expect(changedPaths(files, ['deleted'])).toEqual(['a']);
  });
});

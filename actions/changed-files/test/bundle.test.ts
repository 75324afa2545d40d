/**
 * The bundle, run as a process by the simulated runner, on real repositories (shallow clones of
 * a local bare repository, as actions/checkout leaves them) and against the fake GitHub API.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub, GitRepo, repoRoot, runAction, SimulatedJob, shallowClone } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';

const UPSTREAM_FILTERS = readFileSync(join(repoRoot, 'examples', 'dynamo-example', '.github', 'filters.yaml'), 'utf8');
const ZERO = '0'.repeat(40);

/** Names that break naive shell or line-based handling. */
const HOSTILE = [
  'docs/with space.md',
  `docs/quote'single.md`,
  'docs/$(touch pwned).md',
  'docs/--output=x.md',
  'docs/line\nbreak.md',
  'docs/ünïcödé 日本語.md',
];

interface Fixture {
  origin: GitRepo;
  bare: string;
  base: string;
  head: string;
  submoduleHead: string;
}

/**
 * main: base (filters, lib, docs, a symlink, a submodule) -> feature head: edits, adds, a rename,
 * a deletion, a symlink retarget, a file turned into a symlink, hostile names, the submodule moved.
 */
function buildFixture(): Fixture {
  const sub = GitRepo.init();
  sub.write({ 'README.md': 'sub\n' });
  sub.commit('sub 1');
  const origin = GitRepo.init();
  origin.write({
    '.github/filters.yaml': UPSTREAM_FILTERS,
    'lib/runtime/src/lib.rs': 'fn main() {}\n',
    'lib/runtime/src/old_name.rs': 'a long enough body for rename detection to be certain\n'.repeat(5),
    'components/src/dynamo/vllm/main.py': 'print(1)\n',
    'docs/guide.md': 'guide\n',
    'deploy/helm/values.yaml': 'a: 1\n',
    'container/deps/requirements.txt': 'numpy\n',
  });
  origin.symlink('lib/link', 'runtime/src/lib.rs');
  origin.git(['-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', '--', sub.dir, 'third_party/sub']);
  const base = origin.commit('base');
  origin.checkout('feature', { create: true });
  sub.write({ 'README.md': 'sub 2\n' });
  const submoduleHead = sub.commit('sub 2');
  origin.git(['-C', 'third_party/sub', 'fetch', '--quiet', 'origin']);
  origin.git(['-C', 'third_party/sub', 'checkout', '--quiet', submoduleHead]);
  origin.move('lib/runtime/src/old_name.rs', 'lib/runtime/src/new_name.rs');
  origin.remove('deploy/helm/values.yaml', 'lib/link', 'container/deps/requirements.txt');
  origin.symlink('lib/link', 'runtime/src/new_name.rs');
  origin.symlink('container/deps/requirements.txt', '../../docs/guide.md');
  origin.write({
    'components/src/dynamo/vllm/main.py': 'print(2)\n',
    Makefile: 'all:\n',
    ...Object.fromEntries(HOSTILE.map((name) => [name, `${name}\n`])),
  });
  const head = origin.commit('head');
  origin.checkout('main');
  const bare = origin.bareClone();
  return { origin, bare, base, head, submoduleHead };
}

function pullRequestEvent(fx: Fixture, number = 5) {
  return {
    number,
    pull_request: { number, base: { sha: fx.base, ref: 'main' }, head: { sha: fx.head, ref: 'feature' } },
    repository: { default_branch: 'main', full_name: 'ai-dynamo/dynamo' },
  };
}

const json = (text: string | undefined) => JSON.parse(text ?? 'null');

describe('changed-files bundle', () => {
  let fx: Fixture;
  beforeAll(() => {
    fx = buildFixture();
  });

  it('pull_request on a depth-1 checkout: per-filter outputs, renames, deletions, symlinks, submodules, hostile names', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.head });
    // A job of our own, so RUNNER_TEMP (where report-file lives) outlasts the step.
    const job = new SimulatedJob({
      workspace: checkout.dir,
      eventName: 'pull_request',
      event: pullRequestEvent(fx),
      sha: fx.head,
      token: '',
    });
    onTestFinished(() => job.cleanup());
    const result = await job.run('changed-files', { inputs: { 'write-report': 'true' } });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    const { outputs } = result;
    expect(outputs.source).toBe('git');
    expect(outputs['base-sha']).toBe(fx.base);
    expect(outputs['head-sha']).toBe(fx.head);
    const files: string[] = json(outputs.files);
    expect([...files].sort()).toEqual(
      [
        'Makefile',
        'components/src/dynamo/vllm/main.py',
        'container/deps/requirements.txt',
        'deploy/helm/values.yaml',
        'lib/link',
        'lib/runtime/src/new_name.rs',
        'lib/runtime/src/old_name.rs',
        'third_party/sub',
        ...HOSTILE,
      ].sort(),
    );
    // Rename: both paths count (rust matches **/*.rs).
    expect(json(outputs.rust_files)).toEqual(['lib/runtime/src/old_name.rs', 'lib/runtime/src/new_name.rs']);
    // Deletion counts: deploy is true because deploy/helm/values.yaml was deleted.
    expect(outputs.deploy).toBe('true');
    expect(json(outputs.deploy_files)).toEqual(['deploy/helm/values.yaml']);
    // A file turned into a symlink (type change) and a retargeted symlink count.
    expect(json(outputs.core_files)).toEqual(
      expect.arrayContaining(['lib/link', 'lib/runtime/src/old_name.rs', 'lib/runtime/src/new_name.rs']),
    );
    // core's trailing '!**/*.txt' drops container/deps/*.txt (upstream's known miss); frontend keeps it.
    expect(json(outputs.core_files)).not.toContain('container/deps/requirements.txt');
    expect(json(outputs.frontend_files)).toContain('container/deps/requirements.txt');
    expect(outputs.vllm).toBe('true');
    expect(outputs.vllm_count).toBe('1');
    // Hostile names survive JSON exactly.
    expect(json(outputs.docs_files)).toEqual(expect.arrayContaining(HOSTILE));
    expect(outputs.planner).toBe('false');
    expect(outputs.planner_files).toBe('[]');
    expect(outputs.planner_count).toBe('0');
    expect(json(outputs.changes)).toEqual(['all', 'docs', 'core', 'deploy', 'vllm', 'frontend', 'rust']);
    // Makefile and the submodule match no filter: a warning by default, listing them.
    expect(json(outputs.uncovered)).toEqual(['Makefile', 'third_party/sub']);
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      expect.stringMatching(
        /^The following 2 changed file\(s\) are not covered by any filter in \.github\/filters\.yaml:\n {2}Makefile\n {2}third_party\/sub\n/,
      ),
    ]);
    expect(outputs.reason).toBe(
      `pull request #5: from the merge base ${fx.base.slice(0, 12)} of base ${fx.base.slice(0, 12)} to head ${fx.head.slice(0, 12)}`,
    );
    expect(result.summary).toContain(`Base \`${fx.base.slice(0, 12)}\` → head \`${fx.head.slice(0, 12)}\``);
    expect(result.summary).toContain('| `vllm` | **true** | 1 |');
    expect(result.summary).toContain('| `planner` | false | 0 |');
    expect(result.summary).toContain('**2 changed file(s) match no filter** in `.github/filters.yaml`');
    const report = JSON.parse(readFileSync(outputs['report-file'] as string, 'utf8'));
    expect(report).toMatchObject({
      base: fx.base,
      head: fx.head,
      source: 'git',
      uncovered: ['Makefile', 'third_party/sub'],
    });
    expect(outputs['report-file']).toContain(job.temp);
    expect(report.filters.rust.files).toEqual(['lib/runtime/src/old_name.rs', 'lib/runtime/src/new_name.rs']);
    expect(report.changeSet).toContainEqual({
      status: 'renamed',
      path: 'lib/runtime/src/new_name.rs',
      previousPath: 'lib/runtime/src/old_name.rs',
    });
    expect(report.files).toEqual(files);
  });

  it('change-types selects what counts; without renamed a rename is a delete plus an add', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.head });
    const job = { workspace: checkout.dir, eventName: 'pull_request', event: pullRequestEvent(fx), token: '' };
    const added = await runAction('changed-files', job, { inputs: { 'change-types': 'added' } });
    expect(added.exitCode).toBe(0);
    expect(json(added.outputs.rust_files)).toEqual(['lib/runtime/src/new_name.rs']);
    expect(added.outputs.deploy).toBe('false');
    // The report is opt-in (write-report): without it, no file and an empty output.
    expect(added.outputs['report-file']).toBe('');
    const deleted = await runAction('changed-files', job, { inputs: { 'change-types': 'D' } });
    expect(json(deleted.outputs.files).sort()).toEqual(['deploy/helm/values.yaml', 'lib/runtime/src/old_name.rs']);
    const typeChanged = await runAction('changed-files', job, { inputs: { 'change-types': 'type-changed' } });
    expect(json(typeChanged.outputs.files)).toEqual(['container/deps/requirements.txt']);
  });

  it('uncovered: fail exits 1 naming the files and the filters file, after setting the outputs', async () => {
    const checkout = shallowClone(fx.bare, { sha: fx.head });
    const result = await runAction(
      'changed-files',
      { workspace: checkout.dir, eventName: 'pull_request', event: pullRequestEvent(fx), token: '' },
      { inputs: { uncovered: 'fail' } },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toMatch(
      /^The following 2 changed file\(s\) are not covered by any filter in \.github\/filters\.yaml:\n {2}Makefile\n {2}third_party\/sub\nAdd each/,
    );
    expect(result.outputs.vllm).toBe('true');
    expect(json(result.outputs.uncovered)).toEqual(['Makefile', 'third_party/sub']);
    const ignored = await runAction(
      'changed-files',
      { workspace: checkout.dir, eventName: 'pull_request', event: pullRequestEvent(fx), token: '' },
      { inputs: { uncovered: 'ignore' } },
    );
    expect(ignored.annotations).toEqual([]);
  });

  it.each(['schedule', 'workflow_dispatch'])('%s: every filter true, source none, with the reason', async (event) => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await runAction('changed-files', { workspace: checkout.dir, eventName: event, sha: fx.base }, {});
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      vllm: 'true',
      vllm_files: '[]',
      vllm_count: '0',
      source: 'none',
      'base-sha': '',
      'head-sha': fx.base,
      files: '[]',
      uncovered: '[]',
      reason: `${event} event has no base to compare with; every filter counts as changed`,
    });
    expect(json(result.outputs.changes)).toHaveLength(14);
    expect(result.summary).toContain('no diff, every filter is true');
  });

  it('force-all: every filter true without diffing, even on a pull request', async () => {
    const result = await runAction(
      'changed-files',
      {
        workspace: shallowClone(fx.bare, { ref: 'main' }).dir,
        eventName: 'pull_request',
        event: pullRequestEvent(fx),
      },
      { inputs: { 'force-all': 'true' } },
    );
    expect(result.outputs).toMatchObject({
      core: 'true',
      source: 'none',
      reason: expect.stringContaining('force-all'),
    });
  });

  it('push: before..after; a new branch: merge base with the default branch', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    checkout.git(['fetch', '--quiet', '--depth=1', 'origin', fx.head]);
    const push = await runAction(
      'changed-files',
      {
        workspace: checkout.dir,
        eventName: 'push',
        ref: 'refs/heads/feature',
        event: { ref: 'refs/heads/feature', before: ZERO, after: fx.head, repository: { default_branch: 'main' } },
        token: '',
      },
      { inputs: { filters: "vllm: ['components/src/dynamo/vllm/**']\nother: ['!components/**']" } },
    );
    expect(push.exitCode).toBe(0);
    expect(push.outputs).toMatchObject({ vllm: 'true', 'base-sha': fx.base, source: 'git' });
    expect(push.outputs.reason).toMatch(/^new branch feature: merge base with main/);
  });

  it('push to pull-request/N: the PR merge base from the API; the token is masked and never output', async () => {
    const github = await FakeGitHub.start();
    try {
      github.addPull(
        { number: 5, head: { sha: fx.head, ref: 'feature' }, base: { sha: fx.base, ref: 'main' }, merge_base: fx.base },
        [],
        [{ sha: fx.head, parents: [fx.base] }],
      );
      const checkout = shallowClone(fx.bare, { sha: fx.head });
      const result = await runAction(
        'changed-files',
        {
          workspace: checkout.dir,
          eventName: 'push',
          ref: 'refs/heads/pull-request/5',
          event: { ref: 'refs/heads/pull-request/5', before: fx.base, after: fx.head },
          apiUrl: github.url,
          token: 'ghs_secret_token_value',
        },
        {},
      );
      expect(result.exitCode).toBe(0);
      expect(result.outputs['base-sha']).toBe(fx.base);
      expect(result.outputs.reason).toContain('(pull request #5): merge base with main');
      expect(result.masks).toContain('ghs_secret_token_value');
      expect(JSON.stringify(result.outputs) + result.summary).not.toContain('ghs_secret_token_value');
      expect(github.seen('GET', '/repos/ai-dynamo/dynamo/pulls/5')[0]?.headers.authorization).toBe(
        'token ghs_secret_token_value',
      );
    } finally {
      await github.close();
    }
  });

  it('lint findings become warnings on the filters file line', async () => {
    const repo = GitRepo.init();
    repo.write({
      '.github/filters.yaml': "core:\n  - '!**/*.md'\n  - 'lib/**'\n  - 'lib/**'\n",
      'lib/a.md': 'x\n',
    });
    const sha = repo.commit('one');
    const result = await runAction('changed-files', { workspace: repo.dir, eventName: 'schedule', sha }, {});
    expect(result.warnings).toEqual([
      expect.objectContaining({ file: '.github/filters.yaml', line: 2, title: 'changed-files: filter lint' }),
      expect.objectContaining({ file: '.github/filters.yaml', line: 4, title: 'changed-files: filter lint' }),
    ]);
    expect(result.warnings[0]?.message).toContain("'!**/*.md' in filter 'core' comes before any positive pattern");
    expect(result.summary).toContain('2 filter lint warning(s)');
  });

  it.each([
    [{ uncovered: 'maybe' }, `Input 'uncovered' must be one of fail|warn|ignore, got "maybe"`],
    [
      { 'change-types': 'added,moved' },
      `Input 'change-types' must list some of added|copied|modified|renamed|deleted|type-changed`,
    ],
    [
      { 'pr-branch-pattern': '^pull-request/\\d+$' },
      `Input 'pr-branch-pattern' needs a capture group for the PR number`,
    ],
    [{ 'pr-branch-pattern': '(' }, `Input 'pr-branch-pattern' must be a regular expression`],
    [{ 'force-all': 'sure' }, `Input 'force-all' must be true or false, got "sure"`],
    [{ 'base-sha': '--output=/etc/passwd' }, `Input 'base-sha' must be a commit SHA or ref name`],
    [{ filters: 'missing.yaml' }, 'The filters file missing.yaml does not exist'],
    [{ filters: "files: ['**']" }, "filter 'files' would set output 'files', which is the action's own output 'files'"],
    [{ filters: "a b: ['x']\n" }, `the inline 'filters' line 1: filter name "a b" cannot be an output name`],
    [
      { filters: `ok: ['x']\n"vllm\\nforged": ['y']\n` },
      `line 2: filter name "vllm\\nforged" cannot be an output name`,
    ],
    [{ filters: `"a=b": ['x']\n` }, `filter name "a=b" cannot be an output name`],
    [{ filters: "g: ['x'\n" }, "the inline 'filters' line 2 is not valid YAML"],
  ])('bad input %j: one clear error, nothing half-done', async (inputs, message) => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await runAction(
      'changed-files',
      { workspace: checkout.dir, eventName: 'pull_request', event: pullRequestEvent(fx), token: '' },
      { inputs },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain(message);
    expect(result.outputs).toEqual({});
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('an unknown base-sha fails with the SHA and what to check', async () => {
    const checkout = shallowClone(fx.bare, { ref: 'main' });
    const result = await runAction(
      'changed-files',
      { workspace: checkout.dir, eventName: 'push', sha: fx.base },
      { inputs: { 'base-sha': 'b'.repeat(40) } },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(
      /Commit\(s\) bbbbbbbbbbbb are not in the checkout and could not be fetched/,
    );
  });
});

/**
 * The release command: the tree it writes is complete (every action's action.yml, README and a bundle
 * that runs on its own, away from node_modules), and --commit records it as a release commit with
 * vX.Y.Z and a moving vX tag, never touching the checkout; with --bundle it hands that commit to
 * release.yml's publish job, whose push step (run here as the workflow has it) takes only the
 * release's own refs from it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo, repoRoot, SimulatedJob, scratchDir } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const release = (args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts', 'release.mjs'), ...args], { encoding: 'utf8' });
const actions = readdirSync(join(repoRoot, 'actions')).filter((name) =>
  existsSync(join(repoRoot, 'actions', name, 'action.yml')),
);

describe('release tree', () => {
  const out = join(scratchDir('release-'), 'tree');
  beforeAll(() => {
    const result = release(['--out', out, '--version', '1.2.3']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(actions)('holds %s with valid metadata and its bundle', (name) => {
    const metadata = parse(readFileSync(join(out, name, 'action.yml'), 'utf8'));
    expect(metadata.runs.using).toBe('node24');
    expect(existsSync(join(out, name, metadata.runs.main))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, name, 'dist', 'package.json'), 'utf8')).type).toBe('module');
    expect(readFileSync(join(out, name, 'action.yml'), 'utf8')).toBe(
      readFileSync(join(repoRoot, 'actions', name, 'action.yml'), 'utf8'),
    );
  });

  it('holds every reusable workflow and no other workflow', () => {
    const source = join(repoRoot, '.github', 'workflows');
    const expected = existsSync(source)
      ? readdirSync(source).filter((file) => {
          const on = parse(readFileSync(join(source, file), 'utf8'))?.on;
          return on && typeof on === 'object' && 'workflow_call' in on;
        })
      : [];
    const released = existsSync(join(out, '.github', 'workflows'))
      ? readdirSync(join(out, '.github', 'workflows'))
      : [];
    expect(released.sort()).toEqual(expected.sort());
  });

  it.each(actions)('runs %s from a copy of the tree with no node_modules anywhere', async (name) => {
    const isolated = scratchDir('released-action-');
    cpSync(join(out, name), join(isolated, name), { recursive: true });
    const job = new SimulatedJob({ eventName: 'workflow_dispatch' });
    try {
      const result = await job.run(join(isolated, name), { inputs: {} });
      expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
      expect(result.errors.map((error) => error.message).join('\n')).not.toMatch(/Unexpected error/);
    } finally {
      job.cleanup();
    }
  });
});

describe('release --commit', () => {
  const repo = GitRepo.init();
  const out = join(scratchDir('release-commit-'), 'tree');
  beforeAll(() => {
    repo.write({ 'README.md': 'source\n' });
    repo.commit('feat: first source commit');
  });

  it('commits the tree on releases/vX, tags vX.Y.Z and moves vX', () => {
    const first = release(['--out', out, '--version', '1.0.0', '--commit', '--repo', repo.dir]);
    expect(first.status, first.stderr).toBe(0);
    const v100 = repo.git(['rev-parse', 'v1.0.0^{commit}']).trim();
    expect(repo.git(['rev-parse', 'v1^{commit}']).trim()).toBe(v100);
    expect(repo.git(['rev-parse', 'releases/v1']).trim()).toBe(v100);
    const files = repo.git(['ls-tree', '-r', '--name-only', 'v1.0.0']).split('\n');
    for (const name of actions) {
      expect(files).toContain(`${name}/action.yml`);
      expect(files).toContain(`${name}/dist/index.js`);
    }
    expect(repo.git(['status', '--porcelain'])).toBe('');
    expect(repo.git(['log', '-1', '--format=%B', 'v1.0.0'])).toContain(`Source-Commit: ${repo.head()}`);

    repo.write({ 'README.md': 'changed\n' });
    repo.commit('fix: second source commit');
    const second = release(['--out', out, '--version', '1.1.0', '--commit', '--repo', repo.dir]);
    expect(second.status, second.stderr).toBe(0);
    const v110 = repo.git(['rev-parse', 'v1.1.0^{commit}']).trim();
    expect(repo.git(['rev-parse', 'v1^{commit}']).trim()).toBe(v110);
    expect(repo.git(['rev-parse', `${v110}^`]).trim()).toBe(v100);
    const notes = readFileSync(join(out, '..', 'RELEASE_NOTES.md'), 'utf8');
    expect(notes).toContain('## Changes since v1.0.0');
    expect(notes).toContain('- fix: second source commit');
    expect(notes).not.toContain('first source commit');
    expect(notes).toContain('`uses: org/dynamo-ci-actions/changed-files@v1`');
  });

  it('refuses an existing version and a malformed one, with the fix', () => {
    const again = release(['--out', out, '--version', '1.0.0', '--commit', '--repo', repo.dir]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('tag v1.0.0 already exists; choose the next version');
    const bad = release(['--out', out, '--version', 'v2']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--version must be X.Y.Z, got "v2"');
    const noOut = release([]);
    expect(noOut.stderr).toContain('--out DIR is required');
    const bundleOnly = release(['--out', out, '--bundle', join(out, '..', 'x.bundle')]);
    expect(bundleOnly.status).toBe(1);
    expect(bundleOnly.stderr).toContain('--bundle needs --commit');
  });
});

describe('the release hand-over: bundled by the read-only job, pushed by the job with the token', () => {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'release.yml'), 'utf8'));
  const pushScript = workflow.jobs.publish.steps.find(
    (step: { name?: string }) => step.name === 'Push the release branch and tags',
  ).run as string;
  const origin = GitRepo.init(undefined, { bare: true });
  const scratch = scratchDir('release-handover-');
  let clones = 0;

  /** A clone of origin as actions/checkout leaves it: every ref (fetch-depth 0), or the tip only. */
  function checkout(depth?: number): GitRepo {
    const dir = join(scratch, `clone-${++clones}`);
    const shallow = depth ? ['--depth', String(depth)] : [];
    execFileSync('git', ['clone', '--quiet', ...shallow, `file://${origin.dir}`, dir]);
    const repo = GitRepo.open(dir);
    repo.git(['config', 'user.name', 'github-actions[bot]']);
    repo.git(['config', 'user.email', 'bot@example.com']);
    return repo;
  }

  /** The build job: release.mjs on a full checkout of main, writing the bundle. */
  function build(version: string): string {
    const repo = checkout();
    const bundle = join(scratch, `release-${version}.bundle`);
    const result = release([
      ...['--out', join(scratch, `tree-${version}`, 'tree'), '--version', version],
      ...['--commit', '--bundle', bundle, '--repo', repo.dir],
    ]);
    expect(result.status, result.stderr).toBe(0);
    return bundle;
  }

  /** The publish job's push step, as release.yml has it, on a depth-1 checkout. */
  function publish(version: string, bundle: string) {
    const repo = checkout(1);
    return spawnSync('bash', ['-c', pushScript], {
      cwd: repo.dir,
      env: { ...process.env, VERSION: version, BUNDLE: bundle },
      encoding: 'utf8',
    });
  }

  const at = (ref: string) => origin.git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim();

  beforeAll(() => {
    const source = GitRepo.init();
    source.write({ 'README.md': 'source\n' });
    source.commit('feat: first');
    source.git(['push', '--quiet', origin.dir, 'main']);
  });

  it('publishes a first release and a second one on top of it, the bundle holding only the new commit', () => {
    const first = publish('1.0.0', build('1.0.0'));
    expect(first.status, first.stderr).toBe(0);
    const v100 = at('v1.0.0');
    expect(at('releases/v1')).toBe(v100);
    expect(at('v1')).toBe(v100);

    const source = checkout();
    source.write({ 'README.md': 'second\n' });
    source.commit('fix: second');
    source.git(['push', '--quiet', 'origin', 'main']);
    const bundle = build('1.1.0');
    // The new commit only: the release it builds on is a prerequisite, not a passenger.
    expect(execFileSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(
      3,
    );
    const verified = spawnSync('git', ['bundle', 'verify', bundle], { cwd: source.dir, encoding: 'utf8' });
    expect(`${verified.stdout}${verified.stderr}`).toContain(v100);
    const second = publish('1.1.0', bundle);
    expect(second.status, second.stderr).toBe(0);
    const v110 = at('v1.1.0');
    expect(at('releases/v1')).toBe(v110);
    expect(at('v1')).toBe(v110);
    expect(at(`${v110}^`)).toBe(v100);
  });

  it('takes nothing but the release refs from a bundle a compromised build wrote', () => {
    const mainBefore = at('main');
    const repo = checkout();
    const bundle = join(scratch, 'hostile.bundle');
    expect(
      release(['--out', join(scratch, 'tree-hostile', 'tree'), '--version', '1.2.0', '--commit', '--repo', repo.dir])
        .status,
    ).toBe(0);
    repo.write({ 'README.md': 'pwned\n' });
    repo.commit('evil: rewrite main');
    repo.git([
      'bundle',
      'create',
      '--quiet',
      bundle,
      'refs/heads/releases/v1',
      'refs/tags/v1.2.0',
      'refs/tags/v1',
      'refs/heads/main',
    ]);
    const result = publish('1.2.0', bundle);
    expect(result.status, result.stderr).toBe(0);
    expect(at('main')).toBe(mainBefore);
    expect(at('v1')).toBe(at('v1.2.0'));
  });

  it('pushes nothing when the tags do not name the release branch head', () => {
    const before = at('releases/v1');
    const repo = checkout();
    const bundle = join(scratch, 'mismatched.bundle');
    expect(
      release(['--out', join(scratch, 'tree-bad', 'tree'), '--version', '1.3.0', '--commit', '--repo', repo.dir])
        .status,
    ).toBe(0);
    repo.git(['tag', '--force', 'v1', 'main']);
    repo.git([
      'bundle',
      'create',
      '--quiet',
      bundle,
      'refs/heads/releases/v1',
      'refs/tags/v1.3.0',
      'refs/tags/v1',
      '^origin/releases/v1',
    ]);
    const result = publish('1.3.0', bundle);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('do not both name the head of releases/v1');
    expect(at('releases/v1')).toBe(before);
    expect(origin.git(['tag', '--list', 'v1.3.0']).trim()).toBe('');
  });
});

/**
 * The release command: the tree it writes is complete (every action's action.yml, README and a bundle
 * that runs on its own, away from node_modules), and --commit records it as a release commit with
 * vX.Y.Z and a moving vX tag, never touching the checkout.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepo, repoRoot, SimulatedJob } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const release = (args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts', 'release.mjs'), ...args], { encoding: 'utf8' });
const actions = readdirSync(join(repoRoot, 'actions')).filter((name) =>
  existsSync(join(repoRoot, 'actions', name, 'action.yml')),
);

describe('release tree', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'release-')), 'tree');
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
    const isolated = mkdtempSync(join(tmpdir(), 'released-action-'));
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
  const out = join(mkdtempSync(join(tmpdir(), 'release-commit-')), 'tree');
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
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GitRepo, repoRoot } from '../src/index.js';

const cli = join(repoRoot, 'packages', 'testkit', 'dist', 'cli', 'index.js');
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: repoRoot });

describe('pnpm local (the bundled CLI, built by pnpm build)', () => {
  it('runs an action on a repository with inputs and prints outputs and the summary', () => {
    const repo = GitRepo.init();
    repo.write({ '.github/filters.yaml': 'docs:\n  - "docs/**"\n', 'docs/a.md': 'a\n' });
    const base = repo.commit('base');
    repo.write({ 'docs/b c.md': 'b\n' });
    const head = repo.commit('head');
    const result = run([
      'changed-files',
      '--repo',
      repo.dir,
      '--event',
      'workflow_dispatch',
      '--input',
      `base-sha=${base}`,
      '--input',
      `head-sha=${head}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('── main: exit 0');
    expect(result.stdout).toContain('  docs = true');
    expect(result.stdout).toContain('  files = ["docs/b c.md"]');
    expect(result.stdout).toContain('summary:');
  });

  it('fails clearly on an unknown action or a malformed flag', () => {
    const unknown = run(['no-such-action']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('No action named "no-such-action"');
    const malformed = run(['changed-files', '--input', 'novalue']);
    expect(malformed.status).toBe(1);
    expect(malformed.stderr).toContain('--input takes NAME=VALUE, got "novalue"');
    expect(run(['--help']).stdout).toContain('Usage: pnpm local <action> [options]');
  });
});

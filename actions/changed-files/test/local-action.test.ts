/**
 * changed-files run from source under `@github/local-action`, as its README shows: the debugger
 * stubs `@actions/core`, which core's runner adapter speaks through.
 */
import { GitRepo, runLocalAction } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

describe('changed-files under @github/local-action', () => {
  it('diffs base-sha..head-sha, matches the filters and sets the outputs', async () => {
    const repo = GitRepo.init();
    repo.write({
      '.github/filters.yaml': 'docs:\n  - "docs/**"\nrust:\n  - "lib/**/*.rs"\n',
      'docs/index.md': 'one\n',
      'lib/a.rs': 'fn a() {}\n',
    });
    const base = repo.commit('base');
    repo.write({ 'lib/a.rs': 'fn a() { 1; }\n', 'README.md': 'new\n' });
    const head = repo.commit('head');
    const result = await runLocalAction('changed-files', {
      'INPUT_BASE-SHA': base,
      'INPUT_HEAD-SHA': head,
      INPUT_TOKEN: '',
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REPOSITORY: 'ai-dynamo/dynamo',
      GITHUB_SHA: head,
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({
      changes: '["rust"]',
      files: '["README.md","lib/a.rs"]',
      uncovered: '["README.md"]',
      'base-sha': base,
      'head-sha': head,
      source: 'git',
    });
  }, 120_000);
});

/** The early diff: it must start exactly the command core's Git would run, and only on a sure guess. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffArgs, stopChild } from '@dynamo-ci/core';
import { scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { guessCommits, startEarlyDiff } from '../src/fast-path.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

function environment(event: string, payload: object, inputs: Record<string, string> = {}): NodeJS.ProcessEnv {
  const file = join(scratchDir('early-'), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return {
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: file,
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])),
  };
}

describe('early diff', () => {
  it('guesses before..after of a branch push, base..head of a merge group, and explicit SHAs', () => {
    expect(guessCommits(environment('push', { ref: 'refs/heads/main', before: A, after: B }))).toEqual([A, B]);
    expect(guessCommits(environment('merge_group', { merge_group: { base_sha: A, head_sha: B } }))).toEqual([A, B]);
    expect(guessCommits(environment('schedule', {}, { 'base-sha': B, 'head-sha': A }))).toEqual([B, A]);
  });

  it('guesses nothing where the resolver decides otherwise', () => {
    const push = { ref: 'refs/heads/main', before: A, after: B };
    expect(guessCommits(environment('push', { ...push, before: ZERO }))).toBeUndefined();
    expect(guessCommits(environment('push', { ...push, ref: 'refs/tags/v1' }))).toBeUndefined();
    expect(guessCommits(environment('push', { ...push, ref: 'refs/heads/pull-request/12' }))).toBeUndefined();
    expect(
      guessCommits(environment('push', { ...push, ref: 'refs/heads/pr/12' }, { 'pr-branch-pattern': '^pr/(\\d+)$' })),
    ).toBeUndefined();
    expect(guessCommits(environment('push', push, { 'force-all': 'true' }))).toBeUndefined();
    expect(guessCommits(environment('push', push, { 'base-sha': 'main' }))).toBeUndefined();
    expect(guessCommits(environment('pull_request', { pull_request: { base: { sha: A }, head: { sha: B } } }))).toBe(
      undefined,
    );
    expect(guessCommits({ GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: '/nonexistent' })).toBeUndefined();
  });

  it('never throws, even where git cannot start', () => {
    const env = { ...environment('push', { ref: 'refs/heads/main', before: A, after: B }), PATH: '/nonexistent' };
    const early = startEarlyDiff({ ...env, GITHUB_WORKSPACE: tmpdir() });
    expect(early?.args).toEqual(diffArgs(A, B, { renames: false, pathsOnly: true }));
    if (early) stopChild(early.child);
  });
});

/**
 * `pnpm bench` must keep working: every benchmark in scripts/bench runs to its verdicts at a small
 * size. The numbers themselves are not checked here: at this size, and next to the rest of the
 * test suite, they mean nothing.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execCollect } from '@dynamo-ci/core';
import { repoRoot } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

/** Each benchmark's smallest sensible arguments. */
const SMALL: Record<string, string[]> = {
  'changed-files.mjs': ['--files', '2000', '--changed', '1000', '--runs', '3'],
  'code-checks.mjs': ['--scale', '0.05', '--runs', '3'],
  'copy-pr.mjs': ['--runs', '3'],
  'dependencies.mjs': ['--files', '2000', '--runs', '3'],
  'deploy-profile.mjs': ['--runs', '3'],
  'pipeline-report.mjs': ['--legs', '5', '--cases', '200', '--runs', '3'],
  'run-gpu-tests.mjs': ['--cases', '2000', '--runs', '3'],
  'spdx-check.mjs': ['--files', '300', '--runs', '3', '--no-reuse'],
  'status-aggregate.mjs': ['--runs', '3'],
};

const benchDir = join(repoRoot, 'scripts', 'bench');
const BENCHES = readdirSync(benchDir).filter((file) => file.endsWith('.mjs'));

const run = (file: string) =>
  execCollect(process.execPath, [join(benchDir, file), ...(SMALL[file] ?? [])], { cwd: repoRoot });

describe('the benchmarks', () => {
  it('each have small arguments here', () => {
    expect(BENCHES.sort()).toEqual(Object.keys(SMALL).sort());
  });

  it.each(BENCHES)(
    '%s runs to its verdicts',
    async (file) => {
      const result = await run(file);
      expect(result.exitCode, `${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/target(:| met| missed)/);
    },
    180_000,
  );
});

/**
 * The lint rules that keep the runner and processes in core (biome.json's overrides for
 * actions/*\/src, packages/kube/src and packages/core/src): a probe file with each forbidden thing is
 * linted with this repository's configuration, where the rules apply and where they do not.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

const PROBE = [
  "import { info } from '@actions/core';",
  "import { spawn } from 'node:child_process';",
  'export const file = process.env.GITHUB_OUTPUT;',
  "export const state = env('GITHUB_STATE');",
  'export const run = spawn;',
  'export const log = info;',
  'declare function env(name: string): string;',
  '',
].join('\n');

describe('the boundary lint rules', () => {
  const scratch = scratchDir('boundaries-');
  // The configuration and its plugin, with the probe files at the paths they govern.
  const config = JSON.parse(readFileSync(join(repoRoot, 'biome.json'), 'utf8'));
  delete config.$schema;
  config.vcs = { enabled: false };
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
  for (const override of config.overrides) {
    for (const plugin of override.plugins ?? []) {
      mkdirSync(dirname(join(scratch, plugin)), { recursive: true });
      cpSync(join(repoRoot, plugin), join(scratch, plugin));
    }
  }
  const probes = [
    'actions/any/src/probe.ts',
    'packages/kube/src/probe.ts',
    'packages/core/src/probe.ts',
    'packages/core/src/runner.ts',
    'packages/testkit/src/probe.ts',
  ];
  for (const probe of probes) {
    mkdirSync(dirname(join(scratch, probe)), { recursive: true });
    writeFileSync(join(scratch, probe), PROBE);
  }
  const lint = spawnSync(
    join(repoRoot, 'node_modules', '.bin', 'biome'),
    ['lint', '--max-diagnostics=none', '--reporter=json', '.'],
    { cwd: scratch, encoding: 'utf8' },
  );
  const diagnostics: { category: string; location: { path: string }; message: string }[] = JSON.parse(
    lint.stdout,
  ).diagnostics;
  const found = (path: string) =>
    diagnostics
      .filter((diagnostic) => diagnostic.location.path.endsWith(path))
      .map((diagnostic) => diagnostic.category);

  it.each(probes.slice(0, 2))(
    '%s may not import @actions/core or node:child_process, nor name the runner files',
    (probe) => {
      expect(found(probe)).toEqual([
        'lint/style/noRestrictedImports',
        'lint/style/noRestrictedImports',
        'plugin',
        'plugin',
      ]);
    },
  );

  it("keeps @actions/core to core's runner adapter", () => {
    expect(found('packages/core/src/probe.ts')).toEqual(['lint/style/noRestrictedImports']);
    expect(found('packages/core/src/runner.ts')).toEqual([]);
  });

  it('says what to use instead', () => {
    const messages = diagnostics.map((diagnostic) => diagnostic.message).join('\n');
    expect(messages).toContain("@dynamo-ci/core's process runner");
    expect(messages).toContain('take a Runner or a Logger');
    expect(messages).toContain("use the Runner's setOutput, saveState, exportVariable or appendSummary");
  });

  it('leaves the testkit, which plays the runner, alone', () => {
    expect(found('packages/testkit/src/probe.ts')).toEqual([]);
  });
});

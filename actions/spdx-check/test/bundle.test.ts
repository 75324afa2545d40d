/**
 * The bundle as a process under the simulated runner, on real git repositories: a pull request
 * checked out shallow (as actions/checkout leaves it), full scans with history, fix mode, reports
 * and bad input.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub, GitRepo, runAction, SimulatedJob, shallowClone } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';
const header = (years: string, leader = '#') =>
  `${leader} SPDX-FileCopyrightText: Copyright (c) ${years} ${HOLDER}\n${leader} SPDX-License-Identifier: Apache-2.0\n`;

const HOSTILE = ['with space.py', 'quote"d.py', '$(touch pwned).py', '-rf.py', 'ünï.py'];

interface PullRequest {
  base: string;
  head: string;
  bare: string;
  event: Record<string, unknown>;
}

/** main: valid files and one stale 2025 file nobody touches; the PR adds and changes files. */
function pullRequest(): PullRequest {
  const repo = GitRepo.init();
  repo.write({
    'src/ok.py': `${header('2025-2026')}x = 1\n`,
    'src/untouched_2025.yaml': `${header('2025')}a: 1\n`,
    'src/stale.py': `${header('2025')}x = 1\n`,
    'src/move_me_2025.py': `${header('2025')}x = 1\n`,
    'lib/main.rs': `${header('2026', '//')}fn main() {}\n`,
    'docs/rename_me.md': `<!--\nSPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\nSPDX-License-Identifier: Apache-2.0\n-->\n# Doc\n`,
  });
  const base = repo.commit('base', { date: '2025-06-01T00:00:00Z' });
  repo.checkout('feature', { create: true });
  repo.write({
    'src/stale.py': `${header('2025')}x = 2\n`,
    'src/new.sh': '#!/bin/bash\necho new\n',
    'kernels/k.cu': '__global__ void k() {}\n',
    'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
    'src/empty.py': '',
    'notes.weird': 'text\n',
    ...Object.fromEntries(HOSTILE.map((name) => [`odd/${name}`, 'x = 1\n'])),
  });
  repo.symlink('src/link.py', 'ok.py');
  repo.move('docs/rename_me.md', 'docs/renamed.md');
  // A pure move of a 2025 file is not a change to its content: no new year is demanded.
  repo.move('src/move_me_2025.py', 'pkg/moved_2025.py');
  const head = repo.commit('feature', { date: '2026-02-01T00:00:00Z' });
  const bare = repo.bareClone();
  return {
    base,
    head,
    bare,
    event: {
      pull_request: { number: 7, base: { sha: base, ref: 'main' }, head: { sha: head, ref: 'feature' } },
      repository: { default_branch: 'main' },
    },
  };
}

describe('spdx-check bundle on a pull request (shallow checkout)', () => {
  let pr: PullRequest;
  beforeAll(() => {
    pr = pullRequest();
  });

  it('checks only the changed files, fails each bad one with one annotation, and never fails an untouched year', async () => {
    const checkout = shallowClone(pr.bare, { sha: pr.head });
    const result = await runAction(
      'spdx-check',
      { workspace: checkout.dir, eventName: 'pull_request', event: pr.event, sha: pr.head },
      { inputs: { token: '' } },
    );
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    const failed = JSON.parse(result.outputs['failed-files'] as string);
    expect(failed).toEqual(
      ['kernels/k.cu', ...HOSTILE.map((name) => `odd/${name}`).sort(), 'src/new.sh', 'src/stale.py'].sort(),
    );
    const byFile = Object.fromEntries(result.errors.filter((e) => e.file).map((error) => [error.file, error]));
    expect(Object.keys(byFile).sort()).toEqual(failed);
    expect(byFile['src/new.sh']).toMatchObject({ line: 2, title: 'SPDX header missing' });
    expect(byFile['src/new.sh']?.message).toContain(
      `Expected header:\n# SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}`,
    );
    expect(byFile['kernels/k.cu']?.message).toContain('// SPDX-License-Identifier: Apache-2.0');
    expect(byFile['src/stale.py']).toMatchObject({ line: 1, title: 'Copyright year out of date' });
    expect(byFile['src/stale.py']?.message).toContain('Copyright (c) 2025-2026');
    expect(result.outputs).toMatchObject({ checked: '10', passed: '2', failed: '8', 'fixed-files': '[]' });
    expect(JSON.parse(result.outputs['unknown-files'] as string)).toEqual(['notes.weird']);
    expect(result.warnings.map((warning) => warning.file)).toContain('notes.weird');
    expect(result.summary).toContain(`pull request #7`);
    expect(result.summary).toMatch(/\| skipped: binary \| 1 \|/);
    expect(result.summary).toMatch(/\| skipped: symlink \(not followed\) \| 1 \|/);
    expect(result.summary).toMatch(/\| skipped: empty \| 1 \|/);
    expect(result.summary).not.toContain('untouched_2025');
  });

  it("a copy-pr-bot push to pull-request/N: the PR's merge base from the API, the token masked", async () => {
    const github = await FakeGitHub.start();
    try {
      github.addPull(
        { number: 7, head: { sha: pr.head, ref: 'feature' }, base: { sha: pr.base, ref: 'main' }, merge_base: pr.base },
        [],
        [{ sha: pr.head, parents: [pr.base] }],
      );
      const checkout = shallowClone(pr.bare, { sha: pr.head });
      const result = await runAction('spdx-check', {
        workspace: checkout.dir,
        eventName: 'push',
        ref: 'refs/heads/pull-request/7',
        event: { ref: 'refs/heads/pull-request/7', before: pr.base, after: pr.head },
        apiUrl: github.url,
        token: 'ghs_spdx_secret',
      });
      expect(result.exitCode).toBe(1);
      expect(result.outputs).toMatchObject({ checked: '10', failed: '8' });
      expect(result.summary).toContain('(pull request #7): merge base with main');
      expect(result.masks).toContain('ghs_spdx_secret');
      const printed = result.stdout.replace('::add-mask::ghs_spdx_secret', '');
      expect(printed + JSON.stringify(result.outputs) + result.summary).not.toContain('ghs_spdx_secret');
      expect(github.seen('GET', '/repos/ai-dynamo/dynamo/pulls/7')).toHaveLength(1);
    } finally {
      await github.close();
    }
  });

  it('fix: true repairs every file in place, lists them, passes, and a second run changes nothing', async () => {
    const checkout = shallowClone(pr.bare, { sha: pr.head });
    const job = new SimulatedJob({ workspace: checkout.dir, eventName: 'pull_request', event: pr.event, sha: pr.head });
    try {
      const first = await job.run('spdx-check', { inputs: { token: '', fix: true } });
      expect(first.exitCode, first.stdout).toBe(0);
      const fixed = JSON.parse(first.outputs['fixed-files'] as string);
      expect(fixed).toHaveLength(8);
      expect(readFileSync(join(checkout.dir, 'src/new.sh'), 'utf8')).toBe(`#!/bin/bash\n${header('2026')}\necho new\n`);
      expect(readFileSync(join(checkout.dir, 'src/stale.py'), 'utf8')).toBe(`${header('2025-2026')}x = 2\n`);
      expect(readFileSync(join(checkout.dir, 'odd/$(touch pwned).py'), 'utf8')).toBe(`${header('2026')}\nx = 1\n`);
      expect(readFileSync(join(checkout.dir, 'src/ok.py'), 'utf8')).toBe(`${header('2025-2026')}x = 1\n`);
      expect(first.summary).toContain('<summary>Fixed: 8 files</summary>');
      const status = checkout.git(['status', '--porcelain', '-z']).split('\0').filter(Boolean);
      expect(status).toHaveLength(8);

      const second = await job.run('spdx-check', { inputs: { token: '', fix: true } });
      expect(second.exitCode).toBe(0);
      expect(second.outputs['fixed-files']).toBe('[]');
      expect(second.outputs.passed).toBe('10');
    } finally {
      job.cleanup();
    }
  });
});

describe('spdx-check bundle on a full scan', () => {
  let repo: GitRepo;
  beforeAll(() => {
    repo = GitRepo.init();
    repo.write({ 'a.py': `${header('2024')}x\n`, 'b.py': `${header('2024')}x\n`, 'sub/c.go': 'package c\n' });
    repo.commit('one', { date: '2024-05-01T00:00:00Z' });
    repo.write({ 'b.py': `${header('2024')}y\n`, '.gitignore': 'build/\n', 'build/out.py': 'x\n' });
    repo.commit('two', { date: '2025-03-01T00:00:00Z' });
  });
  afterAll(() => {});

  it("scope all with year-rule last-commit: history decides each file's year; SARIF and JSON reports", async () => {
    const job = new SimulatedJob({ workspace: repo.dir, eventName: 'schedule' });
    try {
      const result = await job.run('spdx-check', {
        inputs: {
          scope: 'all',
          'year-rule': 'last-commit',
          'sarif-file': 'out/spdx.sarif',
          'json-file': 'out/spdx.json',
          token: '',
        },
      });
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.outputs['failed-files'] as string)).toEqual(['b.py', 'sub/c.go']);
      const sarif = JSON.parse(readFileSync(join(repo.dir, 'out/spdx.sarif'), 'utf8'));
      expect(sarif.version).toBe('2.1.0');
      const results = sarif.runs[0].results;
      expect(
        results.map((r: any) => [r.ruleId, r.locations[0].physicalLocation.artifactLocation.uri, r.level]),
      ).toEqual([
        ['stale-year', 'b.py', 'error'],
        ['missing-header', 'sub/c.go', 'error'],
      ]);
      expect(sarif.runs[0].tool.driver.rules[results[0].ruleIndex].id).toBe('stale-year');
      const report = JSON.parse(readFileSync(join(repo.dir, 'out/spdx.json'), 'utf8'));
      expect(report.counts).toMatchObject({ checked: 3, passed: 1, failed: 2 });
      expect(report.files.map((file: any) => file.path)).toEqual(['.gitignore', 'a.py', 'b.py', 'sub/c.go']);
    } finally {
      job.cleanup();
    }
  });

  it("year-rule last-commit dates files of the first commit too, whatever the user's log.showRoot says", async () => {
    repo.git(['config', 'log.showRoot', 'false']);
    try {
      const result = await runAction(
        'spdx-check',
        { workspace: repo.dir, eventName: 'schedule' },
        { inputs: { scope: 'all', 'year-rule': 'last-commit', token: '' } },
      );
      // a.py was last changed in the first commit (2024): its 2024 header is current.
      expect(JSON.parse(result.outputs['failed-files'] as string)).toEqual(['b.py', 'sub/c.go']);
    } finally {
      repo.git(['config', '--unset', 'log.showRoot']);
    }
  });

  it('working-directory limits the scan to a folder and keeps repository-relative paths', async () => {
    const result = await runAction(
      'spdx-check',
      { workspace: repo.dir, eventName: 'schedule' },
      { inputs: { scope: 'all', 'working-directory': 'sub', token: '' } },
    );
    expect(result.outputs['failed-files']).toBe('["sub/c.go"]');
    expect(result.errors[0]).toMatchObject({ file: 'sub/c.go', line: 1 });
  });

  it('reads a config file: file-types, ignore, license', async () => {
    writeFileSync(join(repo.dir, 'spdx.yaml'), "ignore: ['*.go']\nyear-rule: none\n");
    const result = await runAction(
      'spdx-check',
      { workspace: repo.dir, eventName: 'schedule' },
      { inputs: { scope: 'all', config: 'spdx.yaml', token: '' } },
    );
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ failed: '0', passed: '2' });
  });
});

describe('spdx-check bundle: bad input is one clear error and nothing else', () => {
  it.each([
    [{ scope: 'everything' }, `Input 'scope' must be one of changed|all, got "everything"`],
    [
      { license: 'BSD-3' },
      `Input 'license' must list valid SPDX license expressions: "BSD-3" is not on the SPDX license list; use "BSD-3-Clause"`,
    ],
    [{ config: 'missing.yaml' }, `Input 'config' names "missing.yaml", which does not exist`],
    [{ 'working-directory': 'nope' }, `Input 'working-directory' must be a folder`],
  ])('%j', async (inputs, message) => {
    const repo = GitRepo.init();
    repo.write({ 'a.py': 'x\n' }).commit('one');
    const result = await runAction(
      'spdx-check',
      { workspace: repo.dir, eventName: 'schedule' },
      { inputs: { ...inputs, token: '' } },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toContain(message);
    expect(result.outputs).toEqual({});
  });

  it('a folder that is not a git repository', async () => {
    const job = new SimulatedJob({ eventName: 'schedule' });
    try {
      const result = await job.run('spdx-check', { inputs: { scope: 'all', token: '' } });
      expect(result.exitCode).toBe(1);
      expect(result.errors[0]?.message).toContain('is not a git repository: check the repository out first');
    } finally {
      job.cleanup();
    }
  });

  it('masks the token', async () => {
    const repo = GitRepo.init();
    repo.write({ 'a.py': header('2026') }).commit('one');
    const result = await runAction(
      'spdx-check',
      { workspace: repo.dir, eventName: 'schedule', token: 'ghs_secret123' },
      { inputs: { scope: 'all' } },
    );
    expect(result.masks).toContain('ghs_secret123');
    expect(result.exitCode).toBe(0);
  });
});

// Signed commits need ssh-keygen (Debian's openssh-client, which .ci/run installs).
const SSH_KEYGEN = '/usr/bin/ssh-keygen';
if (!existsSync(SSH_KEYGEN) && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
  throw new Error(`${SSH_KEYGEN} is required (apt-get install openssh-client)`);
}

describe.skipIf(!existsSync(SSH_KEYGEN))('a user whose git shows commit signatures (log.showSignature)', () => {
  it('reads commit years as they are: signature lines are not dates', async () => {
    const repo = GitRepo.init();
    execFileSync(SSH_KEYGEN, ['-q', '-t', 'ed25519', '-N', '', '-f', join(repo.dir, '.git', 'signing-key')]);
    repo.git(['config', 'gpg.format', 'ssh']);
    repo.git(['config', 'user.signingkey', join(repo.dir, '.git', 'signing-key')]);
    repo.git(['config', 'commit.gpgsign', 'true']);
    repo.write({ 'a.py': `${header('2024')}x\n` });
    repo.commit('one', { date: '2024-05-01T00:00:00Z' });
    repo.write({ 'b.py': `${header('2024')}y\n` });
    repo.commit('two', { date: '2025-03-01T00:00:00Z' });
    // Verifying a signature prints lines of its own (here "No signature": no allowed signers).
    repo.git(['config', 'log.showSignature', 'true']);
    expect(repo.git(['show', '-s', '--format=%cs', 'HEAD'])).not.toMatch(/^\d{4}-\d\d-\d\d\n?$/);
    for (const yearRule of ['changed', 'last-commit']) {
      const result = await runAction(
        'spdx-check',
        { workspace: repo.dir, eventName: 'schedule' },
        { inputs: { scope: 'all', 'year-rule': yearRule, token: '' } },
      );
      // Every file is checked against the right year (2025 for b.py under last-commit), nothing crashes.
      expect(result.stderr + result.stdout).not.toContain('Could not read the date');
      expect(result.outputs['failed-files'], `${yearRule}: ${result.stdout}`).toBe(
        yearRule === 'last-commit' ? '["b.py"]' : '[]',
      );
    }
  });
});

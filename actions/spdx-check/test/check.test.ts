import { describe, expect, it } from 'vitest';
import { compileIgnore } from '../src/ignore.js';
import { checkLicense } from '../src/license.js';
import { pureRenames } from '../src/ports.js';
import { HOLDER, header, MemoryRepo, scan } from './memory.js';

describe('header findings', () => {
  it('reports tags below code as not at the top, at their line', async () => {
    const result = await scan(new MemoryRepo({ 'a.py': `import os\n\n${header('#')}` }));
    expect(result.files[0]?.findings).toEqual([expect.objectContaining({ kind: 'header-not-at-top', line: 3 })]);
  });

  it('finds tags below code after a lower-case name or non-ASCII space too, at their line', async () => {
    const content = 'fn main() {}\n\n// spdx-license-identifier\u00a0: MIT\n// SPDX-FileCopyrightText\u2003: 2024 X\n';
    const result = await scan(new MemoryRepo({ 'a.rs': content }));
    expect(result.files[0]?.findings).toEqual([expect.objectContaining({ kind: 'header-not-at-top', line: 3 })]);
  });

  it('does not take SPDX text in code for a header', async () => {
    const result = await scan(new MemoryRepo({ 'a.py': 'TAG = "SPDX-License-Identifier: Apache-2.0"\n' }));
    expect(result.files[0]?.findings.map((finding) => finding.kind)).toEqual(['missing-header']);
  });

  it('reads only the first 4 KiB: a header after that is missing', async () => {
    const content = `${'# padding line of comments\n'.repeat(200)}${header('#')}`;
    const result = await scan(new MemoryRepo({ 'a.py': content }));
    expect(result.files[0]?.findings.map((finding) => finding.kind)).toEqual(['missing-header']);
  });

  it('accepts boilerplate after the tags (the Apache notice)', async () => {
    const content = `${header('#')}#\n# Licensed under the Apache License, Version 2.0 (the "License");\n# you may not use this file except in compliance with the License.\n\nx = 1\n`;
    expect((await scan(new MemoryRepo({ 'a.py': content }))).files[0]?.outcome).toBe('passed');
  });

  it.each([
    ['BSD-3', 'BSD-3-Clause'],
    ['Apache-2', 'Apache-2.0'],
    ['Apache-2 WITH LLVM-exception', 'Apache-2.0 WITH LLVM-exception'],
    ['_Apache-2.0 WITH LLVM-exception', 'Apache-2.0 WITH LLVM-exception'],
  ])('an invalid expression %s is its own finding with the fix %s', async (license, suggestion) => {
    const result = await scan(new MemoryRepo({ 'a.py': header('#', '2026', license) }));
    const finding = result.files[0]?.findings[0];
    expect(finding?.kind).toBe('invalid-license');
    expect(finding?.message).toContain(`did you mean "${suggestion}"?`);
    expect(finding?.line).toBe(2);
  });

  it('reports a missing year and a reversed range', async () => {
    const repo = new MemoryRepo({
      'a.py': `# SPDX-FileCopyrightText: Copyright (c) NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n# SPDX-License-Identifier: Apache-2.0\n`,
      'b.py': header('#', '2026-2024'),
    });
    const result = await scan(repo);
    expect(result.files.map((file) => file.findings.map((finding) => finding.kind))).toEqual([
      ['missing-year'],
      ['bad-years'],
    ]);
  });

  it('the expected header in a failure names the years it should have', async () => {
    const repo = new MemoryRepo({ 'a.py': header('#', '2023') });
    repo.changed = ['a.py'];
    const result = await scan(repo, { scope: 'changed' });
    expect(result.files[0]?.expectedHeader?.[0]).toBe(
      '# SPDX-FileCopyrightText: Copyright (c) 2023-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.',
    );
  });
});

describe('copyright holders', () => {
  const SHORT = 'NVIDIA CORPORATION & AFFILIATES.';
  const withHolder = (holder: string) =>
    `# SPDX-FileCopyrightText: Copyright (c) 2026 ${holder}\n# SPDX-License-Identifier: Apache-2.0\nx = 1\n`;

  it.each([[HOLDER], [SHORT], ['nvidia  corporation & affiliates']])(
    'configured as %j, both spellings of the holder pass and another holder fails',
    async (configured) => {
      const repo = new MemoryRepo({
        'long.py': withHolder(HOLDER),
        'short.py': withHolder(SHORT),
        'other.py': withHolder('NVIDIA CORPORATION'),
      });
      const result = await scan(repo, { holders: [configured] });
      expect(result.files.map((file) => [file.path, file.outcome])).toEqual([
        ['long.py', 'passed'],
        ['other.py', 'failed'],
        ['short.py', 'passed'],
      ]);
    },
  );

  it('several holders: a file naming any of them passes; the message names them all', async () => {
    const repo = new MemoryRepo({
      'a.py': withHolder(HOLDER),
      'b.py': withHolder('Meta Platforms, Inc. and affiliates.'),
      'c.py': withHolder('Someone Else'),
    });
    const result = await scan(repo, { holders: [HOLDER, 'Meta Platforms, Inc. and affiliates'] });
    expect(result.files.map((file) => file.outcome)).toEqual(['passed', 'passed', 'failed']);
    expect(result.files[2]?.findings[0]).toMatchObject({ kind: 'holder-mismatch', holder: 'Someone Else' });
    expect(result.files[2]?.findings[0]?.message).toBe(
      `no SPDX-FileCopyrightText line for "${HOLDER}" or "Meta Platforms, Inc. and affiliates" (found "Someone Else")`,
    );
  });

  it('fix mode writes the first holder as configured', async () => {
    const repo = new MemoryRepo({ 'a.py': 'x = 1\n' });
    await scan(repo, { fix: true, holders: [SHORT, HOLDER] });
    expect(repo.text('a.py')).toBe(`${withHolder(SHORT).replace('x = 1\n', '')}\nx = 1\n`);
  });
});

describe('skips, each counted with its reason', () => {
  it('binary, empty, whitespace-only, symlink, folder (submodule), missing, uncommentable, ignored', async () => {
    const repo = new MemoryRepo({
      'img.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x1a]),
      'src/__init__.py': '',
      'blank.py': '\n\n',
      'link.py': { symlink: 'src/real.py' },
      'third_party/sub': { directory: true },
      'gone.py': undefined as unknown as string,
      'package.json': '{}',
      '.github/workflows/ci.yml': 'on: push\n',
    });
    repo.files.delete('gone.py');
    repo.changed = [
      'gone.py',
      'img.png',
      'src/__init__.py',
      'blank.py',
      'link.py',
      'third_party/sub',
      'package.json',
      '.github/workflows/ci.yml',
    ];
    const result = await scan(repo, { scope: 'changed', ignore: ['.github'] });
    expect(Object.fromEntries(result.files.map((file) => [file.path, file.skipReason]))).toEqual({
      '.github/workflows/ci.yml': 'ignored',
      'blank.py': 'empty',
      'gone.py': 'missing',
      'img.png': 'binary',
      'link.py': 'symlink',
      'package.json': 'uncommentable',
      'src/__init__.py': 'empty',
      'third_party/sub': 'not-a-file',
    });
  });
});

describe('unknown-types', () => {
  const files = { 'notes.txt': 'hello\n' };
  it.each([
    ['warn', 'skipped'],
    ['ignore', 'skipped'],
    ['fail', 'failed'],
  ] as const)('%s makes an unknown file %s, and it is always listed', async (unknownTypes, outcome) => {
    const result = await scan(new MemoryRepo(files), { unknownTypes });
    expect(result.files[0]).toMatchObject({ outcome, unknownType: true });
  });
});

describe('year rules', () => {
  const files = () => ({
    'old.py': header('#', '2024'),
    'new.py': header('#', '2025'),
    'fresh.py': header('#', '2026'),
  });

  it("'changed' judges only the change's files against the head commit year", async () => {
    const repo = new MemoryRepo(files());
    repo.changed = ['new.py', 'fresh.py'];
    const result = await scan(repo, { scope: 'all', yearRule: 'changed' });
    expect(result.files.map((file) => [file.path, file.outcome])).toEqual([
      ['fresh.py', 'passed'],
      ['new.py', 'failed'],
      ['old.py', 'passed'],
    ]);
  });

  it("'changed' does not judge the year of a file the change only moved", async () => {
    const repo = new MemoryRepo(files());
    repo.changed = ['old.py', 'new.py'];
    repo.moved = new Set(['old.py']);
    const result = await scan(repo, { scope: 'changed', yearRule: 'changed' });
    expect(result.files.map((file) => [file.path, file.outcome])).toEqual([
      ['old.py', 'passed'],
      ['new.py', 'failed'],
    ]);
  });

  it("'changed' without a change to compare judges no year and says so", async () => {
    const repo = new MemoryRepo(files());
    repo.changed = undefined;
    const result = await scan(repo, { scope: 'changed', yearRule: 'changed' });
    expect(result.files.every((file) => file.outcome === 'passed')).toBe(true);
    expect(result.notes.join('\n')).toMatch(/every tracked file was checked[\s\S]*applied to no file/);
  });

  it("'last-commit' asks history once for every dated file and compares with each file's own year", async () => {
    const repo = new MemoryRepo(files());
    repo.lastChange = new Map([
      ['old.py', 2024],
      ['new.py', 2026],
      ['fresh.py', 2026],
    ]);
    const result = await scan(repo, { yearRule: 'last-commit' });
    expect(repo.historyCalls).toBe(1);
    expect(result.files.map((file) => [file.path, file.outcome])).toEqual([
      ['fresh.py', 'passed'],
      ['new.py', 'failed'],
      ['old.py', 'passed'],
    ]);
  });

  it("'last-commit' on a shallow clone warns about the January trap", async () => {
    const repo = new MemoryRepo(files());
    repo.shallow = true;
    const result = await scan(repo, { yearRule: 'last-commit' });
    expect(result.notes.join()).toContain('fetch-depth: 0');
  });

  it("'none' judges no year and reads no history", async () => {
    const repo = new MemoryRepo(files());
    repo.changed = ['old.py'];
    const result = await scan(repo, { scope: 'changed', yearRule: 'none' });
    expect(result.files[0]?.outcome).toBe('passed');
    expect(repo.historyCalls).toBe(0);
  });

  it('fix extends to the later of the head year and this year', async () => {
    const repo = new MemoryRepo({ 'a.py': header('#', '2024') });
    repo.changed = ['a.py'];
    repo.head = 2026;
    repo.now = 2027;
    await scan(repo, { scope: 'changed', fix: true });
    expect(repo.text('a.py')).toContain('2024-2027');
  });
});

describe('ignore patterns (.gitignore-like)', () => {
  const isIgnored = compileIgnore(['*.md', '.github', 'lib/llm/tests/data/', '/top.py', 'docs/**/*.txt', '!keep.md']);
  it.each([
    ['README.md', true],
    ['docs/deep/x.md', true],
    ['keep.md', false],
    ['.github/workflows/ci.yml', true],
    ['lib/llm/tests/data/sample-models/x.py', true],
    ['lib/llm/tests/other.py', false],
    ['top.py', true],
    ['sub/top.py', false],
    ['docs/a/b/c.txt', true],
    ['src/x.txt', false],
  ])('%s ignored: %s', (path, ignored) => {
    expect(isIgnored(path)).toBe(ignored);
  });
});

describe('SPDX expressions', () => {
  it.each([
    ['apache-2.0', 'Apache-2.0'],
    ['MIT or Apache-2.0', 'MIT OR Apache-2.0'],
    ['(MIT AND BSD-3-Clause)', '(MIT AND BSD-3-Clause)'],
    ['Apache-2.0 with llvm-exception', 'Apache-2.0 WITH LLVM-exception'],
    ['LicenseRef-NVIDIA-Proprietary', 'LicenseRef-NVIDIA-Proprietary'],
    ['GPL-2.0+', 'GPL-2.0+'],
  ])('%s is valid and normalises to %s', (expression, normalized) => {
    expect(checkLicense(expression)).toMatchObject({ valid: true, normalized });
  });

  it.each(['', 'Apache-2.0 AND', 'NotALicense', 'MIT WITH NotAnException'])('%j is invalid', (expression) => {
    expect(checkLicense(expression).valid).toBe(false);
  });
});

describe('pure renames from git diff --raw -z -M', () => {
  it('keeps R100 renames only', () => {
    const raw = [
      ':100644 100644 aaa aaa R100',
      'a.py',
      'moved/a.py',
      ':100644 100644 bbb ccc R087',
      'b.py',
      'moved/b.py',
      ':100644 100644 ddd eee M',
      'c.py',
      ':000000 100644 000 fff A',
      'new file.py',
      ':100644 100644 ggg ggg C100',
      'd.py',
      'copy.py',
      '',
    ].join('\0');
    expect([...pureRenames(raw)]).toEqual(['moved/a.py']);
  });
});

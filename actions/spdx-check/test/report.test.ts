/**
 * The job summary of a big failure: the count, the one thing to do next, the problems grouped by
 * kind with counts and first files, the licenses seen, what needs a person (with the input lines
 * that would do it), and every failing file; the log's short report; the `ignore` suggestions.
 */
import { describe, expect, it } from 'vitest';
import { advise, count, ignorePatterns } from '../src/advice.js';
import { compileIgnore } from '../src/ignore.js';
import { inlineCode } from '../src/markdown.js';
import type { FileResult, ScanResult } from '../src/scan.js';
import { renderLog, renderSummary } from '../src/summary.js';
import { HOLDER, header, MemoryRepo, scan, settings } from './memory.js';

const LLVM =
  '//===----===//\n//\n// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.\n// See https://llvm.org/LICENSE.txt for license information.\n//\n//===----===//\n\nint x;\n';
const GOOGLE =
  '# Copyright 2019 Google LLC\n#\n# Licensed under the Apache License, Version 2.0 (the "License");\n\nx = 1\n';

/** 40 headerless files, 12 LLVM blocks, 5 third-party files, 2 MIT headers, binaries, passing files. */
function firstDayRepo(): MemoryRepo {
  const files: Record<string, string | Buffer> = {};
  for (let i = 0; i < 40; i++) files[`src/f${String(i).padStart(2, '0')}.py`] = 'x = 1\n';
  for (let i = 0; i < 12; i++) files[`libcxx/f${String(i).padStart(2, '0')}.cpp`] = LLVM;
  for (let i = 0; i < 5; i++) files[`third_party/absl/f${i}.py`] = GOOGLE;
  for (let i = 0; i < 2; i++) files[`tools/mit${i}.py`] = header('#', '2024', 'MIT');
  for (let i = 0; i < 6; i++) files[`ok/f${i}.py`] = header('#', '2024');
  files['ok/short.py'] =
    '# SPDX-FileCopyrightText: Copyright (c) 2024 NVIDIA CORPORATION & AFFILIATES.\n# SPDX-License-Identifier: Apache-2.0\n';
  files['media/demo.mp4'] = Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]);
  files['media/big.mp4'] = 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123456\n';
  return new MemoryRepo(files);
}

const CONTEXT = { scopeReason: 'every tracked file', headYear: 2026, elapsedMs: 1234 };

async function summaryOf(repo: MemoryRepo, overrides = {}): Promise<{ result: ScanResult; summary: string }> {
  const result = await scan(repo, overrides);
  return { result, summary: renderSummary(result, { ...CONTEXT, settings: settings(overrides) }) };
}

describe('the summary of a first run', () => {
  it('leads with the count and the one thing to do next: the fix: true run', async () => {
    const { summary } = await summaryOf(firstDayRepo());
    expect(summary).toMatch(/^## SPDX headers: ❌ 59 of 66 checked files fail\n/);
    expect(summary).toContain(
      '**Next:** Run once with `fix: true` and commit the result: it repairs 40 of the 59 failing files (missing-header, legacy-header).',
    );
  });

  it('groups the problems by kind, with counts, whether fix: true repairs them and the first files', async () => {
    const { summary } = await summaryOf(firstDayRepo());
    expect(summary).toContain(
      '| SPDX header missing (`missing-header`) | 40 | repairs | `src/f00.py`, `src/f01.py`, `src/f02.py`, ... |',
    );
    expect(summary).toContain(
      '| Known license text without SPDX tags (`legacy-header`) | 12 | converts | `libcxx/f00.cpp`, `libcxx/f01.cpp`, `libcxx/f02.cpp`, ... |',
    );
    expect(summary).toContain(
      '| Notice of another holder (`third-party-notice`) | 5 | needs a person | `third_party/absl/f0.py`, `third_party/absl/f1.py`, `third_party/absl/f2.py`, ... |',
    );
    expect(summary).toContain(
      '| License not allowed (`license-not-allowed`) | 2 | needs a person | `tools/mit0.py`, `tools/mit1.py` |',
    );
  });

  it('lists the licenses seen, in tags and as license texts', async () => {
    const { summary } = await summaryOf(firstDayRepo());
    expect(summary).toContain('| `Apache-2.0` | 7 | 0 | yes |');
    expect(summary).toContain('| `Apache-2.0 WITH LLVM-exception` | 0 | 12 | no |');
    expect(summary).toContain('| `MIT` | 2 | 0 | no |');
  });

  it('says what needs a person, with the input lines that would do it', async () => {
    const { summary } = await summaryOf(firstDayRepo());
    expect(summary).toContain('**Other holders** in 5 file(s): `Google LLC` (5).');
    expect(summary).toContain('```yaml\nignore: |\n  /third_party\n```');
    expect(summary).toContain(`\`\`\`yaml\ncopyright-holder: |\n  ${HOLDER}\n  Google LLC\n\`\`\``);
    expect(summary).toContain('**Licenses not allowed**: `Apache-2.0 WITH LLVM-exception` (12), `MIT` (2).');
    expect(summary).toContain('```yaml\nlicense: Apache-2.0, Apache-2.0 WITH LLVM-exception, MIT\n```');
  });

  it('counts binary files and Git LFS pointers as skipped, and says REUSE wants a .license file beside each', async () => {
    const { result, summary } = await summaryOf(firstDayRepo());
    expect(result.files.find((file) => file.path === 'media/demo.mp4')).toMatchObject({ skipReason: 'binary' });
    expect(result.files.find((file) => file.path === 'media/big.mp4')).toMatchObject({ skipReason: 'lfs-pointer' });
    expect(summary).toContain('| skipped: binary | 1 |');
    expect(summary).toContain('| skipped: Git LFS pointer (binary content) | 1 |');
    expect(summary).toContain('2 binary file(s)');
    expect(summary).toContain('`demo.mp4.license`');
  });

  it('keeps every failing file, in a collapsed list under its problem, most files first', async () => {
    const { result, summary } = await summaryOf(firstDayRepo());
    const list = summary.slice(summary.indexOf('<details><summary>All 59 failing files, by problem</summary>'));
    expect(list).not.toBe('');
    for (const file of result.files.filter((file) => file.outcome === 'failed'))
      expect(list).toContain(`\`${file.path}\``);
    expect(list).toContain(
      '- line 1: no SPDX header in the comments at the top (40)\n\n  `src/f00.py`, `src/f01.py`, ',
    );
    expect(list.indexOf('(40)')).toBeLessThan(list.indexOf('(12)'));
    expect(list).toContain('- line 3: known license text found (Apache-2.0 WITH LLVM-exception, LLVM notice)');
  });

  it('escapes what a table cell or inline code cannot hold', async () => {
    const { summary } = await summaryOf(
      new MemoryRepo({
        'a|b.py': 'x\n',
        'c.py': header('#', '2026', 'A|B'),
        'd.py': '# SPDX-FileCopyrightText: Copyright (c) 2026 Evil `Corp`\n# SPDX-License-Identifier: Apache-2.0\n',
      }),
    );
    expect(summary).toContain('| `a\\|b.py` |');
    expect(summary).toContain('| `A\\|B` | 1 | 0 | no |');
    expect(summary).toContain('`` Evil `Corp` `` (1)');
    expect(inlineCode('`tick')).toBe('`` `tick ``');
    expect(inlineCode('a\nb')).toBe('`a b`');
  });

  it('stays within GitHub’s 1 MiB with any number of failing files', async () => {
    const files: FileResult[] = [];
    for (let i = 0; i < 40_000; i++) {
      files.push({
        path: `some/rather/long/path/to/a/folder/file-${i}.py`,
        outcome: 'failed',
        findings: [{ kind: 'missing-header', line: 1, message: 'no SPDX header in the comments at the top' }],
        fixed: [],
      });
    }
    const summary = renderSummary(
      { files, headYear: 2026, notes: [], licenses: new Map() },
      { ...CONTEXT, settings: settings() },
    );
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(summary).toContain('GitHub limits a step summary to 1 MiB');
    expect(summary).toContain('**Next:** Run once with `fix: true`');
  });
});

describe('the next step', () => {
  it('is the license line when most failures are a license the project uses', async () => {
    const files: Record<string, string> = { 'a.py': 'x\n' };
    for (let i = 0; i < 5; i++) files[`m${i}.py`] = header('#', '2026', 'MIT');
    const advice = advise(await scan(new MemoryRepo(files)), settings());
    expect(advice.next).toEqual({
      text: expect.stringContaining('5 file(s) use `MIT`, which `license` does not allow'),
      inputs: 'license: Apache-2.0, MIT',
    });
  });

  it('is the holder line when most failures name another holder', async () => {
    const files: Record<string, string> = { 'a.py': 'x\n' };
    for (let i = 0; i < 3; i++) {
      files[`n${i}.py`] =
        '# SPDX-FileCopyrightText: Copyright (c) 2024 NVIDIA CORPORATION\n# SPDX-License-Identifier: Apache-2.0\n';
    }
    const advice = advise(await scan(new MemoryRepo(files)), settings());
    expect(advice.next?.text).toContain('3 file(s) name `NVIDIA CORPORATION` as the holder');
    expect(advice.next?.inputs).toBe(`copyright-holder: |\n  ${HOLDER}\n  NVIDIA CORPORATION`);
  });

  it('after fix: true, commit the repaired files; what is left needs a person', async () => {
    const repo = firstDayRepo();
    const result = await scan(repo, { fix: true, licenses: ['Apache-2.0', 'Apache-2.0 WITH LLVM-exception', 'MIT'] });
    const advice = advise(result, settings({ fix: true }));
    expect(advice.next).toEqual({ text: 'Commit the 52 repaired file(s) (`git diff` shows them).' });
    expect(advice.person.map((step) => step.text.slice(0, 20))).toEqual([
      '**Other holders** in',
      'A holder that is you',
    ]);
  });

  it('the log tells the same in a few lines', async () => {
    const advice = advise(await scan(firstDayRepo()), settings());
    expect(renderLog(advice)).toEqual([
      'Problems by kind:',
      '  missing-header: 40 file(s), e.g. src/f00.py, src/f01.py, src/f02.py',
      '  legacy-header: 12 file(s), e.g. libcxx/f00.cpp, libcxx/f01.cpp, libcxx/f02.cpp',
      '  third-party-notice: 5 file(s) (needs a person), e.g. third_party/absl/f0.py, third_party/absl/f1.py, third_party/absl/f2.py',
      '  license-not-allowed: 2 file(s) (needs a person), e.g. tools/mit0.py, tools/mit1.py',
      'Next: Run once with fix: true and commit the result: it repairs 40 of the 59 failing files (missing-header, legacy-header).',
      '  fix: true',
    ]);
  });
});

describe('ignore suggestions for other holders’ files', () => {
  const result = (paths: Record<string, 'foreign' | 'ours'>): FileResult[] =>
    Object.keys(paths)
      .sort()
      .map((path) => ({ path, outcome: paths[path] === 'foreign' ? 'failed' : 'passed', findings: [], fixed: [] }));

  it('the highest folder of two files or more that holds only them, else each file; anchored and escaped', () => {
    const paths = {
      'third_party/a/x.py': 'foreign',
      'third_party/a/y.py': 'foreign',
      'third_party/b/z.py': 'foreign',
      'third_party/c/one.py': 'foreign',
      'src/vendored.py': 'foreign',
      'src/ours.py': 'ours',
      'odd/[x]*.py': 'foreign',
      'odd/keep.py': 'ours',
    } as const;
    const files = result(paths);
    const foreign = new Set(files.filter((file) => file.outcome === 'failed').map((file) => file.path));
    const { patterns, more } = ignorePatterns(files, foreign);
    expect(patterns).toEqual(['/odd/\\[x\\]\\*.py', '/src/vendored.py', '/third_party']);
    expect(more).toBe(0);
    // The patterns ignore exactly the foreign files.
    const ignored = compileIgnore(patterns);
    for (const file of files) expect(ignored(file.path), file.path).toBe(foreign.has(file.path));
  });

  it('caps the list and counts the rest; a path with a line break is left to the JSON report', () => {
    const paths: Record<string, 'foreign' | 'ours'> = { 'bad\nname.py': 'foreign' };
    for (let i = 0; i < 12; i++) {
      paths[`d${i}/x.py`] = 'foreign';
      paths[`d${i}/y.py`] = 'ours';
    }
    const foreign = new Set(Object.keys(paths).filter((path) => paths[path] === 'foreign'));
    const { patterns, more } = ignorePatterns(result(paths), foreign, 10);
    expect(patterns).toHaveLength(10);
    expect(more).toBe(3);
  });

  it('counts with thousands separators', () => {
    expect([0, 999, 1000, 4524, 1234567].map(count)).toEqual(['0', '999', '1,000', '4,524', '1,234,567']);
  });
});

/**
 * Annotations within what GitHub shows: at most `max-annotations` of each level (the closing
 * error counted), the changed files first, then one file per kind of problem, then the rest.
 */
import { describe, expect, it } from 'vitest';
import { chooseAnnotations } from '../src/annotate.js';
import { header, MemoryRepo, scan, settings } from './memory.js';

const LLVM =
  '//===----===//\n//\n// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.\n// See https://llvm.org/LICENSE.txt for license information.\n//\n//===----===//\n\nint x;\n';

/** 20 files without a header, 3 LLVM blocks, 2 third-party files, one invalid license. */
function mixedRepo(): MemoryRepo {
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) files[`a/f${String(i).padStart(2, '0')}.py`] = 'x = 1\n';
  for (let i = 0; i < 3; i++) files[`b/f${i}.cpp`] = LLVM;
  for (let i = 0; i < 2; i++) files[`c/f${i}.py`] = '# Copyright 2019 Google LLC\nx = 1\n';
  files['d/f0.py'] = header('#', '2026', 'BSD-3');
  files['ok.py'] = header('#');
  return new MemoryRepo(files);
}

const errorsOf = (annotations: ReturnType<typeof chooseAnnotations>['annotations']) =>
  annotations.filter((annotation) => annotation.level === 'error').map((annotation) => annotation.file);

describe('error annotations', () => {
  it.each([
    [10, 9],
    [3, 2],
    [1, 0],
    [0, 0],
  ])('max-annotations %i: %i file errors (the closing error is the last one)', async (cap, files) => {
    const result = await scan(mixedRepo());
    const chosen = chooseAnnotations(result, settings({ maxAnnotations: cap }));
    expect(errorsOf(chosen.annotations)).toHaveLength(files);
    expect(chosen.shownErrors).toBe(files);
  });

  it('annotates every failing file when they fit', async () => {
    const repo = new MemoryRepo({ 'a.py': 'x\n', 'b.py': 'y\n' });
    const chosen = chooseAnnotations(await scan(repo), settings());
    expect(errorsOf(chosen.annotations)).toEqual(['a.py', 'b.py']);
  });

  it('the changed files first, then one per kind of problem, then the rest in order', async () => {
    const repo = mixedRepo();
    repo.changed = ['a/f15.py', 'a/f16.py'];
    const result = await scan(repo, { scope: 'all', yearRule: 'changed' });
    expect(errorsOf(chooseAnnotations(result, settings({ maxAnnotations: 6 })).annotations)).toEqual([
      'a/f15.py',
      'a/f16.py',
      'b/f0.cpp',
      'c/f0.py',
      'd/f0.py',
    ]);
    expect(errorsOf(chooseAnnotations(result, settings({ maxAnnotations: 8 })).annotations)).toEqual([
      'a/f15.py',
      'a/f16.py',
      'b/f0.cpp',
      'c/f0.py',
      'd/f0.py',
      'a/f00.py',
      'a/f01.py',
    ]);
  });

  it('without a change, one file per kind first', async () => {
    const result = await scan(mixedRepo());
    expect(errorsOf(chooseAnnotations(result, settings({ maxAnnotations: 5 })).annotations)).toEqual([
      'a/f00.py',
      'b/f0.cpp',
      'c/f0.py',
      'd/f0.py',
    ]);
  });

  it('each says what is wrong, the header expected and whether fix: true repairs it', async () => {
    const result = await scan(new MemoryRepo({ 'a.py': 'x = 1\n', 'c.py': '# Copyright 2019 Google LLC\nx = 1\n' }));
    const [missing, foreign] = chooseAnnotations(result, settings()).annotations;
    expect(missing).toMatchObject({ file: 'a.py', line: 1, title: 'SPDX header missing' });
    expect(missing?.message).toContain('Expected header:\n# SPDX-FileCopyrightText: Copyright (c) 2026 ');
    expect(missing?.message).toContain('Run with fix: true to repair it.');
    expect(foreign).toMatchObject({ file: 'c.py', title: 'Notice of another holder' });
    expect(foreign?.message).not.toContain('Run with fix: true');
  });
});

describe('warning annotations', () => {
  /** 10 `.foo`, 3 `.bar` and 2 `.baz` files of unknown type. */
  function unknownRepo(): MemoryRepo {
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`u/a${i}.foo`] = 'text\n';
    for (let i = 0; i < 3; i++) files[`u/b${i}.bar`] = 'text\n';
    for (let i = 0; i < 2; i++) files[`u/c${i}.baz`] = 'text\n';
    // A dated header: the year rule then has something to say about a run without a change.
    files['ok.py'] = header('#');
    return new MemoryRepo(files);
  }

  it('the run notes first, then one unknown file per extension, and the last says how many more', async () => {
    const result = await scan(unknownRepo(), { scope: 'all', yearRule: 'changed' });
    expect(result.notes).toHaveLength(1);
    const warnings = chooseAnnotations(result, settings({ maxAnnotations: 6 })).annotations;
    expect(warnings.map((warning) => warning.file ?? warning.message.slice(0, 40))).toEqual([
      result.notes[0]?.slice(0, 40),
      'u/a0.foo',
      'u/b0.bar',
      'u/c0.baz',
      'u/a1.foo',
      '11 more file(s) of unknown type were not',
    ]);
  });

  it('never one for a binary file or a Git LFS pointer, whatever its extension', async () => {
    const repo = new MemoryRepo({
      'demo.mp4': Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70]),
      'weights.bin': Buffer.concat([Buffer.from('PK'), Buffer.alloc(8)]),
      'big.mp4': 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n',
      'notes.weird': 'text\n',
    });
    const result = await scan(repo, { yearRule: 'none' });
    expect(chooseAnnotations(result, settings()).annotations.map((warning) => warning.file)).toEqual(['notes.weird']);
  });

  it('all of them when they fit, none with unknown-types: ignore', async () => {
    const result = await scan(unknownRepo(), { scope: 'all', yearRule: 'none' });
    expect(chooseAnnotations(result, settings({ maxAnnotations: 20 })).annotations).toHaveLength(15);
    expect(chooseAnnotations(result, settings({ unknownTypes: 'ignore' })).annotations).toHaveLength(0);
  });
});

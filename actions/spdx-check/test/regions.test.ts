/**
 * Remembered comment regions give a file the verdict the general scan would give it, or none:
 * one region is remembered from a file, then files that start like it (and some that only look
 * like it) are judged both ways.
 */
import { describe, expect, it } from 'vitest';
import type { Policy } from '../src/check.js';
import { classify, type FileType } from '../src/filetypes.js';
import { scanHeader, splitLines } from '../src/header.js';
import { inspectWithNotice } from '../src/notice.js';
import { KnownRegions } from '../src/regions.js';
import { HOLDER } from './memory.js';

const POLICY: Policy = { holders: [HOLDER], licenses: ['Apache-2.0'] };

function typeOf(path: string): FileType {
  const classification = classify(path);
  if (classification.kind !== 'typed') throw new Error(`no type for ${path}`);
  return classification.type;
}

const general = (bytes: Buffer, complete: boolean, fileType: FileType) =>
  inspectWithNotice(scanHeader(splitLines(bytes, complete), fileType), POLICY);

/** Remember `base`'s region; then `variant` must be judged alike both ways, or not by the memo. */
function judgeBoth(path: string, base: string, variant: string | Buffer, complete = true) {
  const fileType = typeOf(path);
  const regions = new KnownRegions();
  const baseBytes = Buffer.from(base);
  regions.remember(
    baseBytes,
    scanHeader(splitLines(baseBytes, true), fileType),
    fileType,
    general(baseBytes, true, fileType),
  );
  const bytes = Buffer.from(variant);
  const remembered = regions.inspect(bytes, complete, fileType);
  if (remembered !== undefined) {
    expect(JSON.stringify(remembered)).toBe(JSON.stringify(general(bytes, complete, fileType)));
  }
  return remembered;
}

const LLVM =
  '//===----------------------------------------------------------------------===//\n//\n// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.\n// See https://llvm.org/LICENSE.txt for license information.\n//\n//===----------------------------------------------------------------------===//\n\n';
const APACHE_C = `/*\n * Copyright (c) 2021, ${HOLDER}\n *\n * Licensed under the Apache License, Version 2.0 (the "License");\n * limitations under the License.\n */\n`;
const HASH = '# Copyright 2019 Google LLC\n#\n# Licensed under the Apache License, Version 2.0 (the "License");\n';

describe('remembered regions', () => {
  it.each([
    ['a.cu', LLVM],
    ['a.h', APACHE_C],
    ['a.py', HASH],
  ])('%s: a file with the same region and other code takes the remembered verdict', (path, region) => {
    const remembered = judgeBoth(path, `${region}int a;\n`, `${region}int b = 2;\nmore();\n`);
    expect(remembered).toBeDefined();
  });

  // Each variant is judged both ways; where the memo answers it must agree (judgeBoth checks).
  const variants: [string, (region: string) => string | Buffer, boolean][] = [
    ['a blank line, then code', (region) => `${region}\n\nint b;\n`, false],
    ['another comment line', (region) => `${region}// more\nint b;\n`, false],
    ['a copyright line after', (region) => `${region}// Copyright 2020 Google LLC\nint b;\n`, false],
    ['a hash copyright line after', (region) => `${region}# Copyright 2020 Google LLC\nx = 1\n`, false],
    ['a block comment after', (region) => `${region}/* more */\nint b;\n`, false],
    ['a hash comment after', (region) => `${region}# more\nx = 1\n`, false],
    ['an SPDX tag further down', (region) => `${region}int b;\n// SPDX-License-Identifier: MIT\n`, false],
    ['a lower-case tag name further down', (region) => `${region}int b;\n# spdx-filecopyrighttext: x\n`, false],
    ['the code line without a newline', (region) => `${region}int b;`, true],
    ['the code line with CRLF', (region) => `${region}int b;\r\nint c;\r\n`, true],
    ['only spaces on the next line', (region) => `${region}   \t\nint b;\n`, false],
    [
      'one byte of the region changed',
      (region) => `${region.replace('LLVM', 'LLVN').replace('2021', '2022').replace('2019', '2018')}int b;\n`,
      false,
    ],
    ['the region cut short', (region) => `${region.slice(0, region.length - 2)}\nint b;\n`, false],
    [
      'a BOM first',
      (region) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${region}int b;\n`)]),
      false,
    ],
    ['the region and nothing else', (region) => region, false],
  ];
  for (const [path, region] of [
    ['a.cu', LLVM],
    ['a.h', APACHE_C],
    ['a.py', HASH],
  ] as const) {
    it.each(variants)(`${path}: %s`, (_, variant, hits) => {
      const remembered = judgeBoth(path, `${region}int a;\n`, variant(region));
      if (hits) expect(remembered).toBeDefined();
    });
  }

  it('a code line cut at the bytes read is not taken for a whole line', () => {
    expect(judgeBoth('a.cu', `${LLVM}int a;\n`, `${LLVM}int b`, false)).toBeUndefined();
    expect(judgeBoth('a.cu', `${LLVM}int a;\n`, `${LLVM}int b`, true)).toBeDefined();
  });

  it('keeps regions per file type', () => {
    const regions = new KnownRegions();
    const bytes = Buffer.from(`${HASH}x = 1\n`);
    const python = typeOf('a.py');
    regions.remember(bytes, scanHeader(splitLines(bytes, true), python), python, general(bytes, true, python));
    expect(regions.inspect(bytes, true, python)).toBeDefined();
    expect(regions.inspect(bytes, true, typeOf('a.yaml'))).toBeUndefined();
  });

  it('does not remember a region whose verdict depends on more than its bytes', () => {
    const fileType = typeOf('a.py');
    for (const content of [
      `#!/usr/bin/env python3\n${HASH}x = 1\n`, // a prolog
      `${HASH}x = 1\n# SPDX-License-Identifier: MIT\n`, // a stray tag
      `# SPDX-License-Identifier: MIT\n${HASH}x = 1\n`, // a tag in the region
      HASH, // no code after the region
    ]) {
      const regions = new KnownRegions();
      const bytes = Buffer.from(content);
      regions.remember(bytes, scanHeader(splitLines(bytes, true), fileType), fileType, general(bytes, true, fileType));
      expect(regions.inspect(bytes, true, fileType), content).toBeUndefined();
    }
  });
});

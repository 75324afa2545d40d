import { describe, expect, it } from 'vitest';
import { CanonicalHeaders } from '../src/canonical.js';
import { type Inspection, inspect, missingHeader, type Policy } from '../src/check.js';
import { classify, type FileType, STYLE_IDS } from '../src/filetypes.js';
import { codeStart, mayMentionTags, renderHeader, scanHeader, splitLines } from '../src/header.js';
import { HOLDER } from './memory.js';

const POLICY: Policy = { holders: [HOLDER], licenses: ['Apache-2.0'] };

/** One file type per shipped name or extension that has a comment syntax. */
const FILE_TYPES: FileType[] = [
  ...new Map(
    [
      'a.py',
      'a.sh',
      'a.yaml',
      'a.toml',
      'Dockerfile',
      'a.Dockerfile',
      'Makefile',
      'CMakeLists.txt',
      'a.rs',
      'a.go',
      'go.mod',
      'a.c',
      'a.cpp',
      'a.cu',
      'a.proto',
      'a.ts',
      'a.js',
      'a.css',
      'a.md',
      'a.html',
      'a.xml',
      'a.rst',
      'a.j2',
      'a.jinja',
      'a.ps1',
      'a.pbtxt',
      'a.tpl',
      'a.sql',
      'a.lua',
      'requirements.txt',
    ]
      .map((path) => classify(path))
      .flatMap((classification) => (classification.kind === 'typed' ? [classification.type] : []))
      .map((type) => [type.name, type] as const),
  ).values(),
];

function general(bytes: Buffer, fileType: FileType, policy = POLICY): Inspection {
  return inspect(scanHeader(splitLines(bytes, true), fileType), policy);
}

function canonicalHeader(fileType: FileType, years: string, eol = '\n', holder = HOLDER, license = 'Apache-2.0') {
  return renderHeader(fileType.style, years, holder, license).join(eol) + eol;
}

/** Every way of changing one byte of `bytes`: replaced by a few telling bytes, deleted, doubled. */
function* oneByteChanges(bytes: Buffer): Generator<Buffer> {
  const replacements = [' ', 'x', 'X', '\n', '\r', '9', '-', '\t', '*'].map((text) => text.charCodeAt(0));
  for (let at = 0; at < bytes.length; at++) {
    for (const byte of replacements) {
      if (byte === bytes[at]) continue;
      const changed = Buffer.from(bytes);
      changed[at] = byte;
      yield changed;
    }
    yield Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
    yield Buffer.concat([bytes.subarray(0, at + 1), bytes.subarray(at)]);
  }
}

describe('CanonicalHeaders', () => {
  it('covers every comment style', () => {
    expect(new Set(FILE_TYPES.map((type) => type.style.id))).toEqual(new Set(STYLE_IDS));
  });

  describe.each(FILE_TYPES.map((type) => [type.name, type] as const))('%s', (_name, fileType) => {
    const canonical = new CanonicalHeaders(POLICY);

    it.each([
      ['2024', '\n', ''],
      ['2019-2026', '\n', ''],
      ['2026', '\r\n', ''],
      ['2020-2025', '\r\n', '\uFEFF'],
    ])('reads the header fix mode writes (%s, %j, BOM %j) as the general scan does', (years, eol, bom) => {
      const bytes = Buffer.from(`${bom}${canonicalHeader(fileType, years, eol)}${eol}body${eol}`);
      const fast = canonical.inspect(bytes, fileType);
      expect(fast).toBeDefined();
      expect(fast).toEqual(general(bytes, fileType));
    });

    it.each(['', '#!/bin/sh\n'])(
      'agrees with the general scan, or leaves the file to it, after any one-byte change (prolog %j)',
      (prolog) => {
        const original = Buffer.from(`${prolog}${canonicalHeader(fileType, '2019-2024')}\nbody\n`);
        let agreed = 0;
        for (const changed of oneByteChanges(original)) {
          const fast = canonical.inspect(changed, fileType);
          if (fast === undefined) continue;
          expect(fast, JSON.stringify(changed.toString('latin1'))).toEqual(general(changed, fileType));
          agreed++;
        }
        // Changing a digit of a year keeps the header canonical: the fast path is exercised
        // (after a shebang only where the file type has one).
        if (prolog === '' || fileType.prolog.includes('shebang')) expect(agreed).toBeGreaterThan(0);
        else expect(agreed).toBe(0);
      },
    );

    it('agrees with the general scan whatever follows the header (more tags, comments, code)', () => {
      const more = renderHeader(fileType.style, '1999', 'Someone Else', 'MIT').join('\n');
      for (const after of [`${more}\n`, `${more}\ncode\n`, 'code\n', '\n\n', '']) {
        const bytes = Buffer.from(`${canonicalHeader(fileType, '2024')}${after}`);
        const fast = canonical.inspect(bytes, fileType);
        expect(fast).toBeDefined();
        expect(fast).toEqual(general(bytes, fileType));
      }
    });

    it('leaves a reversed year range, another holder and another license to the general scan', () => {
      for (const bytes of [
        canonicalHeader(fileType, '2026-2024'),
        canonicalHeader(fileType, '2024', '\n', 'Someone Else'),
        canonicalHeader(fileType, '2024', '\n', HOLDER, 'MIT'),
        canonicalHeader(fileType, '24'),
        canonicalHeader(fileType, '2024, 2026'),
      ]) {
        expect(canonical.inspect(Buffer.from(bytes), fileType)).toBeUndefined();
      }
    });

    it('needs the whole header within the bytes read', () => {
      const bytes = Buffer.from(canonicalHeader(fileType, '2024'));
      expect(canonical.inspect(bytes, fileType)).toBeDefined();
      expect(canonical.inspect(bytes.subarray(0, bytes.length - 1), fileType)).toBeUndefined();
    });
  });

  describe.each(FILE_TYPES.filter((type) => type.prolog.includes('shebang')).map((type) => [type.name, type] as const))(
    '%s, which may start with a shebang',
    (_name, fileType) => {
      const canonical = new CanonicalHeaders(POLICY);

      it('reads it after a shebang line as the general scan does', () => {
        for (const shebang of ['#!/usr/bin/env bash\n', '#!/bin/sh -e\r\n', '\uFEFF#!/usr/bin/python3\n']) {
          const bytes = Buffer.from(`${shebang}${canonicalHeader(fileType, '2024-2026')}\nbody\n`);
          const fast = canonical.inspect(bytes, fileType);
          expect(fast).toBeDefined();
          expect(fast).toEqual(general(bytes, fileType));
        }
        // Rust's inner attribute is no shebang; a blank line after the shebang is not the canonical form.
        const attribute = Buffer.from(`#![allow(x)]\n${canonicalHeader(fileType, '2024')}`);
        expect(canonical.inspect(attribute, fileType)).toBeUndefined();
        const spaced = Buffer.from(`#!/bin/sh\n\n${canonicalHeader(fileType, '2024')}`);
        expect(canonical.inspect(spaced, fileType)).toBeUndefined();
      });
    },
  );

  it('accepts each allowed license in its listed spelling', () => {
    const policy: Policy = { holders: [HOLDER], licenses: ['MIT', 'Apache-2.0 WITH LLVM-exception'] };
    const canonical = new CanonicalHeaders(policy);
    const [python] = FILE_TYPES.filter((type) => type.name === 'python') as [FileType];
    for (const license of policy.licenses) {
      const bytes = Buffer.from(`${canonicalHeader(python, '2024', '\n', HOLDER, license)}x = 1\n`);
      expect(canonical.inspect(bytes, python)).toEqual(general(bytes, python, policy));
      expect(canonical.inspect(bytes, python)).toBeDefined();
    }
  });

  it('stays out of a file type whose header the general scan reads differently', () => {
    // In Python, a first line mentioning `coding: x` is the encoding declaration (a prolog line),
    // so this holder's copyright line is not a header line there.
    const policy: Policy = { holders: ['Example coding: utf-8'], licenses: ['Apache-2.0'] };
    const canonical = new CanonicalHeaders(policy);
    const [python, rust] = ['python', 'rust'].map((name) => FILE_TYPES.find((type) => type.name === name)) as [
      FileType,
      FileType,
    ];
    const pythonBytes = Buffer.from(`${canonicalHeader(python, '2024', '\n', policy.holders[0])}x = 1\n`);
    expect(general(pythonBytes, python, policy).findings).not.toEqual([]);
    expect(canonical.inspect(pythonBytes, python)).toBeUndefined();
    const rustBytes = Buffer.from(`${canonicalHeader(rust, '2024', '\n', policy.holders[0])}fn main() {}\n`);
    expect(canonical.inspect(rustBytes, rust)).toEqual(general(rustBytes, rust, policy));
  });

  it('leaves holders the years could run into to the general scan', () => {
    for (const holder of ['', ' Padded', '2024 Numbers Inc.', '-Dash', ', Comma']) {
      const canonical = new CanonicalHeaders({ holders: [holder], licenses: ['Apache-2.0'] });
      const [rust] = FILE_TYPES.filter((type) => type.name === 'rust') as [FileType];
      const bytes = Buffer.from(`${canonicalHeader(rust, '2024', '\n', holder)}fn main() {}\n`);
      expect(canonical.inspect(bytes, rust)).toBeUndefined();
    }
  });

  it.each([
    ['with the suffix', HOLDER],
    ['without the suffix', 'NVIDIA CORPORATION & AFFILIATES.'],
  ])('a holder configured %s: both spellings and every other holder take the byte-level path', (_, configured) => {
    const policy: Policy = { holders: [configured, 'Example Corp'], licenses: ['Apache-2.0'] };
    const canonical = new CanonicalHeaders(policy);
    for (const fileType of FILE_TYPES) {
      for (const holder of [
        HOLDER,
        'NVIDIA CORPORATION & AFFILIATES.',
        'Example Corp',
        'Example Corp. All rights reserved.',
      ]) {
        for (const eol of ['\n', '\r\n']) {
          const bytes = Buffer.from(`${canonicalHeader(fileType, '2023-2024', eol, holder)}code${eol}`);
          const fast = canonical.inspect(bytes, fileType);
          const slow = general(bytes, fileType, policy);
          expect(slow.findings, `${fileType.name} ${holder}`).toEqual([]);
          if (fast !== undefined) expect(fast).toEqual(slow);
          // Only types whose header the general scan reads alike take the byte-level path at all.
          if (canonical.inspect(Buffer.from(`${canonicalHeader(fileType, '2024')}x\n`), fileType)) {
            expect(fast, `${fileType.name} ${holder}`).toBeDefined();
          }
        }
      }
    }
  });

  it('another holder or a holder with more text is left to the general scan, which fails it', () => {
    const canonical = new CanonicalHeaders(POLICY);
    const [rust] = FILE_TYPES.filter((type) => type.name === 'rust') as [FileType];
    for (const holder of ['NVIDIA CORPORATION', 'NVIDIA CORPORATION & AFFILIATES. All rights reserved. Really.']) {
      const bytes = Buffer.from(`${canonicalHeader(rust, '2024', '\n', holder)}fn main() {}\n`);
      expect(canonical.inspect(bytes, rust)).toBeUndefined();
      expect(general(bytes, rust).findings.map((finding) => finding.kind)).toEqual(['holder-mismatch']);
    }
  });
});

describe('files that start with code', () => {
  const seeds = [
    'int main() {}\n// SPDX-License-Identifier: MIT\n',
    '\n\n  import os\n# spdx-filecopyrighttext: x\n',
    '\ufeffpackage main\n',
    'x = 1 # SPDX later\n',
    '\u00a0# a comment after a space trim() removes\n',
    '\t\n\u000b\f{"a": 1}\n',
    'FROM ubuntu\n',
    'a-b\n---\n',
  ];
  it.each(FILE_TYPES.map((type) => [type.name, type] as const))(
    '%s: the byte-level answer is the general scan’s, or none',
    (_name, fileType) => {
      let answered = 0;
      for (const seed of seeds) {
        for (const bytes of [Buffer.from(seed), ...oneByteChanges(Buffer.from(seed))]) {
          for (const complete of [true, false]) {
            const code = codeStart(bytes);
            if (code === -1 || mayMentionTags(bytes, code)) continue;
            answered++;
            const slow = inspect(scanHeader(splitLines(bytes, complete), fileType), POLICY);
            expect(slow, JSON.stringify(bytes.toString('latin1'))).toEqual(missingHeader(1));
          }
        }
      }
      expect(answered).toBeGreaterThan(100);
    },
  );

  it.each([
    '# x\nint a;\n',
    '// x\n',
    '/* x */ int a;\n',
    '<!-- x -->\n',
    '{# x #}\n',
    '.. x\n',
    '-- x\n',
    '+++\n',
    '%YAML 1.2\n',
    '\u00a0int x;\n',
  ])('leaves %j to the general scan', (content) => {
    expect(codeStart(Buffer.from(content))).toBe(-1);
  });
});

/**
 * Headers written before SPDX tags: known license texts are found and converted by fix mode,
 * keeping their years (and their holder, when it is an accepted one); other holders' notices and
 * unknown texts are left to a person and never get our header.
 */
import { describe, expect, it } from 'vitest';
import { HOLDER, MemoryRepo, scan } from './memory.js';

const LLVM = `//===----------------------------------------------------------------------===//
//
// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.
// See https://llvm.org/LICENSE.txt for license information.
//
//===----------------------------------------------------------------------===//

#include <cstddef>
`;

const APACHE_LINES = [
  'Licensed under the Apache License, Version 2.0 (the "License");',
  'you may not use this file except in compliance with the License.',
  'You may obtain a copy of the License at',
  '',
  '    http://www.apache.org/licenses/LICENSE-2.0',
  '',
  'Unless required by applicable law or agreed to in writing, software',
  'distributed under the License is distributed on an "AS IS" BASIS,',
  'WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.',
  'See the License for the specific language governing permissions and',
  'limitations under the License.',
];

/** A copyright line and the Apache notice in a C block. */
const cBlock = (copyright: string, lines = APACHE_LINES) =>
  `/*\n * ${copyright}\n *\n${lines.map((line) => ` *${line ? ` ${line}` : ''}`).join('\n')}\n */\n#pragma once\n`;
/** The same in `#` comments. */
const hashBlock = (copyright: string, lines = APACHE_LINES) =>
  `# ${copyright}\n#\n${lines.map((line) => `#${line ? ` ${line}` : ''}`).join('\n')}\n\nimport os\n`;

const LLVM_LICENSES = ['Apache-2.0', 'Apache-2.0 WITH LLVM-exception'];

async function fixTwice(files: Record<string, string>, overrides = {}) {
  const repo = new MemoryRepo(files);
  const first = await scan(repo, { fix: true, ...overrides });
  const after = Object.fromEntries(Object.keys(files).map((path) => [path, repo.text(path)]));
  const writes = repo.writes.length;
  const second = await scan(repo, { fix: true, ...overrides });
  expect(repo.writes.length, 'a second fix run writes nothing').toBe(writes);
  return { first, second, after, repo };
}

describe('known license texts without SPDX tags', () => {
  it('finds the LLVM block and says fix: true converts it', async () => {
    const result = await scan(new MemoryRepo({ 'a.cu': LLVM }), { licenses: LLVM_LICENSES });
    expect(result.files[0]).toMatchObject({ outcome: 'failed' });
    expect(result.files[0]?.findings).toEqual([
      expect.objectContaining({ kind: 'legacy-header', line: 3, license: 'Apache-2.0 WITH LLVM-exception' }),
    ]);
    expect(result.files[0]?.findings[0]?.message).toContain('known license text found');
    expect(result.files[0]?.findings[0]?.message).toContain('fix: true converts it');
    expect(result.files[0]?.expectedHeader).toEqual([
      `// SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}`,
      '// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception',
    ]);
    expect(result.licenses.get('Apache-2.0 WITH LLVM-exception')).toEqual({ tags: 0, texts: 1 });
  });

  it('says when the text names a license that is not allowed', async () => {
    const result = await scan(new MemoryRepo({ 'a.cu': LLVM }));
    expect(result.files[0]?.findings[0]?.message).toContain('not an allowed license: add it to license');
  });

  it('fix: true turns the LLVM block into SPDX tags in place, keeping the banner lines', async () => {
    const { first, second, after } = await fixTwice({ 'a.cu': LLVM }, { licenses: LLVM_LICENSES });
    expect(first.files[0]).toMatchObject({
      outcome: 'fixed',
      fixed: [expect.objectContaining({ kind: 'legacy-header' })],
    });
    expect(after['a.cu']).toBe(`//===----------------------------------------------------------------------===//
//
// SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include <cstddef>
`);
    expect(second.files[0]?.outcome).toBe('passed');
  });

  it('keeps the years and the holder as the notice writes them (either spelling of an accepted holder)', async () => {
    const { first, after } = await fixTwice({
      'a.h': cBlock('Copyright (c) 2020-2023, NVIDIA CORPORATION & AFFILIATES. All rights reserved.'),
      'b.py': hashBlock('Copyright (c) 2019, 2021 NVIDIA CORPORATION & AFFILIATES.'),
    });
    expect(first.files.map((file) => file.outcome)).toEqual(['fixed', 'fixed']);
    expect(after['a.h']).toBe(
      `/*\n * SPDX-FileCopyrightText: Copyright (c) 2020-2023 ${HOLDER}\n *\n * SPDX-License-Identifier: Apache-2.0\n */\n#pragma once\n`,
    );
    expect(after['b.py']).toBe(
      '# SPDX-FileCopyrightText: Copyright (c) 2019, 2021 NVIDIA CORPORATION & AFFILIATES.\n#\n# SPDX-License-Identifier: Apache-2.0\n\nimport os\n',
    );
  });

  it('converts and then extends a year the change requires, in one run', async () => {
    const repo = new MemoryRepo({ 'a.py': hashBlock(`Copyright (c) 2021 ${HOLDER}`) });
    repo.changed = ['a.py'];
    const check = await scan(repo, { scope: 'changed' });
    expect(check.files[0]?.expectedHeader?.[0]).toBe(`# SPDX-FileCopyrightText: Copyright (c) 2021-2026 ${HOLDER}`);
    const first = await scan(repo, { fix: true, scope: 'changed' });
    expect(first.files[0]).toMatchObject({ outcome: 'fixed' });
    expect(first.files[0]?.fixed.map((finding) => finding.kind)).toEqual(['legacy-header', 'stale-year']);
    expect(repo.text('a.py').split('\n')[0]).toBe(`# SPDX-FileCopyrightText: Copyright (c) 2021-2026 ${HOLDER}`);
    const writes = repo.writes.length;
    expect((await scan(repo, { fix: true, scope: 'changed' })).files[0]?.outcome).toBe('passed');
    expect(repo.writes.length).toBe(writes);
  });

  it('a copyright line of ours without a license text gets the license line; "All rights reserved." on its own line joins it', async () => {
    const content = '# Copyright (c) 2021, NVIDIA CORPORATION & AFFILIATES\n# All rights reserved.\n\nimport os\n';
    const { first, after } = await fixTwice({ 'a.py': content });
    expect(first.files[0]?.findings).toEqual([]);
    expect(after['a.py']).toBe(
      `# SPDX-FileCopyrightText: Copyright (c) 2021 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n\nimport os\n`,
    );
  });

  it('keeps CRLF line endings', async () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    const { after } = await fixTwice({ 'a.cu': crlf(LLVM) }, { licenses: LLVM_LICENSES });
    expect(after['a.cu']).toContain('// SPDX-FileCopyrightText: Copyright (c) 2026 ');
    expect(after['a.cu']?.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('a one-line block keeps its closing marker', async () => {
    const content = '/* Licensed under the Apache License, Version 2.0 (the "License"); */\nint x;\n';
    const { after } = await fixTwice({ 'a.c': content });
    expect(after['a.c']).toBe(
      `/* SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n * SPDX-License-Identifier: Apache-2.0 */\nint x;\n`,
    );
  });

  it.each([
    ['BSD-3-Clause', bsd(true)],
    ['BSD-2-Clause', bsd(false)],
    ['MIT', mit()],
    [
      'NCSA',
      '// This file is distributed under the University of Illinois Open Source\n// License. See LICENSE.TXT for details.\n',
    ],
    [
      'MIT OR NCSA',
      '// This file is dual licensed under the MIT and the University of Illinois Open\n// Source Licenses. See LICENSE.TXT for details.\n',
    ],
    [
      'BSL-1.0',
      '// Distributed under the Boost Software License, Version 1.0.\n// (See accompanying file LICENSE_1_0.txt or copy at http://www.boost.org/LICENSE_1_0.txt)\n',
    ],
    [
      'LicenseRef-NvidiaProprietary',
      '// NVIDIA CORPORATION and its licensors retain all intellectual property\n// and proprietary rights in and to this software, related documentation\n// and any modifications thereto. Any use, reproduction, disclosure or\n// distribution of this software and related documentation without an express\n// license agreement from NVIDIA CORPORATION is strictly prohibited.\n',
    ],
    [
      'MIT',
      '// This source code is licensed under the MIT license found in the\n// LICENSE file in the root directory of this source tree.\n',
    ],
  ])('recognises the %s text', async (license, text) => {
    const content = `// Copyright (c) 2022 ${HOLDER}\n//\n${text}\nint x;\n`;
    const result = await scan(new MemoryRepo({ 'a.cpp': content }), { licenses: [license] });
    expect(result.files[0]?.findings).toEqual([expect.objectContaining({ kind: 'legacy-header', license })]);
    const { after } = await fixTwice({ 'a.cpp': content }, { licenses: [license] });
    expect(after['a.cpp']).toBe(
      `// SPDX-FileCopyrightText: Copyright (c) 2022 ${HOLDER}\n//\n// SPDX-License-Identifier: ${license}\n\nint x;\n`,
    );
  });
});

describe('notices that need a person', () => {
  it("another holder's notice is third-party: reported with the holder, never given our header", async () => {
    const content = hashBlock('Copyright 2019 Google LLC');
    const { first, after } = await fixTwice({ 'vendor/a.py': content });
    expect(first.files[0]?.findings).toEqual([
      expect.objectContaining({ kind: 'third-party-notice', line: 1, holder: 'Google LLC', license: 'Apache-2.0' }),
    ]);
    expect(after['vendor/a.py']).toBe(content);
  });

  it('an unknown license text is reported and left alone', async () => {
    const content = `# Copyright (c) 2020 ${HOLDER}\n#\n# This program is free software; you can redistribute it and/or modify\n# it under the terms of the GNU General Public License as published by\n# the Free Software Foundation; either version 2 of the License.\n\nimport os\n`;
    const { first, after } = await fixTwice({ 'a.py': content });
    expect(first.files[0]?.findings).toEqual([expect.objectContaining({ kind: 'unknown-license-text', line: 1 })]);
    expect(after['a.py']).toBe(content);
  });

  it('a known text that shares its line with other text is not converted', async () => {
    const content = '// Foo library. Licensed under the Apache License, Version 2.0 (the "License");\nint x;\n';
    const result = await scan(new MemoryRepo({ 'a.cpp': content }));
    expect(result.files[0]?.findings).toEqual([expect.objectContaining({ kind: 'unknown-license-text' })]);
    expect(result.files[0]?.findings[0]?.message).toContain('shares its lines with other text');
  });

  it('a comment that only talks about licenses is no notice: the file gets a header', async () => {
    const content = '# Checks the license headers of the tree.\n\nimport os\n';
    const { first, after } = await fixTwice({ 'a.py': content });
    expect(first.files[0]).toMatchObject({
      outcome: 'fixed',
      fixed: [expect.objectContaining({ kind: 'missing-header' })],
    });
    expect(after['a.py']).toBe(
      `# SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n\n${content}`,
    );
  });
});

function bsd(threeClause: boolean): string {
  const lines = [
    'Redistribution and use in source and binary forms, with or without',
    'modification, are permitted provided that the following conditions are met:',
    '1. Redistributions of source code must retain the above copyright notice,',
    '   this list of conditions and the following disclaimer.',
    '2. Redistributions in binary form must reproduce the above copyright notice,',
    '   this list of conditions and the following disclaimer in the documentation',
    '   and/or other materials provided with the distribution.',
    ...(threeClause
      ? [
          '3. Neither the name of the copyright holder nor the names of its',
          '   contributors may be used to endorse or promote products derived from',
          '   this software without specific prior written permission.',
        ]
      : []),
    'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"',
    'AND ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED. IN NO EVENT SHALL THE',
    'COPYRIGHT HOLDER BE LIABLE FOR ANY DAMAGES, EVEN IF ADVISED OF THE',
    'POSSIBILITY OF SUCH DAMAGE.',
  ];
  return `${lines.map((line) => `// ${line}`).join('\n')}\n`;
}

function mit(): string {
  const lines = [
    'Permission is hereby granted, free of charge, to any person obtaining a',
    'copy of this software and associated documentation files (the "Software"),',
    'to deal in the Software without restriction. THE SOFTWARE IS PROVIDED "AS IS",',
    'WITHOUT WARRANTY OF ANY KIND. IN NO EVENT SHALL THE AUTHORS BE LIABLE FOR ANY',
    'CLAIM, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR',
    'OTHER DEALINGS IN THE SOFTWARE.',
  ];
  return `${lines.map((line) => `// ${line}`).join('\n')}\n`;
}

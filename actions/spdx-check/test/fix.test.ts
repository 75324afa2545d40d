import { describe, expect, it } from 'vitest';
import { HOLDER, header, MemoryRepo, scan } from './memory.js';

const HEADER_LF = header('#');
const crlf = (text: string) => text.replace(/\n/g, '\r\n');

async function fixOnce(path: string, content: string | Buffer, overrides = {}) {
  const repo = new MemoryRepo({ [path]: content });
  repo.changed = [path];
  const first = await scan(repo, { fix: true, scope: 'changed', ...overrides });
  const after = repo.bytes(path);
  const second = await scan(repo, { fix: true, scope: 'changed', ...overrides });
  expect(repo.bytes(path).equals(after), 'a second fix changes nothing').toBe(true);
  expect(second.files[0]?.outcome).toBe('passed');
  return { result: first.files[0], bytes: after, text: after.toString('utf8'), repo };
}

describe('fix mode keeps every other byte', () => {
  it('keeps CRLF line endings', async () => {
    const { text } = await fixOnce('a.py', crlf('#!/usr/bin/env python3\nimport os\n'));
    expect(text).toBe(crlf(`#!/usr/bin/env python3\n${HEADER_LF}\nimport os\n`));
  });

  it('keeps a UTF-8 byte order mark first', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const { bytes } = await fixOnce('a.py', Buffer.concat([bom, Buffer.from('import os\n')]));
    expect(bytes.subarray(0, 3).equals(bom)).toBe(true);
    expect(bytes.subarray(3).toString()).toBe(`${HEADER_LF}\nimport os\n`);
  });

  it('keeps a missing final newline', async () => {
    const { text } = await fixOnce('a.py', 'import os');
    expect(text).toBe(`${HEADER_LF}\nimport os`);
  });

  it('a file that is only a shebang without a newline gets the header and still no final newline', async () => {
    const { text } = await fixOnce('a.sh', '#!/bin/sh');
    expect(text).toBe(`#!/bin/sh\n${HEADER_LF.trimEnd()}`);
  });

  it('keeps a shebang and a PEP 263 coding line first', async () => {
    const { text } = await fixOnce('a.py', '#!/usr/bin/env python\n# -*- coding: utf-8 -*-\nx = 1\n');
    expect(text).toBe(`#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n${HEADER_LF}\nx = 1\n`);
  });

  it('keeps Dockerfile parser directives first, all of them', async () => {
    const { text } = await fixOnce('Dockerfile', '# syntax=docker/dockerfile:1\n# escape=`\n\nFROM x\n');
    expect(text).toBe(`# syntax=docker/dockerfile:1\n# escape=\`\n\n${HEADER_LF}\nFROM x\n`);
  });

  it('keeps Go build constraints first and separated by a blank line', async () => {
    const { text } = await fixOnce('x.go', '//go:build linux\n// +build linux\npackage x\n');
    expect(text).toBe(`//go:build linux\n// +build linux\n\n${header('//')}\npackage x\n`);
  });

  it('keeps TOML front matter in Markdown first', async () => {
    const { text } = await fixOnce('a.md', '+++\ntitle = "x"\n+++\nBody\n');
    expect(text).toContain('+++\ntitle = "x"\n+++\n<!--\n');
  });

  it('does not insert into front matter longer than the 4 KiB it reads', async () => {
    const content = `---\n${'key: value\n'.repeat(500)}---\n# Title\n`;
    const repo = new MemoryRepo({ 'a.md': content });
    const result = await scan(repo, { fix: true });
    expect(result.files[0]?.outcome).toBe('failed');
    expect(repo.writes).toEqual([]);
  });

  it('edits only the bytes past 4 KiB that it must: a large file is byte-identical after the header', async () => {
    const body = `import os\n${'x = "é"\n'.repeat(2000)}`;
    const { bytes } = await fixOnce('big.py', body);
    expect(bytes.subarray(Buffer.byteLength(`${HEADER_LF}\n`)).toString()).toBe(body);
  });

  it('refuses to edit a line whose bytes are not valid UTF-8, and says so', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('# SPDX-FileCopyrightText: Copyright (c) 2024 '),
      Buffer.from([0xe9]),
      Buffer.from(' x\n# SPDX-License-Identifier: Apache-2.0\n'),
    ]);
    const repo = new MemoryRepo({ 'a.py': latin1 });
    repo.changed = ['a.py'];
    const result = await scan(repo, { fix: true, scope: 'changed', holders: ['\uFFFD x'] });
    expect(result.files[0]?.outcome).toBe('failed');
    expect(repo.writes).toEqual([]);
  });
});

describe('fix mode repairs', () => {
  it('extends a stale single year in place: 2024 -> 2024-2026', async () => {
    const { text, result } = await fixOnce('a.py', `${header('#', '2024')}x = 1\n`);
    expect(text).toBe(`${header('#', '2024-2026')}x = 1\n`);
    expect(result?.fixed.map((finding) => finding.kind)).toEqual(['stale-year']);
  });

  it('extends the end of a range and keeps CRLF: 2020-2025 -> 2020-2026', async () => {
    const { text } = await fixOnce('a.py', crlf(`${header('#', '2020-2025')}x = 1\n`));
    expect(text).toBe(crlf(`${header('#', '2020-2026')}x = 1\n`));
  });

  it('extends only the last part of a list: 2019, 2021 -> 2019, 2021-2026', async () => {
    const { text } = await fixOnce('a.py', `${header('#', '2019, 2021')}x = 1\n`);
    expect(text).toBe(`${header('#', '2019, 2021-2026')}x = 1\n`);
  });

  it('adds a missing license line after the copyright line, in its style', async () => {
    const { text } = await fixOnce(
      'a.cu',
      ` * SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n`.replace(/^/, '/*\n').concat(' */\nint x;\n'),
    );
    expect(text).toBe(
      `/*\n * SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n * SPDX-License-Identifier: Apache-2.0\n */\nint x;\n`,
    );
  });

  it('adds a missing copyright line before the license line', async () => {
    const { text } = await fixOnce('a.py', '# SPDX-License-Identifier: Apache-2.0\nx = 1\n');
    expect(text).toBe(`${HEADER_LF}x = 1\n`);
  });

  it('adds a missing license to a one-line block as its own one-line block', async () => {
    const { text } = await fixOnce('a.css', `/* SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER} */\na {}\n`);
    expect(text).toBe(
      `/* SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER} */\n/* SPDX-License-Identifier: Apache-2.0 */\na {}\n`,
    );
  });

  it('writes the first allowed license', async () => {
    const { text } = await fixOnce('a.py', 'x = 1\n', { licenses: ['Apache-2.0 WITH LLVM-exception', 'MIT'] });
    expect(text).toContain('# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception\n');
  });

  it.each([
    ['a license that is not allowed', `${header('#', '2026', 'MIT')}`],
    ['an invalid license expression', `${header('#', '2026', 'BSD-3')}`],
    [
      'another holder',
      '# SPDX-FileCopyrightText: Copyright (c) 2026 Someone Else\n# SPDX-License-Identifier: Apache-2.0\n',
    ],
    ['a header below code', `x = 1\n${HEADER_LF}`],
  ])('leaves %s to a person', async (_, content) => {
    const repo = new MemoryRepo({ 'a.py': content });
    const result = await scan(repo, { fix: true });
    expect(result.files[0]?.outcome).toBe('failed');
    expect(repo.writes).toEqual([]);
  });

  it('fixes what it can and still fails the file for the rest', async () => {
    const repo = new MemoryRepo({ 'a.py': `${header('#', '2024', 'MIT')}` });
    repo.changed = ['a.py'];
    const result = await scan(repo, { fix: true, scope: 'changed' });
    expect(result.files[0]).toMatchObject({ outcome: 'failed' });
    expect(result.files[0]?.findings.map((finding) => finding.kind)).toEqual(['license-not-allowed']);
    expect(result.files[0]?.fixed.map((finding) => finding.kind)).toEqual(['stale-year']);
    expect(repo.text('a.py')).toContain('2024-2026');
  });
});

import { describe, expect, it } from 'vitest';
import { LastChangeCollector, unquoteGitPath } from '../src/history.js';
import { parseConfig, parseInputs, resolveSettings } from '../src/inputs.js';

const reader = (values: Record<string, string>) => (name: string) => values[name];

describe('inputs', () => {
  it('unset inputs stay undefined so the config file and defaults apply', async () => {
    const settings = await resolveSettings(parseInputs(reader({})), undefined);
    expect(settings).toMatchObject({
      scope: 'changed',
      yearRule: 'changed',
      unknownTypes: 'warn',
      holders: ['NVIDIA CORPORATION & AFFILIATES. All rights reserved.'],
      licenses: ['Apache-2.0'],
      fix: false,
      maxAnnotations: 10,
    });
  });

  it('inputs win over the config file; ignore lists add up', async () => {
    const config = await parseConfig('scope: all\nyear-rule: none\nignore: [vendor]\nlicense: mit\n', 'c.yaml');
    const settings = await resolveSettings(
      parseInputs(reader({ 'year-rule': 'last-commit', ignore: '*.md\ndocs' })),
      config,
    );
    expect(settings).toMatchObject({
      scope: 'all',
      yearRule: 'last-commit',
      ignore: ['vendor', '*.md', 'docs'],
      licenses: ['MIT'],
    });
  });

  it.each([
    [{ scope: 'some' }, `Input 'scope' must be one of changed|all, got "some"`],
    [{ 'year-rule': 'calendar' }, `Input 'year-rule' must be one of changed|last-commit|none, got "calendar"`],
    [{ 'unknown-types': 'maybe' }, `Input 'unknown-types' must be one of fail|warn|ignore, got "maybe"`],
    [{ fix: 'sure' }, `Input 'fix' must be true or false, got "sure"`],
    [{ 'base-sha': '--upload-pack=x' }, `Input 'base-sha' must be a commit SHA or ref name, got "--upload-pack=x"`],
    [{ 'max-annotations': 'ten' }, `Input 'max-annotations' must be a whole number, got "ten"`],
    [{ 'max-annotations': '-1' }, `Input 'max-annotations' must be at least 0, got -1`],
  ])('rejects %j', (values, message) => {
    expect(() => parseInputs(reader(values))).toThrow(message);
  });
});

describe('copyright holders and the annotation cap', () => {
  it('copyright-holder takes one holder per line (commas belong to holders)', async () => {
    const settings = await resolveSettings(
      parseInputs(
        reader({ 'copyright-holder': 'NVIDIA CORPORATION & AFFILIATES.\n  Meta Platforms, Inc. and affiliates\n\n' }),
      ),
      undefined,
    );
    expect(settings.holders).toEqual(['NVIDIA CORPORATION & AFFILIATES.', 'Meta Platforms, Inc. and affiliates']);
  });

  it.each([
    ['copyright-holder: |\n  A Corp\n  B, Inc.\n', ['A Corp', 'B, Inc.']],
    ['copyright-holder: [A Corp, "B, Inc."]\n', ['A Corp', 'B, Inc.']],
    ['copyright-holder: A Corp\n', ['A Corp']],
  ])('the config file: %j', async (text, holders) => {
    const settings = await resolveSettings(parseInputs(reader({})), await parseConfig(text, 'c.yaml'));
    expect(settings.holders).toEqual(holders);
  });

  it('the config file reads the lines the summary suggests as the inputs do', async () => {
    const config = await parseConfig(
      'license: Apache-2.0, Apache-2.0 WITH LLVM-exception\nignore: |\n  /third_party\n  /src/vendored.py\n',
      'c.yaml',
    );
    const settings = await resolveSettings(parseInputs(reader({})), config);
    expect(settings.licenses).toEqual(['Apache-2.0', 'Apache-2.0 WITH LLVM-exception']);
    expect(settings.ignore).toEqual(['/third_party', '/src/vendored.py']);
  });

  it('an input wins over the config file', async () => {
    const config = await parseConfig('copyright-holder: A Corp\n', 'c.yaml');
    const settings = await resolveSettings(parseInputs(reader({ 'copyright-holder': 'B Corp' })), config);
    expect(settings.holders).toEqual(['B Corp']);
  });

  it('max-annotations defaults to what GitHub shows per step', async () => {
    expect(parseInputs(reader({})).maxAnnotations).toBe(10);
    expect(parseInputs(reader({ 'max-annotations': '0' })).maxAnnotations).toBe(0);
  });
});

describe('license lists', () => {
  it('an invalid license input names the input and the correction', async () => {
    await expect(resolveSettings(parseInputs(reader({ license: 'Apache-2.0, Apache-2' })), undefined)).rejects.toThrow(
      `Input 'license' must list valid SPDX license expressions: "Apache-2" is not on the SPDX license list; use "Apache-2.0"`,
    );
  });

  it('an invalid license in the config names the file and key', async () => {
    const config = await parseConfig('license: [BSD-3]\n', 'c.yaml');
    await expect(resolveSettings(parseInputs(reader({})), config, 'c.yaml')).rejects.toThrow(
      `Config file c.yaml: 'license' must list valid SPDX license expressions: "BSD-3" is not on the SPDX license list; use "BSD-3-Clause"`,
    );
  });

  it('normalises the allowed expressions', async () => {
    const settings = await resolveSettings(
      parseInputs(reader({ license: 'apache-2.0 with llvm-exception' })),
      undefined,
    );
    expect(settings.licenses).toEqual(['Apache-2.0 WITH LLVM-exception']);
  });
});

describe('config file', () => {
  it('reads file-types as styles or {comment, prolog}', async () => {
    const config = await parseConfig(
      "file-types:\n  '*.foo': hash\n  'tools/*': {comment: slash, prolog: [shebang]}\n  'charts/**/templates/*.yaml': skip\n",
      'c.yaml',
    );
    expect(config.fileTypes).toEqual([
      { pattern: '*.foo', style: 'hash' },
      { pattern: 'tools/*', style: 'slash', prolog: ['shebang'] },
      { pattern: 'charts/**/templates/*.yaml', style: 'skip' },
    ]);
  });

  it.each([
    ['a: [', /Config file c.yaml: is not valid YAML/],
    ['- a\n', /Config file c.yaml: must be a mapping of settings/],
    ['scopes: all\n', /unknown key 'scopes'/],
    ['year-rule: yearly\n', /'year-rule' must be one of changed\|last-commit\|none, got "yearly"/],
    ["file-types:\n  '*.x': semicolon\n", /'file-types.\*.x' comment style must be one of hash\|slash/],
    ["file-types:\n  '*.x': {comment: hash, prolog: [bom]}\n", /prolog' must list prolog kinds/],
    ['ignore: 3\n', /'ignore' must be a string or a list of strings/],
    ['copyright-holder: []\n', /Config file c.yaml: 'copyright-holder' must name at least one holder/],
    ['copyright-holder: [3]\n', /'copyright-holder' must be a string or a list of strings/],
    ['license: []\n', /Config file c.yaml: 'license' must name at least one license/],
  ])('rejects %j with a message naming the file and key', async (text, message) => {
    await expect(parseConfig(text, 'c.yaml')).rejects.toThrow(message);
  });

  it('an empty file is an empty config', async () => {
    expect(await parseConfig('', 'c.yaml')).toEqual({ ignore: [], fileTypes: [] });
  });
});

describe('last-commit history pass', () => {
  it('takes the newest commit that lists each path and says when all are found', () => {
    const collector = new LastChangeCollector(['a.py', 'dir/b.py', 'tab\there.py', 'é.py']);
    const lines = [
      '\x012026-03-01',
      '',
      'a.py',
      '\x012025-12-31',
      '',
      'a.py',
      'dir/b.py',
      '"tab\\there.py"',
      '\x012024-01-01',
      '',
    ];
    for (const line of lines) expect(collector.push(line)).toBe(false);
    expect(collector.push('"\\303\\251.py"')).toBe(true);
    expect([...collector.result()]).toEqual([
      ['a.py', 2026],
      ['dir/b.py', 2025],
      ['tab\there.py', 2025],
      ['é.py', 2024],
    ]);
  });

  it.each([
    ['plain.py', 'plain.py'],
    ['"with \\"quote\\".py"', 'with "quote".py'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"new\\nline"', 'new\nline'],
    ['"\\346\\227\\245\\346\\234\\254.md"', '日本.md'],
  ])('unquotes %s', (quoted, path) => {
    expect(unquoteGitPath(quoted)).toBe(path);
  });
});

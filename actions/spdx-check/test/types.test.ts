import { describe, expect, it } from 'vitest';
import { classify } from '../src/filetypes.js';
import { HOLDER, header, MemoryRepo, scan } from './memory.js';

const C = `SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}`;
const L = 'SPDX-License-Identifier: Apache-2.0';

/**
 * Every file type the issue names: a valid header (line form, and block form where the
 * language has one), a body without a header, and the exact header fix mode writes.
 */
const TYPES: { path: string; type: string; valid: string[]; body: string; fixed: string }[] = [
  {
    path: 'src/app.py',
    type: 'python',
    valid: [`${header('#')}import os\n`],
    body: 'import os\n',
    fixed: `${header('#')}\nimport os\n`,
  },
  {
    path: 'run.sh',
    type: 'shell',
    valid: [`#!/bin/bash\n${header('#')}echo hi\n`],
    body: '#!/bin/bash\necho hi\n',
    fixed: `#!/bin/bash\n${header('#')}\necho hi\n`,
  },
  {
    path: 'deploy/values.yaml',
    type: 'yaml',
    valid: [`${header('#')}a: 1\n`, `---\n${header('#')}a: 1\n`],
    body: 'a: 1\n',
    fixed: `${header('#')}\na: 1\n`,
  },
  {
    path: 'ci.yml',
    type: 'yaml',
    valid: [`${header('#')}on: push\n`],
    body: 'on: push\n',
    fixed: `${header('#')}\non: push\n`,
  },
  {
    path: 'pyproject.toml',
    type: 'toml',
    valid: [`${header('#')}[project]\n`],
    body: '[project]\n',
    fixed: `${header('#')}\n[project]\n`,
  },
  {
    path: 'container/Dockerfile',
    type: 'dockerfile',
    valid: [`${header('#')}FROM x\n`, `{#\n${header('#')}#}\nFROM x\n`],
    body: '# syntax=docker/dockerfile:1.10.0-labs\nFROM x\n',
    fixed: `# syntax=docker/dockerfile:1.10.0-labs\n${header('#')}\nFROM x\n`,
  },
  {
    path: 'Containerfile',
    type: 'dockerfile',
    valid: [`${header('#')}FROM x\n`],
    body: 'FROM x\n',
    fixed: `${header('#')}\nFROM x\n`,
  },
  {
    path: 'container/Dockerfile.vllm',
    type: 'dockerfile',
    valid: [`${header('#')}FROM x\n`],
    body: '# escape=`\nFROM x\n',
    fixed: `# escape=\`\n${header('#')}\nFROM x\n`,
  },
  {
    path: 'container/templates/trt.Dockerfile',
    type: 'dockerfile',
    valid: [`${header('#')}FROM x\n`],
    body: 'FROM x\n',
    fixed: `${header('#')}\nFROM x\n`,
  },
  {
    path: 'Makefile',
    type: 'makefile',
    valid: [`${header('#')}all:\n`],
    body: 'all:\n',
    fixed: `${header('#')}\nall:\n`,
  },
  {
    path: 'lib/CMakeLists.txt',
    type: 'cmake',
    valid: [`${header('#')}project(x)\n`],
    body: 'project(x)\n',
    fixed: `${header('#')}\nproject(x)\n`,
  },
  {
    path: 'cmake/x.cmake',
    type: 'cmake',
    valid: [`${header('#')}set(a)\n`],
    body: 'set(a)\n',
    fixed: `${header('#')}\nset(a)\n`,
  },
  {
    path: 'lib/runtime/src/lib.rs',
    type: 'rust',
    valid: [`${header('//')}fn main() {}\n`, `/*\n * ${C}\n * ${L}\n */\nfn main() {}\n`],
    body: '#![allow(dead_code)]\nfn main() {}\n',
    fixed: `${header('//')}\n#![allow(dead_code)]\nfn main() {}\n`,
  },
  {
    path: 'deploy/operator/cmd/main.go',
    type: 'go',
    valid: [
      `${header('//')}\npackage main\n`,
      `/*\nCopyright (c) 2022 Atalaya Tech. Inc\n\n * ${C}\n * ${L}\n */\n\npackage main\n`,
      `//go:build linux\n\n${header('//')}\npackage main\n`,
    ],
    body: '//go:build linux\n\npackage main\n',
    fixed: `//go:build linux\n\n${header('//')}\npackage main\n`,
  },
  {
    path: 'native/x.c',
    type: 'c',
    valid: [`${header('//')}int x;\n`, `/* ${C} */\n/* ${L} */\nint x;\n`],
    body: 'int x;\n',
    fixed: `${header('//')}\nint x;\n`,
  },
  {
    path: 'native/x.h',
    type: 'c',
    valid: [`${header('//')}#pragma once\n`],
    body: '#pragma once\n',
    fixed: `${header('//')}\n#pragma once\n`,
  },
  {
    path: 'native/x.cpp',
    type: 'c++',
    valid: [`${header('//')}int x;\n`],
    body: 'int x;\n',
    fixed: `${header('//')}\nint x;\n`,
  },
  {
    path: 'native/x.hpp',
    type: 'c++',
    valid: [`${header('//')}int x;\n`],
    body: 'int x;\n',
    fixed: `${header('//')}\nint x;\n`,
  },
  {
    path: 'kernels/k.cu',
    type: 'cuda',
    valid: [`${header('//')}__global__ void k() {}\n`, `/*\n * ${C}\n * ${L}\n */\n__global__ void k() {}\n`],
    body: '__global__ void k() {}\n',
    fixed: `${header('//')}\n__global__ void k() {}\n`,
  },
  {
    path: 'kernels/k.cuh',
    type: 'cuda',
    valid: [`${header('//')}#pragma once\n`],
    body: '#pragma once\n',
    fixed: `${header('//')}\n#pragma once\n`,
  },
  {
    path: 'proto/x.proto',
    type: 'protobuf',
    valid: [`${header('//')}syntax = "proto3";\n`],
    body: 'syntax = "proto3";\n',
    fixed: `${header('//')}\nsyntax = "proto3";\n`,
  },
  {
    path: 'web/x.ts',
    type: 'typescript',
    valid: [`${header('//')}export {};\n`, `/**\n * ${C}\n * ${L}\n */\nexport {};\n`],
    body: 'export {};\n',
    fixed: `${header('//')}\nexport {};\n`,
  },
  {
    path: 'web/cli.js',
    type: 'javascript',
    valid: [`#!/usr/bin/env node\n${header('//')}console.log(1);\n`],
    body: '#!/usr/bin/env node\nconsole.log(1);\n',
    fixed: `#!/usr/bin/env node\n${header('//')}\nconsole.log(1);\n`,
  },
  {
    path: 'README.md',
    type: 'markdown',
    valid: [`<!--\n${C}\n${L}\n-->\n# Title\n`, `<!-- ${C} -->\n<!-- ${L} -->\n\n# Title\n`],
    body: '---\ntitle: x\n---\n# Title\n',
    fixed: `---\ntitle: x\n---\n<!--\n${C}\n${L}\n-->\n\n# Title\n`,
  },
  {
    path: 'docs/index.html',
    type: 'html',
    valid: [`<!DOCTYPE html>\n<!--\n${C}\n${L}\n-->\n<html></html>\n`],
    body: '<!DOCTYPE html>\n<html></html>\n',
    fixed: `<!DOCTYPE html>\n<!--\n${C}\n${L}\n-->\n\n<html></html>\n`,
  },
  {
    path: 'docs/x.xml',
    type: 'xml',
    valid: [`<?xml version="1.0"?>\n<!--\n${C}\n${L}\n-->\n<a/>\n`],
    body: '<?xml version="1.0"?>\n<a/>\n',
    fixed: `<?xml version="1.0"?>\n<!--\n${C}\n${L}\n-->\n\n<a/>\n`,
  },
  {
    path: 'docs/guide.rst',
    type: 'restructuredtext',
    valid: [`${header('..')}Guide\n=====\n`, `..\n   ${C}\n   ${L}\n\nGuide\n`],
    body: 'Guide\n=====\n',
    fixed: `${header('..')}\nGuide\n=====\n`,
  },
  {
    path: 'templates/x.j2',
    type: 'jinja',
    valid: [`{#\n${header('#')}#}\n{{ x }}\n`, `{# ${C} #}\n{# ${L} #}\n{{ x }}\n`],
    body: '{{ x }}\n',
    fixed: `{#\n${header('#')}#}\n\n{{ x }}\n`,
  },
  {
    path: 'templates/x.jinja',
    type: 'jinja',
    valid: [`{#\n${header('#')}#}\n`],
    body: '{{ x }}\n',
    fixed: `{#\n${header('#')}#}\n\n{{ x }}\n`,
  },
  {
    path: 'scripts/x.ps1',
    type: 'powershell',
    valid: [`${header('#')}Write-Host hi\n`, `<#\n${C}\n${L}\n#>\nWrite-Host hi\n`],
    body: 'Write-Host hi\n',
    fixed: `${header('#')}\nWrite-Host hi\n`,
  },
  {
    path: 'models/config.pbtxt',
    type: 'pbtxt',
    valid: [`${header('#')}name: "x"\n`],
    body: 'name: "x"\n',
    fixed: `${header('#')}\nname: "x"\n`,
  },
  {
    path: 'deploy/helm/templates/_helpers.tpl',
    type: 'template',
    valid: [`${header('#')}{{- define "x" -}}\n`],
    body: '{{- define "x" -}}\n',
    fixed: `${header('#')}\n{{- define "x" -}}\n`,
  },
];

describe('every shipped file type', () => {
  for (const entry of TYPES) {
    describe(entry.path, () => {
      it(`is typed ${entry.type}`, () => {
        const classification = classify(entry.path);
        expect(classification.kind === 'typed' && classification.type.name).toBe(entry.type);
      });

      it('accepts a valid header in every accepted form', async () => {
        for (const content of entry.valid) {
          const result = await scan(new MemoryRepo({ [entry.path]: content }));
          expect(result.files[0], content).toMatchObject({ outcome: 'passed', findings: [] });
        }
      });

      it('fails the body without a header, at the line after the prolog', async () => {
        const result = await scan(new MemoryRepo({ [entry.path]: entry.body }));
        expect(result.files[0]?.outcome).toBe('failed');
        expect(result.files[0]?.findings.map((finding) => finding.kind)).toEqual(['missing-header']);
      });

      it('fix inserts the header in its syntax after the prolog, and a second fix changes nothing', async () => {
        const repo = new MemoryRepo({ [entry.path]: entry.body });
        const first = await scan(repo, { fix: true });
        expect(first.files[0]?.outcome).toBe('fixed');
        expect(repo.text(entry.path)).toBe(entry.fixed);
        const second = await scan(repo, { fix: true });
        expect(second.files[0]?.outcome).toBe('passed');
        expect(repo.writes).toEqual([entry.path]);
      });
    });
  }
});

describe('classification', () => {
  it.each([
    ['package.json', 'uncommentable'],
    ['LICENSE', 'uncommentable'],
    ['LICENSE.txt', 'uncommentable'],
    ['uv.lock', 'uncommentable'],
    ['Cargo.lock', 'uncommentable'],
    ['notebook.ipynb', 'uncommentable'],
    ['.gitignore', 'uncommentable'],
    ['notes.txt', 'unknown'],
    ['image.weird', 'unknown'],
    ['bin/tool', 'unknown'],
    ['requirements.txt', 'typed'],
    ['container/deps/requirements.vllm.txt', 'typed'],
    ['.dockerignore', 'typed'],
  ])('%s is %s', (path, kind) => {
    expect(classify(path).kind).toBe(kind);
  });

  it('types an extension-less script by its shebang', async () => {
    const result = await scan(new MemoryRepo({ 'bin/tool': '#!/usr/bin/env bash\necho hi\n', 'bin/data': 'plain\n' }));
    expect(result.files.map((file) => [file.path, file.outcome, file.type ?? file.skipReason])).toEqual([
      ['bin/data', 'skipped', 'unknown-type'],
      ['bin/tool', 'failed', 'shell'],
    ]);
  });

  it('lets config mappings override the shipped tables, including skip', async () => {
    const repo = new MemoryRepo({
      'a.foo': `${header('//')}x\n`,
      'deploy/templates/x.yaml': '{{ if }}\n',
      'src/x.py': 'import os\n',
    });
    const result = await scan(repo, {
      fileTypes: [
        { pattern: '*.foo', style: 'slash' },
        { pattern: 'deploy/*/templates/**', style: 'skip' },
        { pattern: 'deploy/templates/*.yaml', style: 'skip' },
      ],
    });
    expect(result.files.map((file) => [file.path, file.outcome, file.skipReason])).toEqual([
      ['a.foo', 'passed', undefined],
      ['deploy/templates/x.yaml', 'skipped', 'configured-skip'],
      ['src/x.py', 'failed', undefined],
    ]);
  });
});

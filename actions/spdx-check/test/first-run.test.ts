/**
 * The bundle on a real git repository on the day it turns the check on: a mixed C++/CUDA/Python/
 * Markdown tree with LLVM blocks and Apache notices but no SPDX tags, the holder written two
 * ways, files without a header, third-party code, an unknown license text and binaries. The
 * annotations stay within what GitHub shows while every finding reaches the summary and reports;
 * `fix: true` repairs what it can in one run and a second run changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitRepo, SimulatedJob } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

const HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';
const SHORT = 'NVIDIA CORPORATION & AFFILIATES.';
const spdx = (holder: string, leader = '#') =>
  `${leader} SPDX-FileCopyrightText: Copyright (c) 2024 ${holder}\n${leader} SPDX-License-Identifier: Apache-2.0\n\n`;
const LLVM =
  '//===----------------------------------------------------------------------===//\n//\n// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.\n// See https://llvm.org/LICENSE.txt for license information.\n//\n//===----------------------------------------------------------------------===//\n\n';
const apache = (copyright: string) =>
  `/*\n * ${copyright}\n *\n * Licensed under the Apache License, Version 2.0 (the "License");\n * you may not use this file except in compliance with the License.\n * You may obtain a copy of the License at\n *\n *     http://www.apache.org/licenses/LICENSE-2.0\n *\n * Unless required by applicable law or agreed to in writing, software\n * distributed under the License is distributed on an "AS IS" BASIS,\n * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n * See the License for the specific language governing permissions and\n * limitations under the License.\n */\n\n`;
const GPL = `# Copyright (c) 2020 ${HOLDER}\n#\n# This program is free software; you can redistribute it and/or modify it under\n# the terms of the GNU General Public License as published by the Free Software Foundation.\n\n`;

function firstDayRepo(): GitRepo {
  const files: Record<string, string | Buffer> = {};
  for (let i = 0; i < 8; i++) files[`libcudacxx/include/f${i}.h`] = `${LLVM}#pragma once\nint f${i}();\n`;
  for (let i = 0; i < 6; i++) files[`cub/f${i}.cuh`] = `${apache(`Copyright (c) 2021-2023, ${HOLDER}`)}#pragma once\n`;
  for (let i = 0; i < 10; i++) files[`python/cuda/f${i}.py`] = `import os\n\nprint(${i})\n`;
  for (let i = 0; i < 5; i++) files[`docs/f${i}.md`] = `# Page ${i}\n\nText.\n`;
  for (let i = 0; i < 4; i++) files[`ok/long${i}.py`] = `${spdx(HOLDER)}x = ${i}\n`;
  for (let i = 0; i < 4; i++) files[`ok/short${i}.cu`] = `${spdx(SHORT, '//')}__global__ void k${i}() {}\n`;
  for (let i = 0; i < 3; i++)
    files[`third_party/absl/f${i}.h`] = `${apache('Copyright 2019 The Abseil Authors.')}#pragma once\n`;
  files['tools/gpl.py'] = `${GPL}import sys\n`;
  files['tests/media/demo.mp4'] = Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0]);
  files['models/tiny.safetensors'] = Buffer.concat([Buffer.from([0x58, 1, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":1}')]);
  const repo = GitRepo.init();
  repo.write(files).commit('a first-day tree', { date: '2026-01-15T00:00:00Z' });
  return repo;
}

const FAILING = 8 + 6 + 10 + 5 + 3 + 1;
const INPUTS = { scope: 'all', token: '' };

describe('spdx-check bundle on a first-day repository', () => {
  it('at most 10 errors and 10 warnings, chosen by kind; every finding in the summary, SARIF and JSON', async () => {
    const repo = firstDayRepo();
    const job = new SimulatedJob({ workspace: repo.dir, eventName: 'schedule' });
    try {
      const result = await job.run('spdx-check', {
        inputs: { ...INPUTS, 'sarif-file': 'out/spdx.sarif', 'json-file': 'out/spdx.json' },
      });
      expect(result.exitCode).toBe(1);
      expect(result.errors).toHaveLength(10);
      expect(result.warnings.length).toBeLessThanOrEqual(10);
      // One file of each kind is among the nine file annotations.
      expect(new Set(result.errors.slice(0, 9).map((error) => error.title))).toEqual(
        new Set([
          'Known license text without SPDX tags',
          'SPDX header missing',
          'Notice of another holder',
          'Unknown license text',
        ]),
      );
      const closing = result.errors[9];
      expect(closing?.file).toBeUndefined();
      expect(closing?.message).toContain(
        `${FAILING} file(s) fail the SPDX header check (9 annotated here, every one in the job summary, the SARIF file, the JSON report).`,
      );
      expect(closing?.message).toContain('Next: Run once with fix: true');
      expect(JSON.parse(result.outputs['failed-files'] as string)).toHaveLength(FAILING);
      expect(result.summary).toContain(`## SPDX headers: ❌ ${FAILING} of ${FAILING + 8} checked files fail`);
      expect(result.summary).toContain('| skipped: binary | 2 |');
      expect(result.summary).toContain('`<name>.license`');
      for (const path of JSON.parse(result.outputs['failed-files'] as string))
        expect(result.summary).toContain(`\`${path}\``);
      const sarif = JSON.parse(readFileSync(join(repo.dir, 'out/spdx.sarif'), 'utf8'));
      expect(sarif.runs[0].results).toHaveLength(FAILING);
      const report = JSON.parse(readFileSync(join(repo.dir, 'out/spdx.json'), 'utf8'));
      expect(report.files.filter((file: { outcome: string }) => file.outcome === 'failed')).toHaveLength(FAILING);
      expect(report.licensesSeen['Apache-2.0 WITH LLVM-exception']).toEqual({ tags: 0, texts: 8 });
      // No warning about the binaries' type; the log holds a short report, not a line per file.
      expect(result.warnings.map((warning) => warning.file)).not.toContain('tests/media/demo.mp4');
      expect(result.stdout).toContain('Problems by kind:');
      expect(result.stdout.length).toBeLessThan(20_000);

      const capped = await job.run('spdx-check', { inputs: { ...INPUTS, 'max-annotations': '3' } });
      expect(capped.errors).toHaveLength(3);
      expect(capped.errors[2]?.message).toContain('(2 annotated here, every one in the job summary)');
    } finally {
      job.cleanup();
    }
  });

  it('fix: true repairs everything it can in one run, lists what needs a person, and a second run changes nothing', async () => {
    const repo = firstDayRepo();
    const job = new SimulatedJob({ workspace: repo.dir, eventName: 'schedule' });
    try {
      const inputs = { ...INPUTS, fix: 'true', license: 'Apache-2.0\nApache-2.0 WITH LLVM-exception' };
      const first = await job.run('spdx-check', { inputs });
      // The third-party files and the GPL text are left to a person.
      expect(first.exitCode).toBe(1);
      expect(JSON.parse(first.outputs['failed-files'] as string).sort()).toEqual([
        'third_party/absl/f0.h',
        'third_party/absl/f1.h',
        'third_party/absl/f2.h',
        'tools/gpl.py',
      ]);
      expect(JSON.parse(first.outputs['fixed-files'] as string)).toHaveLength(FAILING - 4);
      const changed = repo.git(['status', '--porcelain', '-z']).split('\0').filter(Boolean);
      expect(changed).toHaveLength(FAILING - 4);
      expect(readFileSync(join(repo.dir, 'libcudacxx/include/f0.h'), 'utf8')).toBe(
        `//===----------------------------------------------------------------------===//\n//\n// SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception\n//\n//===----------------------------------------------------------------------===//\n\n#pragma once\nint f0();\n`,
      );
      expect(readFileSync(join(repo.dir, 'cub/f0.cuh'), 'utf8')).toMatch(
        new RegExp(
          `^/\\*\\n \\* SPDX-FileCopyrightText: Copyright \\(c\\) 2021-2023 ${HOLDER.replace(/[.&]/g, '\\$&')}\\n \\*\\n \\* SPDX-License-Identifier: Apache-2.0\\n \\*/\\n`,
        ),
      );
      expect(readFileSync(join(repo.dir, 'docs/f0.md'), 'utf8')).toBe(
        `<!--\nSPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\nSPDX-License-Identifier: Apache-2.0\n-->\n\n# Page 0\n\nText.\n`,
      );
      expect(repo.git(['diff', '--stat', '--', 'third_party', 'tools', 'ok'])).toBe('');
      expect(first.summary).toContain(`**Next:** Commit the ${FAILING - 4} repaired file(s)`);
      expect(first.summary).toContain('**Unknown license texts** in 1 file(s) (`tools/gpl.py`)');
      expect(first.summary).toContain('ignore: |\n  /third_party\n');

      repo.git(['add', '--all']);
      repo.commit('spdx fixes');
      const second = await job.run('spdx-check', { inputs });
      expect(second.outputs['fixed-files']).toBe('[]');
      expect(repo.git(['status', '--porcelain'])).toBe('');
      expect(second.outputs.failed).toBe('4');
      expect(second.outputs.passed).toBe(String(FAILING + 8 - 4));
    } finally {
      job.cleanup();
    }
  });
});

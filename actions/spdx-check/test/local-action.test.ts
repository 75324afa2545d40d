/**
 * spdx-check run from source under `@github/local-action`, as its README shows: the debugger stubs
 * `@actions/core`, which core's runner adapter speaks through.
 */
import { GitRepo, runLocalAction } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

const HEADER =
  '# SPDX-FileCopyrightText: Copyright (c) 2025 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n# SPDX-License-Identifier: Apache-2.0\n';

describe('spdx-check under @github/local-action', () => {
  it('checks every tracked file, sets the outputs and annotates the file without a header', async () => {
    const repo = GitRepo.init();
    repo.write({ 'good.py': `${HEADER}print(1)\n`, 'tools/bad.py': 'print(2)\n' });
    repo.commit('two files', { date: '2025-03-01T00:00:00Z' });
    const result = await runLocalAction('spdx-check', {
      INPUT_SCOPE: 'all',
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_REPOSITORY: 'ai-dynamo/dynamo',
    });
    expect(result.outputs).toMatchObject({
      checked: '2',
      passed: '1',
      failed: '1',
      'failed-files': '["tools/bad.py"]',
    });
    expect(result.errors).toContainEqual(
      expect.stringMatching(/^::error title=SPDX header missing,file=tools\/bad\.py,line=1/),
    );
    expect(result.errors.at(-1)).toMatch(/^::error::1 file\(s\) fail the SPDX header check/);
  }, 120_000);
});

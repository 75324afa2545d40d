/**
 * Upstream's examples of headers, each with upstream's verdict and ours. Where
 * they differ, the README's "Differences from upstream" section says why.
 */
import { describe, expect, it } from 'vitest';
import { HOLDER, MemoryRepo, scan } from './memory.js';

const PY_2025_2026 = `# SPDX-FileCopyrightText: Copyright (c) 2025-2026 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n`;

async function verdict(path: string, content: string, options: { changed?: boolean; lastChange?: number } = {}) {
  const repo = new MemoryRepo({ [path]: content });
  if (options.changed) repo.changed = [path];
  if (options.lastChange !== undefined) repo.lastChange.set(path, options.lastChange);
  const result = await scan(repo, {
    scope: options.changed ? 'changed' : 'all',
    yearRule: options.lastChange !== undefined ? 'last-commit' : 'changed',
  });
  const file = result.files[0];
  return { outcome: file?.outcome, kinds: file?.findings.map((finding) => finding.kind) ?? [] };
}

describe('upstream examples: valid (upstream passes, so do we)', () => {
  it('1. .py with a 2025-2026 header', async () => {
    expect(
      await verdict('components/src/dynamo/vllm/main.py', `${PY_2025_2026}import os\n`, { lastChange: 2026 }),
    ).toEqual({
      outcome: 'passed',
      kinds: [],
    });
  });

  it('2. .rs with // lines', async () => {
    const content = `// SPDX-FileCopyrightText: Copyright (c) 2024-2026 ${HOLDER}\n// SPDX-License-Identifier: Apache-2.0\n\nmod x;\n`;
    expect((await verdict('lib/runtime/src/lib.rs', content, { changed: true })).outcome).toBe('passed');
  });

  it('3. .sh with a shebang and the header on lines 2-3', async () => {
    expect(
      (await verdict('examples/backends/vllm/launch/agg.sh', `#!/bin/bash\n${PY_2025_2026}set -e\n`)).outcome,
    ).toBe('passed');
  });

  it('4. Dockerfile.test with a # syntax= line first', async () => {
    const content = `# syntax=docker/dockerfile:1.10.0-labs\n${PY_2025_2026}FROM ubuntu\n`;
    expect((await verdict('container/Dockerfile.test', content, { changed: true })).outcome).toBe('passed');
  });

  it('5. a Jinja-templated .Dockerfile with the header inside {# #}', async () => {
    const content = `{#\n${PY_2025_2026}#}\nFROM {{ base }}\n`;
    expect((await verdict('container/templates/vllm_runtime.Dockerfile', content, { changed: true })).outcome).toBe(
      'passed',
    );
  });

  it('6. a bare # spacer line between the tags, and lower-case text', async () => {
    const spacer = `# SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n#\n# SPDX-License-Identifier: Apache-2.0\n`;
    expect((await verdict('a.py', spacer, { changed: true })).outcome).toBe('passed');
    const lower = `# spdx-filecopyrighttext: copyright (c) 2026 ${HOLDER.toLowerCase()}\n# spdx-license-identifier: apache-2.0\n`;
    expect((await verdict('a.py', lower, { changed: true })).outcome).toBe('passed');
  });
});

describe('upstream examples: invalid', () => {
  const yaml2025 = `# SPDX-FileCopyrightText: Copyright (c) 2025 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\na: 1\n`;

  it('7. a 2025 .yaml last modified in 2026 fails under last-commit, as upstream', async () => {
    expect(await verdict('x.yaml', yaml2025, { lastChange: 2026 })).toEqual({
      outcome: 'failed',
      kinds: ['stale-year'],
    });
  });

  it('7. DIFFERS: under the default year rule, an untouched 2025 file passes in 2026 (no January mass failure)', async () => {
    expect(await verdict('x.yaml', yaml2025)).toEqual({ outcome: 'passed', kinds: [] });
  });

  it('7. under the default year rule, the same file fails once the change touches it', async () => {
    expect(await verdict('x.yaml', yaml2025, { changed: true })).toEqual({ outcome: 'failed', kinds: ['stale-year'] });
  });

  it('8. SPDX-License-Identifier: MIT is not allowed', async () => {
    const content = `# SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n# SPDX-License-Identifier: MIT\n`;
    expect(await verdict('a.py', content)).toEqual({ outcome: 'failed', kinds: ['license-not-allowed'] });
  });

  it('9. DIFFERS: a header without "All rights reserved." names the same holder and passes', async () => {
    const content =
      '# SPDX-FileCopyrightText: Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES.\n# SPDX-License-Identifier: Apache-2.0\n';
    expect(await verdict('a.py', content)).toEqual({ outcome: 'passed', kinds: [] });
  });

  it('9. a header naming another holder still fails', async () => {
    const content =
      '# SPDX-FileCopyrightText: Copyright (c) 2026 NVIDIA CORPORATION\n# SPDX-License-Identifier: Apache-2.0\n';
    expect(await verdict('a.py', content)).toEqual({ outcome: 'failed', kinds: ['holder-mismatch'] });
  });

  it.each([
    [
      '#SPDX without a space',
      `#SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n#SPDX-License-Identifier: Apache-2.0\n`,
    ],
    [
      '2024 - 2026 with spaces',
      `# SPDX-FileCopyrightText: Copyright (c) 2024 - 2026 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n`,
    ],
    [
      '2024, 2026 as a list',
      `# SPDX-FileCopyrightText: Copyright (c) 2024, 2026 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n`,
    ],
  ])('10. DIFFERS: %s passes (upstream: Invalid/Missing Header)', async (_, content) => {
    expect(await verdict('a.py', content, { changed: true })).toEqual({ outcome: 'passed', kinds: [] });
  });

  it('10. the end year of a list or spaced range is its last year', async () => {
    const content = `# SPDX-FileCopyrightText: Copyright (c) 2021, 2024 - 2025 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0\n`;
    expect(await verdict('a.py', content, { changed: true })).toEqual({ outcome: 'failed', kinds: ['stale-year'] });
  });

  it('11. DIFFERS: a file ending at Apache-2.0 without a newline passes', async () => {
    const content = `# SPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\n# SPDX-License-Identifier: Apache-2.0`;
    expect(await verdict('a.py', content, { changed: true })).toEqual({ outcome: 'passed', kinds: [] });
  });
});

describe('upstream examples: files upstream does not check', () => {
  it('DIFFERS: README.md with <!-- --> is checked (upstream skips .md)', async () => {
    const content = `<!--\nSPDX-FileCopyrightText: Copyright (c) 2026 ${HOLDER}\nSPDX-License-Identifier: Apache-2.0\n-->\n# Dynamo\n`;
    expect((await verdict('README.md', content)).outcome).toBe('passed');
    expect((await verdict('README.md', '# Dynamo\n')).kinds).toEqual(['missing-header']);
  });

  it('.json is skipped as uncommentable, as upstream', async () => {
    const result = await scan(new MemoryRepo({ 'a.json': '{}' }));
    expect(result.files[0]).toMatchObject({ outcome: 'skipped', skipReason: 'uncommentable' });
  });

  it('DIFFERS: main.go with a /* */ block and a third-party line is checked and passes (upstream: Unsupported)', async () => {
    const content = `/*\nCopyright (c) 2022 Atalaya Tech. Inc\n\nLicensed under the Apache License.\n\n * SPDX-FileCopyrightText: Copyright (c) 2025-2026 ${HOLDER}\n * SPDX-License-Identifier: Apache-2.0\n */\n\npackage main\n`;
    expect((await verdict('deploy/operator/cmd/main.go', content, { changed: true })).outcome).toBe('passed');
  });
});

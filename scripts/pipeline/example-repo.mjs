#!/usr/bin/env node
// The example consumer repository (examples/dynamo-example) as a real git repository: a copy of
// the fixture committed on `main`, plus the sample changes the demo, the end-to-end tests and
// this repository's CI put on top of it. Plain Node and git, no build needed (CI jobs that build one
// action call this before the testkit is bundled).
//
// CLI (used by .github/workflows/ci.yml): node scripts/pipeline/example-repo.mjs --change vllm --out DIR
//   prints dir=..., base=..., head=... lines (GITHUB_OUTPUT format).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const exampleDir = join(repoRoot, 'examples', 'dynamo-example');

/** Commit dates are fixed so the SPDX year rule and the output are the same on every machine and day. */
const BASE_DATE = '2026-03-02T10:00:00Z';
const CHANGE_DATE = '2026-03-03T10:00:00Z';

export const HEADER = [
  '# SPDX-FileCopyrightText: Copyright (c) 2025-2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.',
  '# SPDX-License-Identifier: Apache-2.0',
].join('\n');

/** Sample changes: files to write (relative to the repository root) and a commit message. */
export const CHANGES = {
  docs: {
    message: 'docs: explain the local demo',
    files: {
      'docs/guide.md': (old) => `${old}\nRun \`pnpm demo\` to see the pipeline plan for a change.\n`,
    },
  },
  vllm: {
    message: 'vllm: pass the tensor-parallel size through',
    files: {
      'components/src/dynamo/vllm/main.py': (old) => `${old}\n\nDEFAULT_TENSOR_PARALLEL = 1\n`,
    },
  },
  core: {
    message: 'runtime: name the crate in one place',
    files: {
      'lib/runtime/src/lib.rs': (old) => `${old}\n/// The crate version.\npub const VERSION: &str = "0.1.0";\n`,
    },
  },
  'frontend-broken': {
    message: 'frontend: ship a config file (the image copies one that does not exist)',
    files: {
      'components/src/dynamo/frontend/main.py': (old) => `${old}\n\nDEFAULT_PORT = 8000\n`,
      'container/templates/frontend.Dockerfile': (old) =>
        `${old}COPY components/src/dynamo/frontend/config.yaml /opt/dynamo/frontend/config.yaml\n`,
    },
  },
  'clippy-warning': {
    message: 'runtime: name the version in a function',
    files: {
      // clippy::needless_return: a `return` where the value would do (an error under -D warnings).
      'lib/runtime/src/lib.rs': (old) =>
        `${old}\n/// The crate version.\npub fn version() -> &'static str {\n    return "0.1.0";\n}\n`,
    },
  },
  'mypy-error': {
    message: 'common: split a model name into its parts',
    files: {
      'components/src/dynamo/common/utils.py': (old) =>
        `${old}\n\ndef model_parts(model: str) -> int:\n    """The organization and the name of a model."""\n    return model.split("/")\n`,
    },
  },
  'go-test-failure': {
    message: 'operator: a namespace name at the length limit',
    files: {
      'deploy/operator/internal/controller/readiness_test.go': (old) =>
        `${old}\nfunc TestValidateNamespaceAtTheLimit(t *testing.T) {\n\tif err := ValidateNamespace("ci-" + strings.Repeat("x", 61)); err != nil {\n\t\tt.Errorf("ValidateNamespace() = %v, want a 64-character name accepted", err)\n\t}\n}\n`,
    },
  },
  uncovered: {
    message: 'tools: add a helper no CI filter knows about',
    files: {
      'tools/bench/main.go': () =>
        `/*\n * SPDX-FileCopyrightText: Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES. All rights reserved.\n * SPDX-License-Identifier: Apache-2.0\n */\n\npackage main\n\nfunc main() {}\n`,
    },
  },
  'missing-header': {
    message: 'vllm: add a metrics helper (no SPDX header)',
    files: {
      'components/src/dynamo/vllm/metrics.py': () => '"""Metrics of the vLLM worker."""\n\nREQUESTS = 0\n',
    },
  },
  'failing-test': {
    message: 'vllm: a regression and a flaky test',
    files: {
      'tests/serve/test_vllm_regression.py': () =>
        `${HEADER}
"""A test that fails and one that fails only on its first attempt."""

import os
import pathlib

import pytest

from dynamo.vllm.main import build_args


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.vllm
@pytest.mark.gpu_0
def test_vllm_tensor_parallel_flag_is_renamed():
    assert "--tp" in build_args("Qwen/Qwen3-0.6B")


@pytest.mark.pre_merge
@pytest.mark.unit
@pytest.mark.vllm
@pytest.mark.gpu_0
def test_vllm_flaky_port_allocation(tmp_path_factory):
    marker = pathlib.Path(os.environ.get("RUNNER_TEMP", str(tmp_path_factory.getbasetemp().parent))) / "flaky-attempt"
    first = not marker.exists()
    marker.write_text("seen")
    assert not first, "port 8000 already in use (first attempt only)"
`,
    },
  },
};

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Example Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Example Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
};

/** A git working tree with the few operations the pipeline needs (the shape of the testkit's GitRepo). */
class ExampleRepo {
  constructor(dir) {
    this.dir = dir;
  }

  git(args, env = {}) {
    return execFileSync('git', args, {
      cwd: this.dir,
      env: { ...process.env, ...IDENTITY, GIT_CONFIG_NOSYSTEM: '1', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  write(files) {
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(this.dir, path)), { recursive: true });
      writeFileSync(join(this.dir, path), content);
    }
    return this;
  }

  commit(message, { date } = {}) {
    this.git(['add', '--all']);
    this.git(['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--no-verify', '-m', message], {
      ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}),
    });
    return this.git(['rev-parse', 'HEAD']).trim();
  }
}

/**
 * A fresh git copy of the example on `main` (one commit). Returns the GitRepo and the base SHA.
 * `dir` defaults to a new temporary folder.
 */
export function createExampleRepo(dir) {
  const target = dir ? resolve(dir) : mkdtempSync(join(tmpdir(), 'dynamo-example-'));
  rmSync(target, { recursive: true, force: true });
  cpSync(exampleDir, target, {
    recursive: true,
    filter: (source) => !/(__pycache__|\.pytest_cache)/.test(source),
  });
  const repo = new ExampleRepo(target);
  repo.git(['init', '--quiet', '--initial-branch=main']);
  const base = repo.commit('Initial import of the example', { date: BASE_DATE });
  return { repo, base };
}

/** Apply a named sample change (or a custom `{message, files}`) as one commit; returns its SHA. */
export function applyChange(repo, change) {
  const spec = typeof change === 'string' ? CHANGES[change] : change;
  if (!spec) throw new Error(`unknown change ${JSON.stringify(change)} (known: ${Object.keys(CHANGES).join(', ')})`);
  const files = {};
  for (const [path, content] of Object.entries(spec.files)) {
    let old = '';
    try {
      old = readFileSync(join(repo.dir, path), 'utf8');
    } catch {
      // a new file
    }
    files[path] = typeof content === 'function' ? content(old) : content;
  }
  repo.write(files);
  return repo.commit(spec.message, { date: CHANGE_DATE });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const index = args.indexOf(name);
    return index === -1 ? undefined : args[index + 1];
  };
  const { repo, base } = createExampleRepo(option('--out'));
  const changes = args.flatMap((arg, index) => (args[index - 1] === '--change' ? [arg] : []));
  let head = base;
  for (const change of changes) head = applyChange(repo, change);
  console.log(`dir=${repo.dir}\nbase=${base}\nhead=${head}`);
}

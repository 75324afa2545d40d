/**
 * Real JUnit from Debian's pytest: the fixture suite run as a run-gpu-tests leg would run it, a
 * first attempt (`junit-all.xml`) and, when something failed, one rerun of the failures
 * (`junit-rerun-1.xml`).
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@dynamo-ci/testkit';

export const PYTHON = '/usr/bin/python3';
export const pytestAvailable =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import pytest'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
if (!pytestAvailable && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
  throw new Error(`${PYTHON} with pytest is required (python3-pytest)`);
}

const SUITE = join(import.meta.dirname, 'fixtures', 'suite');

export interface LegShape {
  /** Test functions that fail (test_router_drops, test_kv_cache_hit). */
  fail?: string[];
  /** test_port_flaky fails once, then passes on the rerun. */
  flaky?: boolean;
}

const cache = new Map<string, Record<string, string>>();

/** The results folder of one leg: file name -> content. */
export function pytestLeg(shape: LegShape = {}): Record<string, string> {
  const key = JSON.stringify(shape);
  const cached = cache.get(key);
  if (cached) return cached;
  const work = scratchDir('pipeline-report-pytest-');
  try {
    cpSync(SUITE, join(work, 'suite'), { recursive: true });
    const results = join(work, 'results');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      FIXTURE_FAIL: (shape.fail ?? []).join(','),
      FIXTURE_FLAKY: shape.flaky ? '1' : '',
      FIXTURE_STATE: work,
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const pytest = (junit: string, extra: string[]) =>
      spawnSync(
        PYTHON,
        [
          '-m',
          'pytest',
          '-q',
          '-o',
          `cache_dir=${join(work, 'cache')}`,
          `--junitxml=${join(results, junit)}`,
          ...extra,
        ],
        { cwd: join(work, 'suite'), env, encoding: 'utf8' },
      );
    const first = pytest('junit-all.xml', []);
    if (first.status !== 0 && first.status !== 1) throw new Error(`pytest failed: ${first.stdout}${first.stderr}`);
    if (first.status === 1) pytest('junit-rerun-1.xml', ['--lf']);
    const files: Record<string, string> = {};
    for (const name of readdirSync(results)) files[name] = readFileSync(join(results, name), 'utf8');
    cache.set(key, files);
    return files;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

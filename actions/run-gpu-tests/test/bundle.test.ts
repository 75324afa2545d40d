/**
 * The bundle as the runner starts it, running Debian's real pytest 7.2 (with xdist and
 * pytest-timeout) on the fixture suite, engine none.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJunit } from '@dynamo-ci/core';
import { SimulatedJob, type StepOptions, scratchDir } from '@dynamo-ci/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/run.js';

const PYTHON = '/usr/bin/python3';
const available =
  existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ['-c', 'import pytest, xdist, pytest_timeout'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
if (!available && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
  throw new Error(
    `${PYTHON} with pytest, pytest-xdist and pytest-timeout is required (python3-pytest, python3-pytest-xdist, python3-pytest-timeout)`,
  );
}

const FIXTURES = join(import.meta.dirname, 'fixtures', 'suite');

describe.skipIf(!available)('run-gpu-tests bundle with real pytest', () => {
  let job: SimulatedJob | undefined;
  afterEach(() => {
    job?.cleanup();
    job = undefined;
  });

  async function run(
    inputs: Record<string, string | number | boolean>,
    step: StepOptions = {},
    extraFiles: Record<string, string> = {},
  ) {
    const current = new SimulatedJob({ runId: 4242 });
    job = current;
    cpSync(FIXTURES, current.workspace, { recursive: true });
    for (const [file, content] of Object.entries(extraFiles)) writeFileSync(join(current.workspace, file), content);
    const result = await current.run('run-gpu-tests', {
      ...step,
      inputs: { engine: 'none', python: PYTHON, 'timeout-minutes': '2', ...inputs },
      env: { PYTHONDONTWRITEBYTECODE: '1', ...step.env },
    });
    const report = result.outputs.report ? (JSON.parse(result.outputs.report) as Report) : undefined;
    return { ...result, report };
  }

  it('passes a clean pre-merge selection and reports it', async () => {
    const result = await run({ framework: 'vllm' });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({
      result: 'success',
      total: '2',
      passed: '2',
      failed: '0',
      skipped: '0',
      errors: '0',
      flaky: '0',
      'marker-expression': 'pre_merge and vllm and gpu_0',
    });
    const files = JSON.parse(result.outputs['junit-files'] as string) as string[];
    expect(files).toEqual([join((job as SimulatedJob).temp, 'run-gpu-tests', 'junit-all.xml')]);
    expect(
      parseJunit(readFileSync(files[0] as string, 'utf8'))
        .map((c) => c.name)
        .sort(),
    ).toEqual(['test_flaky', 'test_vllm_config_parses']);
    expect(result.summary).toContain('### ✅ GPU tests: success');
    expect(result.summary).toContain('`pre_merge and vllm and gpu_0`');
  });

  it("shows pytest's output as text: a test's printed commands create no annotation, mask or output", async () => {
    const forged = ['::add-mask::x', '::error::x', '::set-output name=a::b', '##[error]x'];
    const test = [
      'import pytest',
      '',
      '',
      '@pytest.mark.pre_merge',
      '@pytest.mark.unit',
      '@pytest.mark.gpu_0',
      'def test_prints_workflow_commands():',
      ...forged.map((line) => `    print(${JSON.stringify(line)})`),
      `    assert False, ${JSON.stringify(forged.join('\n'))}`,
      '',
    ].join('\n');
    const result = await run({ paths: 'tests/test_forged.py' }, {}, { 'tests/test_forged.py': test });
    expect(result.outputs.failed).toBe('1');
    // The annotations are ours: the failing test, and the step's verdict. pytest printed every line.
    expect(result.annotations.map((annotation) => [annotation.level, annotation.file])).toEqual([
      ['error', 'tests/test_forged.py'],
      ['error', undefined],
    ]);
    expect(result.annotations[1]?.message).toContain('1 failed');
    expect(result.masks).toEqual([]);
    expect(result.outputs.a).toBeUndefined();
    for (const line of forged) expect(result.log).toContain(line);
  });

  it('fails on a failing test with an annotation on the failing line, and reports a flaky test as flaky', async () => {
    const counter = join(scratchDir('flaky-'), 'attempts');
    const result = await run({ workers: 2, reruns: 2 }, { env: { FIXTURE_FAIL: '1', FIXTURE_FLAKY_FILE: counter } });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({
      result: 'failure',
      total: '9',
      passed: '8',
      failed: '1',
      errors: '0',
      flaky: '1',
    });
    const report = result.report as Report;
    expect(
      report.phases.map((phase) => [phase.name, phase.expression, phase.workers, phase.exitCode, phase.tests]),
    ).toEqual([
      ['parallel', '(pre_merge and gpu_0) and parallel', 2, 0, 4],
      ['sequential', '(pre_merge and gpu_0) and not parallel', 0, 1, 5],
      ['rerun-1', undefined, 0, 1, 2],
      ['rerun-2', undefined, 0, 1, 1],
    ]);
    expect(report.failures).toMatchObject([
      {
        test: 'tests/test_router.py::test_fails_when_asked',
        file: 'tests/test_router.py',
        line: 24,
        attempts: 3,
        outcome: 'failed',
      },
    ]);
    expect(report.failures[0]?.message).toContain('request was dropped by the router');
    expect(report.flaky).toEqual([
      {
        test: 'tests/test_vllm.py::test_flaky',
        nodeid: 'tests/test_vllm.py::test_flaky',
        file: 'tests/test_vllm.py',
        line: 16,
        firstFailure: expect.stringContaining('first attempt fails: port 8000 already in use'),
        attempts: 2,
      },
    ]);
    const failure = result.errors.find((annotation) => annotation.file === 'tests/test_router.py');
    expect(failure).toMatchObject({ line: 24, title: 'Failed: tests/test_router.py::test_fails_when_asked' });
    expect(result.warnings.find((annotation) => annotation.title?.startsWith('Flaky:'))).toMatchObject({
      file: 'tests/test_vllm.py',
      line: 16,
    });
    expect(result.errors.at(-1)?.message).toBe(
      '1 failed, 0 error(s), 1 flaky of 9 test(s) selected by -m "pre_merge and gpu_0".',
    );
    expect(JSON.parse(result.outputs['junit-files'] as string)).toHaveLength(4);
    expect(result.summary).toContain('#### Flaky (failed, then passed on a rerun)');
  });

  it('stops a run at timeout-minutes and still leaves a JUnit error for the test that was running', async () => {
    const result = await run({ framework: 'sglang', 'timeout-minutes': '6s' }, { env: { FIXTURE_HANG: '1' } });
    expect(result.exitCode).toBe(1);
    expect(result.durationMs).toBeLessThan(30_000);
    expect(result.outputs).toMatchObject({ result: 'timed-out', errors: '1' });
    const files = JSON.parse(result.outputs['junit-files'] as string) as string[];
    const killedFile = files.find((file) => file.endsWith('junit-all-killed.xml')) as string;
    const [killed] = parseJunit(readFileSync(killedFile, 'utf8'));
    expect(killed).toMatchObject({
      classname: 'tests.test_sglang',
      name: 'test_hangs',
      outcome: 'error',
      file: 'tests/test_sglang.py',
    });
    expect(killed?.message).toBe(
      'tests/test_sglang.py::test_hangs was running when the whole-run timeout-minutes (6 s) ran out and pytest was stopped',
    );
    expect(result.errors.at(-1)?.message).toContain('Running when stopped: tests/test_sglang.py::test_hangs.');
  });

  it('reports a test killed by the per-test timeout (thread method) even though pytest died without JUnit', async () => {
    const result = await run(
      { framework: 'sglang', 'test-timeout': '1', 'timeout-method': 'thread' },
      { env: { FIXTURE_HANG: '1' } },
    );
    expect(result.outputs).toMatchObject({ result: 'failure', errors: '1' });
    const report = result.report as Report;
    expect(report.phases[0]).toMatchObject({ synthesized: true, stop: 'crash' });
    expect(report.failures[0]?.message).toContain('exceeded the per-test timeout (test-timeout 1 s');
  });

  it('fails an empty selection and points at an undeclared marker', async () => {
    const result = await run({ markers: 'pre_merge and vlm' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ result: 'empty', total: '0', 'marker-expression': 'pre_merge and vlm' });
    expect(result.errors.at(-1)?.message).toBe(
      'No tests matched -m "pre_merge and vlm". The expression names undeclared marker(s) vlm: a typo? Check lifecycle, framework, gpus and markers, or set fail-on-empty: false if an empty selection is expected.',
    );
    const tolerated = await run({ markers: 'xpu_2', 'fail-on-empty': false });
    expect(tolerated.exitCode).toBe(0);
    expect(tolerated.outputs.result).toBe('success');
  });

  it("surfaces pytest's own usage error for a malformed expression", async () => {
    const result = await run({ markers: 'pre_merge and (' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('failure');
    const message = result.errors.at(-1)?.message ?? '';
    expect(message).toContain(
      'pytest rejected its command line in all (exit 4: usage error; check markers and pytest-args)',
    );
    expect(message).toContain("Wrong expression passed to '-m'");
  });

  it('keeps the action inputs and runner tokens out of the tests environment', async () => {
    const probe = join(scratchDir('env-'), 'env.json');
    const result = await run(
      { framework: 'vllm', env: `DUMP_ENV_TO=${probe}\nHF_TOKEN=hf_secret_value` },
      { env: { ACTIONS_RUNTIME_TOKEN: 'runtime-secret' } },
    );
    expect(result.exitCode).toBe(0);
    expect(result.masks).toContain('hf_secret_value');
    const seen = JSON.parse(readFileSync(probe, 'utf8')) as Record<string, string>;
    expect(seen.HF_TOKEN).toBe('hf_secret_value');
    expect(seen.DYNAMO_TEST_FRAMEWORK).toBe('vllm');
    expect(seen.DYNAMO_TEST_MARKERS).toBe('pre_merge and vllm and gpu_0');
    expect(Object.keys(seen).filter((name) => name.startsWith('INPUT_') || name === 'ACTIONS_RUNTIME_TOKEN')).toEqual(
      [],
    );
  });

  it('runs only gpu_0 tests on arm64', async () => {
    const result = await run({ framework: 'vllm', gpus: '1', arch: 'arm64' });
    expect(result.exitCode).toBe(0);
    expect(result.outputs['marker-expression']).toBe('pre_merge and vllm and gpu_0');
    expect(result.warnings.map((annotation) => annotation.message)).toContain(
      'arch arm64 runs only gpu_0 tests, so gpus: 1 was replaced by gpus: 0',
    );
  });

  it('refuses a GPU selection on this GPU-less machine instead of running nothing', async () => {
    const result = await run({ framework: 'vllm', gpus: '1' });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((annotation) => annotation.message)).toEqual([
      'gpus: 1 needs at least 1 GPU(s) but no GPU is visible (nvidia-smi -L listed none and /dev/nvidia* is absent) on this runner. Run the job on a GPU runner, or set require-gpu: false to run the selection anyway.',
    ]);
    expect(result.outputs.result).toBeUndefined();
  });

  it('rejects bad input with one error naming it', async () => {
    const result = await run({ gpus: 'two' });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((annotation) => annotation.message)).toEqual([
      'Input \'gpus\' must be one of 0|1|2|4|8|multi, got "two"',
    ]);
  });

  it('splits the selection into disjoint shards that cover it', async () => {
    const ran: string[][] = [];
    for (const index of [0, 1]) {
      const result = await run({ 'shard-count': 2, 'shard-index': index });
      expect(result.exitCode).toBe(0);
      const report = result.report as Report;
      expect(report.shard).toMatchObject({ index, count: 2, collected: 9, durationsRestored: false });
      ran.push(report.slowest.map((entry) => entry.test));
    }
    expect(ran[0]?.length).toBeGreaterThanOrEqual(4);
    expect(ran[1]?.length).toBeGreaterThanOrEqual(4);
    expect(new Set([...(ran[0] ?? []), ...(ran[1] ?? [])]).size).toBe(9);
  });

  it('stops pytest when the run is cancelled and reports what it had', async () => {
    // Cancel once the hanging test has started (the helper's live log says so), however slow the machine.
    const started = (async () => {
      for (let polls = 0; polls < 600; polls++) {
        const live = job ? join(job.temp, 'run-gpu-tests', 'live-all.jsonl') : '';
        if (live && existsSync(live) && readFileSync(live, 'utf8').includes('test_hangs')) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const result = await run({ framework: 'sglang' }, { env: { FIXTURE_HANG: '1' }, cancelWhen: started });
    expect(result.outputs.result).toBe('cancelled');
    expect(result.exitCode).toBe(1);
    expect((result.report as Report).killed.map((entry) => entry.test)).toEqual(['tests/test_sglang.py::test_hangs']);
  });
});

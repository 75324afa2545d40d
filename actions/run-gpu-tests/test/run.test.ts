import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type SpawnOptions, type SpawnResult } from '@dynamo-ci/core';
import { recordingLogger, scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { type GpuInfo, type Ports, type RunContext, runTests } from '../src/run.js';

/** Fake ports around a scripted "docker run": it writes what pytest would into the results dir. */
function harness(options: {
  gpus?: GpuInfo;
  behave?: (resultsDir: string, args: readonly string[]) => Partial<SpawnResult>;
}) {
  const root = scratchDir('run-gpu-tests-');
  const resultsDir = join(root, 'results');
  const spawned: { command: string; args: readonly string[]; options: SpawnOptions }[] = [];
  const executed: { command: string; args: readonly string[] }[] = [];
  const log = recordingLogger();
  const warnings = log.warnings;
  const ports: Ports = {
    async spawn(command, args, spawnOptions) {
      spawned.push({ command, args, options: spawnOptions });
      const outcome = options.behave?.(resultsDir, args) ?? {};
      return { exitCode: 0, stdout: '', stderr: '', timedOut: false, durationMs: 5, ...outcome };
    },
    async exec(command, args) {
      executed.push({ command, args });
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    detectGpus: async () => options.gpus ?? { count: 0, names: [], source: 'none' },
    durations: { restore: async () => undefined, save: async () => undefined },
    log,
    now: () => Date.now(),
  };
  const context: RunContext = {
    workspace: join(root, 'ws'),
    temp: join(root, 'temp'),
    arch: 'amd64',
    runId: '1000',
    runAttempt: '2',
    job: 'vllm-gpu',
    workflow: 'PR',
    runnerUser: '1001:121',
    hostEnv: { PATH: '/usr/bin', HF_TOKEN: 'from-host' },
  };
  const inputs = (values: Record<string, string>) =>
    parseInputs((name) => ({ 'results-dir': resultsDir, ...values })[name], {
      workspace: context.workspace,
      temp: context.temp,
    });
  return { resultsDir, spawned, executed, warnings, ports, context, inputs };
}

const PASSING =
  '<testsuites><testsuite><testcase classname="tests.test_vllm" name="test_serve" file="tests/test_vllm.py" line="4" time="2.5"/></testsuite></testsuites>';

describe('runTests with engine docker', () => {
  it('runs docker with --gpus all on a GPU runner, the test env by name, and the runner user', async () => {
    const h = harness({
      gpus: { count: 2, names: ['NVIDIA L40S', 'NVIDIA L40S'], source: 'nvidia-smi' },
      behave: (dir) => {
        writeFileSync(join(dir, 'junit-all.xml'), PASSING);
        return {};
      },
    });
    const report = await runTests(
      h.inputs({
        image: 'nvcr.io/acme/dynamo:abc-vllm',
        framework: 'vllm',
        gpus: '1',
        env: 'HF_TOKEN=hf_secret',
        user: 'runner',
        mounts: 'models:/models:ro',
      }),
      h.context,
      h.ports,
    );
    expect(report.result).toBe('success');
    expect(report.counts.total).toBe(1);
    const [call] = h.spawned;
    expect(call?.command).toBe('docker');
    const args = call?.args ?? [];
    expect(args.slice(0, 9)).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      expect.stringMatching(/^dynamo-ci-1000-2-vllm-gpu-all-/),
      '--gpus',
      'all',
      '--user',
      '1001:121',
    ]);
    expect(args).toContain(`type=bind,source=${join(h.context.workspace, 'models')},target=/models,readonly`);
    expect(args).toContain('pre_merge and vllm and gpu_1');
    expect(args.filter((arg) => arg.includes('hf_secret'))).toEqual([]);
    expect(args).toContain('HF_TOKEN');
    expect(call?.options.env?.HF_TOKEN).toBe('hf_secret');
    expect(call?.options.env?.DYNAMO_TEST_FRAMEWORK).toBe('vllm');
    expect(report.gpus).toEqual({
      requested: '1',
      effective: '1',
      visible: 2,
      names: ['NVIDIA L40S', 'NVIDIA L40S'],
      source: 'nvidia-smi',
    });
    expect(JSON.parse(readFileSync(join(h.resultsDir, 'report.json'), 'utf8')).result).toBe('success');
  });

  it('removes the container when the deadline stops the run, and names the running test', async () => {
    const h = harness({
      behave: (dir) => {
        writeFileSync(
          join(dir, 'live-all.jsonl'),
          `${JSON.stringify({ event: 'start', nodeid: 'tests/test_vllm.py::test_serve', file: 'tests/test_vllm.py', line: 4 })}\n`,
        );
        return { exitCode: 143, timedOut: true };
      },
    });
    const report = await runTests(h.inputs({ image: 'img:1', 'timeout-minutes': '1' }), h.context, h.ports);
    expect(report.result).toBe('timed-out');
    expect(h.executed[0]).toEqual({ command: 'docker', args: ['rm', '--force', expect.stringMatching(/^dynamo-ci-/)] });
    expect(h.executed[0]?.args[2]).toBe(h.spawned[0]?.args[4]);
    expect(report.killed).toEqual([
      {
        test: 'tests/test_vllm.py::test_serve',
        file: 'tests/test_vllm.py',
        line: 5,
        message:
          'tests/test_vllm.py::test_serve was running when the whole-run timeout-minutes (1 min) ran out and pytest was stopped',
      },
    ]);
    expect(existsSync(join(h.resultsDir, 'junit-all.xml'))).toBe(true);
  });

  it("hands what the container wrote back to the runner's user, only when someone else owns some of it", async () => {
    const h = harness({
      behave: (dir) => {
        writeFileSync(join(dir, 'junit-all.xml'), PASSING);
        return {};
      },
    });
    // The files are this test process's; the runner is uid 1001.
    await runTests(h.inputs({ image: 'img:1', mounts: 'out:/out\nmodels:/models:ro' }), h.context, h.ports);
    expect(h.executed).toEqual([
      {
        command: 'docker',
        args: [
          'run',
          '--rm',
          '--name',
          expect.stringMatching(/^dynamo-ci-1000-2-vllm-gpu-owner-/),
          '--network',
          'none',
          '--user',
          '0:0',
          '--entrypoint',
          'python3',
          '--mount',
          `type=bind,source=${join(h.context.temp, 'run-gpu-tests-helper')},target=/dynamo-ci/helper,readonly`,
          '--mount',
          `type=bind,source=${h.resultsDir},target=/dynamo-ci/results`,
          '--mount',
          `type=bind,source=${join(h.context.workspace, 'out')},target=/out`,
          'img:1',
          '/dynamo-ci/helper/dynamo_ci_pytest.py',
          '--dynamo-ci-chown=1001:121',
          '/dynamo-ci/results',
          '/out',
        ],
      },
    ]);
    // Everything already the runner's (or the runner is root): no container.
    const own = harness({
      behave: (dir) => {
        writeFileSync(join(dir, 'junit-all.xml'), PASSING);
        return {};
      },
    });
    own.context.runnerUser = `${process.getuid?.()}:${process.getgid?.()}`;
    await runTests(own.inputs({ image: 'img:1' }), own.context, own.ports);
    expect(own.executed).toEqual([]);
  });

  it("forwards the step's variables listed in forward-env by name, and warns about one that is not set", async () => {
    const h = harness({});
    await runTests(
      h.inputs({ image: 'img:1', 'forward-env': 'HF_TOKEN\nNGC_API_KEY', 'fail-on-empty': 'false' }),
      h.context,
      h.ports,
    );
    const args = h.spawned[0]?.args ?? [];
    const names = args.filter((_, index) => args[index - 1] === '--env');
    expect(names).toEqual(expect.arrayContaining(['HF_TOKEN', 'NGC_API_KEY']));
    expect(args).not.toContain('from-host');
    expect(h.spawned[0]?.options.env?.HF_TOKEN).toBe('from-host');
    expect(h.warnings).toEqual([
      "forward-env lists NGC_API_KEY, which is not set in the step's environment; the tests run without it (set it with env: on the step)",
    ]);
  });

  it('explains a container that could not start (exit 125)', async () => {
    const h = harness({ behave: () => ({ exitCode: 125, stderr: 'Unable to find image img:1 locally' }) });
    const report = await runTests(h.inputs({ image: 'img:1' }), h.context, h.ports);
    expect(report.result).toBe('failure');
    expect(report.problems[0]).toContain('docker could not start the container for all (exit 125)');
    expect(report.problems[0]).toContain('Unable to find image img:1 locally');
  });

  it('refuses a GPU selection on a runner without GPUs, before running anything', async () => {
    const h = harness({});
    await expect(runTests(h.inputs({ image: 'img:1', gpus: 'multi' }), h.context, h.ports)).rejects.toThrow(
      new ConfigError(
        'gpus: multi needs at least 2 GPU(s) but no GPU is visible (nvidia-smi -L listed none and /dev/nvidia* is absent) on this runner. Run the job on a GPU runner, or set require-gpu: false to run the selection anyway.',
      ),
    );
    expect(h.spawned).toEqual([]);
    const one = harness({ gpus: { count: 1, names: [], source: '/dev' } });
    await expect(runTests(one.inputs({ image: 'img:1', gpus: '4' }), one.context, one.ports)).rejects.toThrow(
      'only 1 GPU(s) are visible',
    );
  });

  it('runs the selection anyway with require-gpu: false, without --gpus', async () => {
    const h = harness({});
    await runTests(
      h.inputs({ image: 'img:1', gpus: '1', 'require-gpu': 'false', 'fail-on-empty': 'false' }),
      h.context,
      h.ports,
    );
    expect(h.spawned[0]?.args).not.toContain('--gpus');
  });

  it('skips phases once the deadline has passed', async () => {
    const h = harness({});
    let now = 0;
    h.ports.now = () => now;
    h.ports.spawn = async () => {
      now += 120_000;
      return { exitCode: 0, stdout: '', stderr: '', timedOut: true, durationMs: 1 };
    };
    const report = await runTests(
      h.inputs({ image: 'img:1', workers: '2', 'timeout-minutes': '1' }),
      h.context,
      h.ports,
    );
    expect(report.phases.map((phase) => [phase.name, phase.skipped ?? false])).toEqual([
      ['parallel', false],
      ['sequential', true],
    ]);
    expect(report.result).toBe('timed-out');
  });
});

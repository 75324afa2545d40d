/**
 * The bundle with engine docker against a real Docker daemon (the testkit's): pytest runs inside an
 * image built from Debian's packages, and every promise the docker path makes is checked from inside
 * the container or on the host afterwards. Skipped, with the reason, where no daemon can run; a
 * failure under DYNAMO_CI_REQUIRE_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseJunit } from '@dynamo-ci/core';
import { repoRoot, SimulatedJob, type StepOptions, scratchDir } from '@dynamo-ci/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/run.js';
import { baseImage, containersNamed, engine, FIXTURE_SUITE, fixtureImage } from './container.js';

const ready = 'host' in engine;
if ('reason' in engine) it.skip(`run-gpu-tests with a real Docker daemon: ${engine.reason}`, () => {});

describe.runIf(ready)('run-gpu-tests engine docker, real daemon', () => {
  const host = 'host' in engine ? engine.host : '';
  let image = '';
  let job: SimulatedJob | undefined;
  beforeAll(async () => {
    image = await fixtureImage(host);
  }, 20 * 60_000);
  afterEach(() => {
    job?.cleanup();
    job = undefined;
  });

  /** A fresh job (its own run id, so its container names are its own); runs as `user` when given. */
  function newJob(options: { user?: { uid: number; gid: number } } = {}) {
    const runId = 100_000 + Math.floor(Math.random() * 800_000);
    job = new SimulatedJob({ runId, job: 'docker', ...options });
    return { current: job, prefix: `dynamo-ci-${runId}-` };
  }

  async function run(
    current: SimulatedJob,
    inputs: Record<string, string | number | boolean>,
    step: StepOptions = {},
    action = 'run-gpu-tests',
  ) {
    const result = await current.run(action, {
      timeoutMs: 180_000,
      ...step,
      inputs: { engine: 'docker', image, 'timeout-minutes': '3', ...inputs },
      env: { DOCKER_HOST: host, ...step.env },
    });
    const report = result.outputs.report ? (JSON.parse(result.outputs.report) as Report) : undefined;
    return { ...result, report };
  }

  function junitCases(files: string | undefined) {
    return (JSON.parse(files ?? '[]') as string[]).flatMap((file) => parseJunit(readFileSync(file, 'utf8')));
  }

  it('runs pytest inside the image and reads back its JUnit and report', async () => {
    const { current, prefix } = newJob();
    const result = await run(current, { workers: 2 });
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ result: 'success', total: '9', passed: '9', failed: '0', errors: '0' });
    const report = result.report as Report;
    expect(report.phases.map((phase) => [phase.name, phase.exitCode, phase.tests])).toEqual([
      ['parallel', 0, 4],
      ['sequential', 0, 5],
    ]);
    expect(junitCases(result.outputs['junit-files']).map((testcase) => testcase.name)).toContain('test_hangs');
    expect(JSON.parse(readFileSync(join(current.temp, 'run-gpu-tests', 'report.json'), 'utf8')).counts.total).toBe(9);
    expect(result.log.some((line) => line.startsWith('parallel: docker run --rm --init --name dynamo-ci-'))).toBe(true);
    expect(containersNamed(host, prefix)).toEqual([]);
  });

  it('forwards only the listed names, by name; inputs and runner tokens never reach the container', async () => {
    const { current } = newJob();
    const result = await run(
      current,
      {
        framework: 'vllm',
        'forward-env': 'HF_TOKEN',
        env: 'DUMP_ENV_TO=/dynamo-ci/results/env.json\nAPI_KEY=input-secret-value',
      },
      {
        env: {
          HF_TOKEN: 'hf_step_secret',
          UNLISTED_SECRET: 'not-for-tests',
          ACTIONS_RUNTIME_TOKEN: 'runtime-token-value',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-token-value',
        },
      },
    );
    expect(result.outputs.result).toBe('success');
    const seen = JSON.parse(readFileSync(join(current.temp, 'run-gpu-tests', 'env.json'), 'utf8')) as Record<
      string,
      string
    >;
    expect(seen).toMatchObject({
      HF_TOKEN: 'hf_step_secret',
      API_KEY: 'input-secret-value',
      DYNAMO_TEST_FRAMEWORK: 'vllm',
    });
    expect(Object.keys(seen).filter((name) => /^(INPUT_|STATE_|ACTIONS_|GITHUB_)|UNLISTED/.test(name))).toEqual([]);
    for (const value of ['runtime-token-value', 'oidc-token-value', 'not-for-tests']) {
      expect(Object.values(seen)).not.toContain(value);
    }
    // Names on the command line, values only in the docker client's environment.
    const command = result.log.find((line) => line.startsWith('all: docker run')) as string;
    expect(command).toContain('--env HF_TOKEN');
    expect(command).toContain('--env API_KEY');
    expect(result.masks).toContain('hf_step_secret');
    expect(result.log.join('\n')).not.toContain('hf_step_secret');
    // The value appears once, in the ::add-mask:: command that hides it from the log.
    expect(result.masks).toContain('input-secret-value');
    expect(result.log.join('\n')).not.toContain('input-secret-value');
  });

  // Root starts the daemon, so a test process that has one is root, except with a daemon of its own.
  it.runIf(process.getuid?.() === 0)(
    "gives what the container wrote as root back to the runner's user, so the runner's cleanup succeeds",
    async () => {
      const docker = Number(/^docker:[^:]*:(\d+):/m.exec(readFileSync('/etc/group', 'utf8'))?.[1]);
      // The bundle runs as a hosted runner's uid 1001; the docker group opens the daemon's socket to it.
      const runner = { uid: 1001, gid: Number.isInteger(docker) ? docker : 1001 };
      const action = copyAction();
      const { current } = newJob({ user: runner });
      const result = await run(
        current,
        { framework: 'vllm', env: 'FIXTURE_WRITE_TREE=/dynamo-ci/results' },
        {},
        action,
      );
      rmSync(action, { recursive: true, force: true });
      expect(result.outputs.result).toBe('success');
      expect(
        result.log.some((line) => line.startsWith(`Giving the files the tests wrote back to 1001:${runner.gid}`)),
      ).toBe(true);
      const results = join(current.temp, 'run-gpu-tests');
      expect(readFileSync(join(results, 'artifacts', 'logs', 'server.log'), 'utf8')).toBe('worker started\n');
      const owners = walk(results).map((path) => lstatSync(path).uid);
      expect(new Set(owners)).toEqual(new Set([1001]));
      // The runner's own cleanup, as the runner's user: deleting the job's folders must work. (The
      // folders inside the job's root: the root's own entry belongs to the temporary folder around it.)
      const folders = readdirSync(current.root).map((name) => join(current.root, name));
      expect(folders.length).toBeGreaterThan(0);
      const cleanup = spawnSync('rm', ['-rf', '--', ...folders], { uid: runner.uid, gid: runner.gid });
      expect(cleanup.status, cleanup.stderr?.toString()).toBe(0);
      expect(readdirSync(current.root)).toEqual([]);
    },
  );

  it('runs the tests as the user named by user:', async () => {
    const { current } = newJob();
    const result = await run(current, {
      framework: 'vllm',
      user: '4321:4322',
      env: 'DUMP_IDENTITY_TO=/dynamo-ci/results/identity.json',
    });
    expect(result.outputs.result).toBe('success');
    expect(JSON.parse(readFileSync(join(current.temp, 'run-gpu-tests', 'identity.json'), 'utf8'))).toEqual({
      uid: 4321,
      gid: 4322,
      cwd: '/workspace',
    });
  });

  it('stops the container at timeout-minutes; nothing is left and the JUnit names the running test', async () => {
    const { current, prefix } = newJob();
    const result = await run(current, { framework: 'sglang', 'timeout-minutes': '10s', env: 'FIXTURE_HANG=1' });
    expect(result.outputs).toMatchObject({ result: 'timed-out', errors: '1' });
    expect(result.durationMs).toBeLessThan(45_000);
    expect(containersNamed(host, prefix)).toEqual([]);
    const killed = junitCases(result.outputs['junit-files']).find((testcase) => testcase.name === 'test_hangs');
    expect(killed).toMatchObject({ outcome: 'error', classname: 'tests.test_sglang' });
    expect(killed?.message).toContain('was running when the whole-run timeout-minutes (10 s) ran out');
  });

  it.each(['thread', 'signal'])(
    'the per-test timeout (%s method) stops the test; nothing is left and the JUnit names it',
    async (method) => {
      const { current, prefix } = newJob();
      const result = await run(current, {
        framework: 'sglang',
        'test-timeout': '3',
        'timeout-method': method,
        env: 'FIXTURE_HANG=1',
      });
      expect(result.outputs.result).toBe('failure');
      expect(result.durationMs).toBeLessThan(45_000);
      expect(containersNamed(host, prefix)).toEqual([]);
      const hung = junitCases(result.outputs['junit-files']).find((testcase) => testcase.name === 'test_hangs');
      expect(hung?.outcome).toBe(method === 'thread' ? 'error' : 'failed');
      expect(`${hung?.message} ${hung?.details}`).toMatch(/Timeout|per-test timeout/);
    },
  );

  it('cancelling the step (SIGINT, then SIGTERM) removes the container before the runner kills the action', async () => {
    const { current, prefix } = newJob();
    const live = join(current.temp, 'run-gpu-tests', 'live-all.jsonl');
    const started = (async () => {
      for (let polls = 0; polls < 900; polls++) {
        if (existsSync(live) && readFileSync(live, 'utf8').includes('test_hangs')) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    // The test ignores SIGTERM: only removing the container stops it.
    const result = await run(
      current,
      { framework: 'sglang', env: 'FIXTURE_HANG=1\nFIXTURE_IGNORE_TERM=1' },
      { cancelWhen: started, cancelEscalation: true },
    );
    // The action ended on its own (exit 1), not by the runner's SIGKILL 10 s after the SIGINT.
    expect(result.signal).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('cancelled');
    expect(containersNamed(host, prefix)).toEqual([]);
    expect((result.report as Report).killed.map((entry) => entry.test)).toEqual(['tests/test_sglang.py::test_hangs']);
    expect(junitCases(result.outputs['junit-files']).some((testcase) => testcase.name === 'test_hangs')).toBe(true);
  });

  it('removes, and never follows, symbolic links the container leaves in the results folder', async () => {
    const { current } = newJob();
    const sentinel = join(current.root, 'runner-file');
    writeFileSync(sentinel, 'the runner owns this\n');
    const result = await run(current, {
      framework: 'vllm',
      env: `FIXTURE_PLANT_LINKS=/dynamo-ci/results\nFIXTURE_LINK_TARGET=${sentinel}`,
    });
    expect(result.outputs.result).toBe('success');
    expect(readFileSync(sentinel, 'utf8')).toBe('the runner owns this\n');
    const results = join(current.temp, 'run-gpu-tests');
    expect(walk(results).filter((path) => lstatSync(path).isSymbolicLink())).toEqual([]);
    expect(lstatSync(join(results, 'report.json')).isFile()).toBe(true);
    expect(JSON.parse(readFileSync(join(results, 'report.json'), 'utf8')).result).toBe('success');
    expect(result.warnings.map((annotation) => annotation.message)).toContain(
      'The container left symbolic link(s) in the results folder: leak, logs/root, report.json. They were removed, not followed.',
    );
  });

  it('an image without tests at its working directory says where pytest ran and points at workdir and mounts', async () => {
    const { current, prefix } = newJob();
    const base = await baseImage(host);
    const result = await run(current, { image: base, framework: 'vllm' });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('failure');
    const message = result.errors.at(-1)?.message ?? '';
    expect(message).toMatch(
      new RegExp(
        `^pytest collected no tests: it ran in / inside the image ${base.replace(/[.:/]/g, '\\$&')} \\(its WORKDIR; an image without one starts in /\\), found no pytest configuration there \\(rootdir /\\), and collection failed`,
      ),
    );
    expect(message).toContain('Set workdir to the folder that holds the tests in the image, or mount the checkout');
    expect(message).not.toContain('a typo?');
    expect(containersNamed(host, prefix)).toEqual([]);

    // The fix it names: mount the checkout and run there.
    cpSync(FIXTURE_SUITE, current.workspace, { recursive: true });
    const mounted = await run(current, { image: base, framework: 'vllm', mounts: '.:/checkout', workdir: '/checkout' });
    expect(mounted.outputs).toMatchObject({ result: 'success', total: '2' });
  });

  it('refuses gpus: 1 with one clear error on an engine without GPUs', async () => {
    const { current, prefix } = newJob();
    const none = await run(current, { framework: 'vllm', gpus: '1' });
    expect(none.exitCode).toBe(1);
    expect(none.errors.map((annotation) => annotation.message)).toEqual([
      'gpus: 1 needs at least 1 GPU(s) but no GPU is visible (nvidia-smi -L listed none and /dev/nvidia* is absent) on this runner. Run the job on a GPU runner, or set require-gpu: false to run the selection anyway.',
    ]);
    // A runner that has a GPU (nvidia-smi says so) but whose Docker engine cannot pass it through.
    const bin = join(current.root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0000)"\n');
    chmodSync(join(bin, 'nvidia-smi'), 0o755);
    const engineless = await run(
      current,
      { framework: 'vllm', gpus: '1' },
      { env: { PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(engineless.exitCode).toBe(1);
    expect(engineless.errors.map((annotation) => annotation.message)).toEqual([
      'gpus: 1 needs GPUs inside the container, and this runner has 1 GPU(s) (NVIDIA H100 80GB HBM3), but its Docker engine cannot give them to containers: docker run --gpus all answered "Error response from daemon: could not select device driver "" with capabilities: [[gpu]]". Install the NVIDIA Container Toolkit on the runner (nvidia-ctk runtime configure --runtime=docker, then restart dockerd), or run the job on a runner whose Docker engine has it.',
    ]);
    expect(containersNamed(host, prefix)).toEqual([]);
  });
});

/** Every path under `dir` (lstat: links are listed, not followed). */
function walk(dir: string): string[] {
  const paths: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    paths.push(path);
    if (lstatSync(path).isDirectory()) paths.push(...walk(path));
  }
  return paths;
}

/** The action (action.yml and dist/) copied where another user can read it (the checkout may not be). */
function copyAction(): string {
  const dir = scratchDir('run-gpu-tests-action-');
  chmodSync(dir, 0o755);
  cpSync(join(repoRoot, 'actions', 'run-gpu-tests', 'action.yml'), join(dir, 'action.yml'));
  cpSync(join(repoRoot, 'actions', 'run-gpu-tests', 'dist'), join(dir, 'dist'), { recursive: true });
  return dir;
}

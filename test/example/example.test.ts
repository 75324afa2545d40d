/**
 * The example repository checked for real, the way the pipeline checks it: its Rust workspace,
 * Python components and Go operator through the code-checks bundle (as core-validation.yml's
 * rust-checks and mypy jobs and backend.yml's operator job run it), and its pytest selections
 * through the run-gpu-tests bundle with the marker expressions, workers and environment
 * core-validation.yml gives its test jobs, against Debian's real nats-server and etcd.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeServices, repoRoot, SimulatedJob, serviceTools } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHANGES } from '../../scripts/pipeline/example-repo.mjs';

const EXAMPLE = join(repoRoot, 'examples', 'dynamo-example');
const PYTHON = '/usr/bin/python3';
const require = process.env.DYNAMO_CI_REQUIRE_TOOLS === '1';

function runs(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/** True when every tool is there; a one-line reason locally, a failure under DYNAMO_CI_REQUIRE_TOOLS=1. */
function needs(tools: Record<string, boolean>, packages: string): boolean {
  const missing = Object.keys(tools).filter((name) => !tools[name]);
  if (missing.length === 0) return true;
  if (require) throw new Error(`${missing.join(', ')} required (Debian: ${packages})`);
  console.warn(`skipped: ${missing.join(', ')} not installed (Debian: ${packages})`);
  return false;
}

const services = serviceTools();
const pytest = needs(
  {
    pytest: runs(PYTHON, ['-c', 'import pytest, xdist, pytest_timeout']),
    'nats-server': services.nats,
    etcd: services.etcd,
  },
  'python3-pytest python3-pytest-xdist python3-pytest-timeout nats-server etcd-server',
);
const rust = needs(
  { cargo: runs('cargo', ['clippy', '--version']), rustfmt: runs('rustfmt', ['--version']) },
  'cargo rustfmt rust-clippy',
);
const go = needs({ go: runs('go', ['version']) }, 'golang-go');
const mypy = needs({ mypy: runs('mypy', ['--version']) }, 'mypy');

/** A job whose workspace is a copy of the example, with one of the sample changes on it. */
function exampleJob(change?: keyof typeof CHANGES): SimulatedJob {
  const job = new SimulatedJob({ runId: 4242 });
  cpSync(EXAMPLE, job.workspace, { recursive: true });
  for (const [path, content] of Object.entries((change && CHANGES[change]?.files) || {})) {
    const file = join(job.workspace, path);
    writeFileSync(file, typeof content === 'function' ? content(readFileSync(file, 'utf8')) : content);
  }
  return job;
}

/** The last line of `file` in the job's workspace that holds `text` (1-based): the sample changes append. */
function lineOf(job: SimulatedJob, file: string, text: string): number {
  return (
    readFileSync(join(job.workspace, file), 'utf8')
      .split('\n')
      .findLastIndex((line) => line.includes(text)) + 1
  );
}

const ENV = { PYTHONDONTWRITEBYTECODE: '1' };

describe('the example code, checked as the pipeline checks it', () => {
  const jobs: SimulatedJob[] = [];
  afterAll(() => {
    for (const job of jobs) job.cleanup();
  });

  it.skipIf(!rust)('passes cargo fmt, clippy -D warnings and cargo test --locked, with every feature', async () => {
    const job = exampleJob();
    jobs.push(job);
    const result = await job.run('code-checks', {
      inputs: {
        engine: 'none',
        checks: 'cargo-fmt, cargo-clippy, cargo-test',
        features: 'all',
        'timeout-minutes': '8',
      },
      env: ENV,
      timeoutMs: 600_000,
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.result).toBe('success');
    expect(readFileSync(join(job.temp, 'code-checks', 'cargo-test.log'), 'utf8')).toMatch(
      /test keeps_the_organization \.\.\. ok/,
    );
  });

  it.skipIf(!mypy)('passes mypy over the components and the tests', async () => {
    const job = exampleJob();
    jobs.push(job);
    const result = await job.run('code-checks', { inputs: { engine: 'none', checks: 'mypy' }, env: ENV });
    expect(result.errors).toEqual([]);
    expect(readFileSync(join(job.temp, 'code-checks', 'mypy.log'), 'utf8')).toMatch(
      /^Success: no issues found in \d+ source files$/m,
    );
  });

  it.skipIf(!go)("passes the operator's gofmt, go vet and go test", async () => {
    const job = exampleJob();
    jobs.push(job);
    const result = await job.run('code-checks', {
      inputs: { engine: 'none', checks: 'go-fmt, go-vet, go-test', 'working-directory': 'deploy/operator' },
      env: ENV,
      timeoutMs: 300_000,
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.result).toBe('success');
  });
});

describe('a broken check in the example turns its check red, annotated where it broke', () => {
  const jobs: SimulatedJob[] = [];
  afterAll(() => {
    for (const job of jobs) job.cleanup();
  });

  it.skipIf(!rust)('a clippy warning (the clippy-warning sample change)', async () => {
    const job = exampleJob('clippy-warning');
    jobs.push(job);
    const result = await job.run('code-checks', {
      inputs: {
        engine: 'none',
        checks: 'cargo-fmt, cargo-clippy, cargo-test',
        features: 'all',
        'timeout-minutes': '8',
      },
      env: ENV,
      timeoutMs: 600_000,
    });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.outputs['failed-checks'] as string)).toEqual(['cargo-clippy']);
    expect(result.errors[0]).toMatchObject({
      file: 'lib/runtime/src/lib.rs',
      line: lineOf(job, 'lib/runtime/src/lib.rs', 'return "0.1.0"'),
      title: 'cargo clippy: clippy::needless_return',
    });
  });

  it.skipIf(!mypy)('a type error (the mypy-error sample change)', async () => {
    const job = exampleJob('mypy-error');
    jobs.push(job);
    const result = await job.run('code-checks', { inputs: { engine: 'none', checks: 'mypy' }, env: ENV });
    expect(result.exitCode).toBe(1);
    const file = 'components/src/dynamo/common/utils.py';
    expect(result.errors[0]).toMatchObject({
      file,
      line: lineOf(job, file, 'return model.split'),
      title: 'mypy [return-value]',
    });
  });

  it.skipIf(!go)('a failing operator test (the go-test-failure sample change)', async () => {
    const job = exampleJob('go-test-failure');
    jobs.push(job);
    const result = await job.run('code-checks', {
      inputs: { engine: 'none', checks: 'go-fmt, go-vet, go-test', 'working-directory': 'deploy/operator' },
      env: ENV,
      timeoutMs: 300_000,
    });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.outputs['failed-checks'] as string)).toEqual(['go-test']);
    const file = 'deploy/operator/internal/controller/readiness_test.go';
    expect(result.errors[0]).toMatchObject({
      file,
      line: lineOf(job, file, 'want a 64-character name accepted'),
      title: 'go test: TestValidateNamespaceAtTheLimit',
    });
  });
});

/** A test's outcome in the JUnit files a run wrote: passed, skipped, failed, or missing. */
function outcome(junitFiles: string | undefined, name: string): string {
  for (const file of JSON.parse(junitFiles ?? '[]') as string[]) {
    const xml = readFileSync(file, 'utf8');
    const match = new RegExp(`<testcase [^>]*name="${name}"[^>]*?(/>|>([\\s\\S]*?)</testcase>)`).exec(xml);
    if (!match) continue;
    const body = match[2] ?? '';
    if (/<skipped/.test(body)) return 'skipped';
    if (/<(failure|error)/.test(body)) return 'failed';
    return 'passed';
  }
  return 'missing';
}

/** What core-validation.yml gives run-gpu-tests in a test job: its markers, workers and phases. */
function testJob(id: string): { markers: string; workers: string; twoPhase: string } {
  const workflow = parse(readFileSync(join(repoRoot, '.github', 'workflows', 'core-validation.yml'), 'utf8'));
  const defaults = workflow.on.workflow_call.inputs as Record<string, { default?: unknown }>;
  const step = workflow.jobs[id].steps.find((candidate: { uses?: string }) =>
    /run-gpu-tests@/.test(candidate.uses ?? ''),
  );
  const resolve = (value: unknown) =>
    String(value ?? '').replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) =>
      String(defaults[name]?.default),
    );
  return {
    markers: resolve(step.with.markers),
    workers: resolve(step.with.workers ?? '0'),
    twoPhase: resolve(step.with['two-phase'] ?? 'true'),
  };
}

describe.skipIf(!pytest)("the example's tests in core-validation's selections, against real NATS and etcd", () => {
  let runtime: RuntimeServices;
  const jobs: SimulatedJob[] = [];
  beforeAll(async () => {
    runtime = await RuntimeServices.start();
  });
  afterAll(() => {
    runtime?.stop();
    for (const job of jobs) job.cleanup();
  });

  async function select(id: string, env: Record<string, string>) {
    const { markers, workers, twoPhase } = testJob(id);
    const job = exampleJob();
    jobs.push(job);
    const result = await job.run('run-gpu-tests', {
      inputs: {
        engine: 'none',
        python: PYTHON,
        markers,
        // This machine has two cores; the selection and the xdist phase are core-validation's.
        workers: workers === '0' ? '0' : '2',
        'two-phase': twoPhase,
        'timeout-minutes': '5',
        env: Object.entries(env)
          .map(([name, value]) => `${name}=${value}`)
          .join('\n'),
      },
      env: ENV,
    });
    const report = JSON.parse(result.outputs.report ?? '{}') as {
      phases: { name: string; workers: number | string }[];
      counts: { total: number; passed: number; skipped: number };
    };
    return { result, report, markers };
  }

  it('test-parallel: the parallel tests under xdist, the NATS request plane among them', async () => {
    const { result, report, markers } = await select('test-parallel', runtime.environment());
    expect(markers).toBe('pre_merge and parallel and not (vllm or sglang or trtllm) and gpu_0');
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ result: 'success', 'marker-expression': markers, skipped: '0' });
    expect(report.phases.map((phase) => [phase.name, phase.workers])).toEqual([['all', 2]]);
    expect(Number(result.outputs.passed)).toBeGreaterThanOrEqual(5);
    for (const name of ['test_nats_publish_reaches_a_subscriber', 'test_nats_request_gets_the_workers_reply']) {
      expect(outcome(result.outputs['junit-files'], name), name).toBe('passed');
    }
  });

  it('test-sequential: the rest one at a time, the etcd discovery plane among them', async () => {
    const { result, report, markers } = await select('test-sequential', runtime.environment());
    expect(markers).toBe('pre_merge and not parallel and not (vllm or sglang or trtllm) and gpu_0');
    expect(result.errors).toEqual([]);
    expect(result.outputs).toMatchObject({ result: 'success', skipped: '0' });
    expect(report.phases.map((phase) => [phase.name, phase.workers])).toEqual([['all', 0]]);
    for (const name of ['test_instances_live_and_die_with_their_lease', 'test_put_get_and_delete_a_prefix']) {
      expect(outcome(result.outputs['junit-files'], name), name).toBe('passed');
    }
  });

  it('without NATS_SERVER and ETCD_ENDPOINTS the service tests are skipped, saying why', async () => {
    const { result } = await select('test-sequential', {});
    expect(result.outputs.result).toBe('success');
    expect(Number(result.outputs.skipped)).toBeGreaterThanOrEqual(2);
    expect(result.stdout).toContain('ETCD_ENDPOINTS is not set: start etcd and export ETCD_ENDPOINTS=http://host:port');
    expect(outcome(result.outputs['junit-files'], 'test_put_get_and_delete_a_prefix')).toBe('skipped');
  });
});

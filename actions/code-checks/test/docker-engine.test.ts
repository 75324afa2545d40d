/**
 * The bundle with engine docker against the testkit's real Docker daemon: mypy runs inside an image
 * built from Debian's packages (python3, mypy) with the checkout mounted, and the findings come back
 * placed in the repository. Skipped, with the reason, where no daemon can run; a failure under
 * DYNAMO_CI_REQUIRE_TOOLS=1.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildBaseRootfs,
  cannotBuildBaseRootfs,
  dockerForTests,
  loadBaseImage,
  SimulatedJob,
  type StepOptions,
} from '@dynamo-ci/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/run.js';

/** The image the checks run in: Debian's python3 and mypy, nothing else (no go, no cargo). */
const PACKAGES = ['python3', 'mypy'];
const engine = await dockerForTests(() => cannotBuildBaseRootfs(PACKAGES));
if ('reason' in engine) it.skip(`code-checks with a real Docker daemon: ${engine.reason}`, () => {});

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe.runIf('host' in engine)('code-checks engine docker, real daemon', () => {
  const host = 'host' in engine ? engine.host : '';
  const docker = (...args: string[]) =>
    execFileSync('docker', args, { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8' }).trim();
  let image = '';
  let job: SimulatedJob | undefined;
  beforeAll(async () => {
    image = await loadBaseImage(host, await buildBaseRootfs(PACKAGES));
  }, 20 * 60_000);
  afterEach(() => {
    job?.cleanup();
    job = undefined;
  });

  /** A job whose workspace holds the python fixture under py/ (its own run id: its own container names). */
  function pythonJob(edit?: (root: string) => void) {
    const runId = 100_000 + Math.floor(Math.random() * 800_000);
    job = new SimulatedJob({ runId, job: 'mypy' });
    cpSync(join(FIXTURES, 'python'), join(job.workspace, 'py'), { recursive: true });
    edit?.(join(job.workspace, 'py'));
    return { current: job, prefix: `code-checks-${runId}-` };
  }

  async function run(current: SimulatedJob, inputs: Record<string, string>, step: StepOptions = {}) {
    const result = await current.run('code-checks', {
      timeoutMs: 180_000,
      ...step,
      inputs: { engine: 'docker', image, 'working-directory': 'py', 'timeout-minutes': '3', ...inputs },
      env: { DOCKER_HOST: host, ...step.env },
    });
    return { ...result, report: JSON.parse(result.outputs.report ?? '{}') as Report };
  }

  const containers = (prefix: string) =>
    docker('ps', '--all', '--filter', `name=^${prefix}`, '--format', '{{.Names}}').split('\n').filter(Boolean);

  it('runs mypy in the image on the mounted checkout, as the user given, and places its findings', async () => {
    const { current, prefix } = pythonJob((root) => {
      appendFileSync(
        join(root, 'ringbuf', '__init__.py'),
        '\n\ndef newest(ring: Ring) -> int:\n    return ring.values()\n',
      );
      // A user without a home or a passwd entry in the image, who may write the project folder.
      chmodSync(root, 0o777);
    });
    const result = await run(current, { checks: 'mypy', user: '4242:4242' });
    expect(result.exitCode).toBe(1);
    // mypy named the file from /workspace/py: the annotation names it from the repository root.
    expect(result.errors[0]).toMatchObject({ file: 'py/ringbuf/__init__.py', line: 18, title: 'mypy [return-value]' });
    expect(result.report.checks[0]?.result).toBe('failure');
    // mypy ran as that user: what it wrote into the checkout is that user's.
    expect(statSync(join(current.workspace, 'py', '.mypy_cache')).uid).toBe(4242);
    expect(result.report.checks[0]?.command).toEqual(['mypy', '--show-column-numbers', '--no-color-output']);
    expect(containers(prefix)).toEqual([]);
  });

  it('says a tool is not in the image, naming the image', async () => {
    const { current } = pythonJob();
    const result = await run(current, { checks: 'mypy, go-vet' });
    expect(result.report.checks.map((check) => check.result)).toEqual(['success', 'failure']);
    expect(result.errors[0]?.message).toBe(`go vet failed (exit code 127): go is not installed in the image ${image}`);
  });

  it('stops the container when the run is cancelled, and still reports', async () => {
    // mypy's Python imports sitecustomize from PYTHONPATH at start: this one never returns.
    const { current, prefix } = pythonJob((root) => {
      mkdirSync(join(root, 'hang'));
      writeFileSync(join(root, 'hang', 'sitecustomize.py'), 'import time\ntime.sleep(600)\n');
    });
    const result = await run(
      current,
      { checks: 'mypy', env: 'PYTHONPATH=/workspace/py/hang' },
      { cancelAfterMs: 5000 },
    );
    expect(result.cancelled).toBe(true);
    expect(result.outputs.result).toBe('cancelled');
    expect(containers(prefix)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CONTAINER_LAYOUT,
  collectArgv,
  containerName,
  type DockerRun,
  dockerRunArgv,
  mountSpec,
  type PytestOptions,
  pytestArgv,
} from '../src/command.js';

const options: PytestOptions = { testTimeoutSeconds: 0, timeoutMethod: 'auto', pytestArgs: [], paths: [] };

describe('pytestArgv', () => {
  it('runs the helper with JUnit (xunit1), the live log and the marker expression', () => {
    expect(
      pytestArgv(options, { name: 'all', expression: 'pre_merge and vllm and gpu_1', workers: 0 }, CONTAINER_LAYOUT),
    ).toEqual([
      '/dynamo-ci/helper/dynamo_ci_pytest.py',
      '-p',
      'no:cacheprovider',
      '-o',
      'junit_family=xunit1',
      '--junitxml=/dynamo-ci/results/junit-all.xml',
      '--dynamo-ci-live=/dynamo-ci/results/live-all.jsonl',
      '--continue-on-collection-errors',
      '-m',
      'pre_merge and vllm and gpu_1',
    ]);
  });

  it('adds xdist, timeouts, the selection file, user arguments, and paths after --', () => {
    const args = pytestArgv(
      {
        testTimeoutSeconds: 300,
        timeoutMethod: 'thread',
        pytestArgs: ['-v', '--tb=short'],
        paths: ['-odd.py', 'tests/a b'],
      },
      { name: 'parallel', expression: '(x) and parallel', workers: 4, selectFile: '/r/select-shard.txt' },
      { helper: '/h/dynamo_ci_pytest.py', results: '/r' },
    );
    expect(args.slice(8)).toEqual([
      '-m',
      '(x) and parallel',
      '-n',
      '4',
      '--dist=loadscope',
      '--dynamo-ci-select=/r/select-shard.txt',
      '--timeout=300',
      '--timeout-method=thread',
      '-v',
      '--tb=short',
      '--',
      '-odd.py',
      'tests/a b',
    ]);
  });

  it('reruns by node id file, without -m', () => {
    const args = pytestArgv(
      options,
      { name: 'rerun-1', workers: 0, selectFile: '/r/select-rerun-1.txt' },
      CONTAINER_LAYOUT,
    );
    expect(args).not.toContain('-m');
    expect(args).toContain('--junitxml=/dynamo-ci/results/junit-rerun-1.xml');
    expect(args).toContain('--dynamo-ci-select=/r/select-rerun-1.txt');
  });

  it('collects for the shard planner', () => {
    expect(collectArgv({ ...options, paths: ['tests'] }, 'gpu_0', CONTAINER_LAYOUT)).toEqual([
      '/dynamo-ci/helper/dynamo_ci_pytest.py',
      '-p',
      'no:cacheprovider',
      '--collect-only',
      '-q',
      '--dynamo-ci-collected=/dynamo-ci/results/collected.jsonl',
      '--continue-on-collection-errors',
      '-m',
      'gpu_0',
      '--',
      'tests',
    ]);
  });
});

describe('dockerRunArgv', () => {
  const run: DockerRun = {
    image: 'nvcr.io/acme/dynamo:abc-vllm-amd64',
    name: 'dynamo-ci-1000-1-test-all-x',
    gpus: true,
    user: '1001:121',
    workdir: '/workspace',
    helperDir: '/runner/_temp/run-gpu-tests-helper',
    resultsDir: '/runner/_temp/run-gpu-tests',
    mounts: [{ source: '/data/hf cache', target: '/opt/cache/huggingface', readOnly: false }],
    envNames: ['HF_TOKEN', 'DYNAMO_TEST_FRAMEWORK'],
    options: ['--shm-size=1g', '--ulimit', 'memlock=-1'],
    python: 'python',
    pytestArgs: ['/dynamo-ci/helper/dynamo_ci_pytest.py', '-m', 'pre_merge and vllm and gpu_1'],
  };

  it('is the exact docker run command line', () => {
    expect(dockerRunArgv(run)).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'dynamo-ci-1000-1-test-all-x',
      '--gpus',
      'all',
      '--user',
      '1001:121',
      '--mount',
      'type=bind,source=/runner/_temp/run-gpu-tests-helper,target=/dynamo-ci/helper,readonly',
      '--mount',
      'type=bind,source=/runner/_temp/run-gpu-tests,target=/dynamo-ci/results',
      '--mount',
      'type=bind,source=/data/hf cache,target=/opt/cache/huggingface',
      '--workdir',
      '/workspace',
      '--env',
      'HF_TOKEN',
      '--env',
      'DYNAMO_TEST_FRAMEWORK',
      '--shm-size=1g',
      '--ulimit',
      'memlock=-1',
      'nvcr.io/acme/dynamo:abc-vllm-amd64',
      'python',
      '/dynamo-ci/helper/dynamo_ci_pytest.py',
      '-m',
      'pre_merge and vllm and gpu_1',
    ]);
  });

  it('leaves out --gpus, --user and --workdir when there is no GPU and the image decides', () => {
    const args = dockerRunArgv({
      ...run,
      gpus: false,
      user: undefined,
      workdir: undefined,
      mounts: [],
      envNames: [],
      options: [],
    });
    expect(args).not.toContain('--gpus');
    expect(args).not.toContain('--user');
    expect(args).not.toContain('--workdir');
    expect(args.slice(-5, -3)).toEqual(['nvcr.io/acme/dynamo:abc-vllm-amd64', 'python']);
  });

  it('never puts an environment value on the command line', () => {
    expect(dockerRunArgv(run).some((arg) => arg.includes('='))).toBe(true);
    expect(dockerRunArgv(run).filter((arg) => arg.startsWith('HF_TOKEN'))).toEqual(['HF_TOKEN']);
  });
});

describe('mountSpec', () => {
  it.each([
    [{ source: '/a', target: '/b', readOnly: false }, 'type=bind,source=/a,target=/b'],
    [{ source: '/a,b', target: '/c', readOnly: true }, 'type=bind,"source=/a,b",target=/c,readonly'],
    [{ source: '/say "hi"', target: '/c', readOnly: false }, 'type=bind,"source=/say ""hi""",target=/c'],
    [{ source: '/x:y $(id)', target: '/c', readOnly: false }, 'type=bind,source=/x:y $(id),target=/c'],
  ])('%o -> %s', (mount, expected) => {
    expect(mountSpec(mount)).toBe(expected);
  });
});

describe('containerName', () => {
  it('keeps only the characters docker accepts', () => {
    expect(containerName(['dynamo-ci', 1000, 1, 'GPU tests (vllm)', 'rerun-1'])).toBe(
      'dynamo-ci-1000-1-GPU-tests-vllm-rerun-1',
    );
    expect(containerName(['-.weird', 'ü'])).toBe('weird-');
  });
});

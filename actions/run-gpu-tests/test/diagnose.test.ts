import type { SpawnResult } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { gpuEngineRefusal, noTestsProblem } from '../src/diagnose.js';

const failed = (stderr: string, exitCode = 125): SpawnResult => ({
  exitCode,
  stdout: '',
  stderr,
  timedOut: false,
  durationMs: 1,
});

describe('gpuEngineRefusal', () => {
  const h100 = { count: 2, names: ['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3'] };

  it.each([
    'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].',
    'docker: Error response from daemon: unknown or invalid runtime name: nvidia.',
    'docker: Error response from daemon: failed to create task: nvidia-container-cli: initialization error: nvml error: driver not loaded.',
  ])('names what the engine lacks: %s', (stderr) => {
    const message = gpuEngineRefusal(failed(`${stderr}\nSee 'docker run --help'.`), '2', h100) as string;
    expect(message).toMatch(
      /^gpus: 2 needs GPUs inside the container, and this runner has 2 GPU\(s\) \(NVIDIA H100 80GB HBM3\), but its Docker engine cannot give them to containers: docker run --gpus all answered "Error response from daemon: /,
    );
    expect(message).toContain(
      `answered "${stderr.slice('docker: '.length, -1)}". Install the NVIDIA Container Toolkit`,
    );
  });

  it('leaves other failures to the usual diagnosis', () => {
    expect(gpuEngineRefusal(failed('Unable to find image img:1 locally'), '1', h100)).toBeUndefined();
    expect(gpuEngineRefusal(failed('could not select device driver', 1), '1', h100)).toBeUndefined();
  });
});

describe('noTestsProblem', () => {
  const root = { cwd: '/', rootdir: '/', inifile: null };
  const walkError = [{ nodeid: '', message: "FileNotFoundError: [Errno 2] No such file or directory: '/dev/fd/11'" }];

  it('says where pytest ran in the image and points at workdir and mounts', () => {
    expect(noTestsProblem(root, walkError, { engine: 'docker', image: 'img:1', collected: 0 })).toBe(
      "pytest collected no tests: it ran in / inside the image img:1 (its WORKDIR; an image without one starts in /), found no pytest configuration there (rootdir /), and collection failed: FileNotFoundError: [Errno 2] No such file or directory: '/dev/fd/11'. The tests are not at pytest's working directory. Set workdir to the folder that holds the tests in the image, or mount the checkout with mounts (for example .:/workspace) and set workdir to that path.",
    );
  });

  it('on the host, points at workdir and paths', () => {
    const message = noTestsProblem({ cwd: '/home/runner/work', rootdir: '/home/runner/work', inifile: null }, [], {
      engine: 'none',
      workdir: '/home/runner/work',
      collected: 0,
    });
    expect(message).toBe(
      "pytest collected no tests: it ran in /home/runner/work on the runner, found no pytest configuration there (rootdir /home/runner/work). The tests are not at pytest's working directory. Set workdir to the folder that holds the tests (the checkout path), or list them in paths.",
    );
  });

  it('speaks for a configured suite only when pytest could not walk where it started', () => {
    const session = { cwd: '/w', rootdir: '/w', inifile: '/w/pytest.ini' };
    const modules = [
      { nodeid: 'tests/a.py', message: 'ImportError: torch' },
      { nodeid: 'tests/b.py', message: 'ImportError: torch' },
    ];
    const context = { engine: 'docker' as const, image: 'i', workdir: '/w', collected: 0 };
    expect(noTestsProblem(session, modules, context)).toBeUndefined();
    expect(noTestsProblem(session, [{ nodeid: '', message: 'PermissionError: /w/x' }, ...modules], context)).toContain(
      'used /w/pytest.ini, and collection failed 3 times: PermissionError: /w/x.',
    );
  });

  it('stays out of the way when tests were collected, or the suite was found and selected nothing', () => {
    expect(noTestsProblem(root, walkError, { engine: 'docker', collected: 3 })).toBeUndefined();
    const configured = { cwd: '/w', rootdir: '/w', inifile: '/w/pyproject.toml' };
    expect(noTestsProblem(configured, [], { engine: 'docker', collected: 0 })).toBeUndefined();
    expect(noTestsProblem(undefined, [], { engine: 'docker', collected: 0 })).toBeUndefined();
  });
});

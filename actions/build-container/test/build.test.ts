/**
 * The orchestration with the engine behind a port. There is no Docker engine on this machine, so
 * the docker path (push retried by rerunning buildx) is driven here with buildx's real failure text;
 * the buildah path runs for real in bundle.test.ts.
 */
import type { SpawnResult } from '@dynamo-ci/core';
import { recordingLogger } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { type BuildPorts, checkBuildFiles, checkDisk, planImage, resolveEngine, runBuild } from '../src/build.js';
import { parseInputs } from '../src/inputs.js';
import { buildMetadata, outputs, renderSummary } from '../src/render.js';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const DIGEST = `sha256:${'d'.repeat(64)}`;

function inputs(overrides: Record<string, string> = {}) {
  const raw: Record<string, string> = {
    'image-name': 'ecr.example/ai-dynamo/dynamo',
    framework: 'vllm',
    target: 'runtime',
    'cuda-version': '12.9',
    platforms: 'linux/amd64',
    push: 'true',
    ...overrides,
  };
  return parseInputs((name) => raw[name]);
}

const mainPush = {
  eventName: 'push',
  ref: 'refs/heads/main',
  sha: SHA,
  hostPlatform: 'linux/amd64',
  repositoryUrl: 'https://github.com/ai-dynamo/dynamo',
  createdAt: '2026-04-21T00:00:00.000Z',
};

interface Script {
  exitCode: number;
  lines: string[];
  timedOut?: boolean;
}

function fakePorts(scripts: Script[], files: Record<string, string> = {}) {
  const calls: string[][] = [];
  const sleeps: number[] = [];
  const log = recordingLogger();
  const warnings = log.warnings;
  let clock = 0;
  const ports: BuildPorts = {
    async spawn(command, args, options) {
      calls.push([command, ...args]);
      const script = scripts.shift() ?? { exitCode: 0, lines: [] };
      for (const line of script.lines) options.onLine(line);
      clock += 1000;
      const result: SpawnResult = {
        exitCode: script.exitCode,
        stdout: script.lines.join('\n'),
        stderr: '',
        timedOut: script.timedOut ?? false,
        durationMs: 1000,
      };
      return result;
    },
    exec: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
    diskSpace: async (path) => ({ path, freeBytes: 5 * 1024 ** 3, totalBytes: 100 * 1024 ** 3 }),
    readFile: async (path) => files[path],
    workDir: '/w',
    env: () => undefined,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log,
    retryBaseDelayMs: 100,
  };
  return { ports, calls, sleeps, warnings };
}

const pushFailure503 = [
  '#5 [1/1] COPY a.txt /a.txt',
  '#5 CACHED',
  '#9 exporting to image',
  '#9 pushing layers 0.2s done',
  'ERROR: failed to push ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64: unexpected status from PUT request: 503 Service Unavailable',
];

describe('planImage (docker, push to main)', () => {
  it('plans tags, cache refs and the exact buildx command', () => {
    const plan = planImage(inputs({ 'build-args': 'EXTRA=1', secrets: 'HF_TOKEN' }), mainPush, 'docker', '/w');
    expect(plan.tags).toEqual(['main-vllm-runtime-cuda12-amd64', `${SHA}-vllm-runtime-cuda12-amd64`]);
    expect(plan.plain).toBe('vllm-runtime-cuda12-amd64');
    expect(plan.buildArgs).toEqual([
      'buildx',
      'build',
      '--progress=plain',
      '--file',
      'Dockerfile',
      '--target',
      'runtime',
      '--platform',
      'linux/amd64',
      '--build-arg',
      `DYNAMO_COMMIT_SHA=${SHA}`,
      '--build-arg',
      'EXTRA=1',
      '--label',
      'org.opencontainers.image.source=https://github.com/ai-dynamo/dynamo',
      '--label',
      `org.opencontainers.image.revision=${SHA}`,
      '--label',
      'org.opencontainers.image.version=main-vllm-runtime-cuda12-amd64',
      '--label',
      'org.opencontainers.image.created=2026-04-21T00:00:00.000Z',
      '--secret',
      'id=HF_TOKEN,env=HF_TOKEN',
      '--tag',
      'ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64',
      '--tag',
      `ecr.example/ai-dynamo/dynamo:${SHA}-vllm-runtime-cuda12-amd64`,
      '--cache-from',
      'type=registry,ref=ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64-cache',
      '--cache-from',
      'type=registry,ref=ecr.example/ai-dynamo/dynamo:release-vllm-runtime-cuda12-amd64-cache',
      '--cache-to',
      'type=registry,ref=ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64-cache,mode=max,ignore-error=true',
      '--metadata-file',
      '/w/metadata.json',
      '--iidfile',
      '/w/iid',
      '--push',
      '--',
      '.',
    ]);
  });

  it('a user build-arg and label override the defaults', () => {
    const plan = planImage(
      inputs({ 'build-args': 'DYNAMO_COMMIT_SHA=pinned', labels: 'org.opencontainers.image.source=https://mirror' }),
      mainPush,
      'docker',
      '/w',
    );
    expect(plan.build.buildArgs).toEqual([['DYNAMO_COMMIT_SHA', 'pinned']]);
    expect(Object.fromEntries(plan.build.labels)['org.opencontainers.image.source']).toBe('https://mirror');
  });
});

describe('runBuild (docker)', () => {
  it('reruns buildx after a transient push failure, with backoff, and reads the digest', async () => {
    const plan = planImage(inputs(), mainPush, 'docker', '/w');
    const { ports, calls, sleeps, warnings } = fakePorts(
      [
        { exitCode: 1, lines: pushFailure503 },
        { exitCode: 0, lines: ['#5 [1/1] COPY a.txt /a.txt', '#5 CACHED'] },
      ],
      { '/w/metadata.json': JSON.stringify({ 'containerimage.digest': DIGEST }) },
    );
    const outcome = await runBuild(plan, 60_000, 3, ports);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.digest).toBe(DIGEST);
    expect(outcome.pushAttempts).toBe(2);
    expect(outcome.cachedSteps).toBe(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual(calls[0]);
    expect(sleeps).toEqual([100]);
    expect(warnings[0]).toMatch(/transient registry error; retrying/);
    const metadata = buildMetadata(outcome);
    expect(outputs(metadata)).toMatchObject({
      digest: DIGEST,
      'image-ref': `ecr.example/ai-dynamo/dynamo@${DIGEST}`,
      'cached-steps': 1,
    });
  });

  it('gives up after push-retries and says so', async () => {
    const plan = planImage(inputs(), mainPush, 'docker', '/w');
    const failing = { exitCode: 1, lines: pushFailure503 };
    const { ports, calls, sleeps } = fakePorts([failing, failing, failing]);
    const outcome = await runBuild(plan, 60_000, 2, ports);
    expect(outcome.status).toBe('push-failed');
    expect(outcome.message).toBe(
      'Pushing ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64 failed after 3 attempt(s) (exit code 1): failed to push ecr.example/ai-dynamo/dynamo:main-vllm-runtime-cuda12-amd64: unexpected status from PUT request: 503 Service Unavailable (the log tail is in the job summary)',
    );
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not rerun a failed build step or a denied push', async () => {
    const plan = planImage(inputs(), mainPush, 'docker', '/w');
    const build = fakePorts([
      {
        exitCode: 1,
        lines: ['#6 [2/2] RUN make', 'ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2'],
      },
    ]);
    expect((await runBuild(plan, 60_000, 3, build.ports)).status).toBe('build-failed');
    expect(build.calls).toHaveLength(1);
    const denied = fakePorts([
      { exitCode: 1, lines: ['#9 pushing layers', 'ERROR: failed to push x: unexpected status: 401 Unauthorized'] },
    ]);
    expect((await runBuild(plan, 60_000, 3, denied.ports)).status).toBe('push-failed');
    expect(denied.calls).toHaveLength(1);
  });

  it('reports a timeout and an empty digest without a push', async () => {
    const plan = planImage(inputs({ push: 'false' }), mainPush, 'docker', '/w');
    const { ports } = fakePorts([{ exitCode: 143, lines: ['#5 [1/1] RUN sleep 1000'], timedOut: true }]);
    const outcome = await runBuild(plan, 90_000, 3, ports);
    expect(outcome.status).toBe('timed-out');
    expect(outcome.message).toBe('The build did not finish within timeout-minutes (1.5 minute(s)) and was stopped');
  });
});

describe('runBuild (buildah)', () => {
  it('builds once more without exporting the layer cache when only the export failed', async () => {
    const plan = planImage(inputs({ push: 'false' }), mainPush, 'buildah', '/w');
    expect(plan.build.cache.to).toBeDefined();
    // buildah's own words when the cache registry rejects the export (it has no ignore-error).
    const exportFailure = [
      'STEP 1/3: FROM scratch AS runtime',
      `--> Pushing cache ${plan.build.cache.to}:ee3fa7d0`,
      `Error: failed pushing cache to {{{"127.0.0.1:5000" "ai-dynamo/dynamo-cache"} "ee3fa7d0"}}: writing manifest: manifest blob unknown: blob unknown to registry`,
    ];
    const { ports, calls, warnings } = fakePorts([
      { exitCode: 125, lines: exportFailure },
      { exitCode: 0, lines: ['STEP 1/3: FROM scratch AS runtime', 'COMMIT'] },
    ]);
    const outcome = await runBuild(plan, 60_000, 3, ports);
    expect(outcome.status).toBe('succeeded');
    expect(calls[0]).toContain('--cache-to');
    const withoutExport = (calls[0] as string[]).filter(
      (arg, index, all) => arg !== '--cache-to' && all[index - 1] !== '--cache-to',
    );
    expect(calls[1]).toEqual(withoutExport);
    expect(warnings).toEqual([
      `Exporting the layer cache to ${plan.build.cache.to} failed; building again without exporting it`,
    ]);
  });

  it('does not rerun a build that failed for another reason', async () => {
    const plan = planImage(inputs({ push: 'false' }), mainPush, 'buildah', '/w');
    const { ports, calls } = fakePorts([
      { exitCode: 1, lines: ['STEP 2/3: RUN make', 'Error: building at STEP "RUN make": exit status 2'] },
    ]);
    expect((await runBuild(plan, 60_000, 3, ports)).status).toBe('build-failed');
    expect(calls).toHaveLength(1);
  });
});

describe('resolveEngine', () => {
  const probes: string[] = [];
  const exec = (working: string[]) => async (command: string, args: string[]) => {
    probes.push([command, ...args].join(' '));
    return { exitCode: working.includes(command) ? 0 : 1, stdout: '', stderr: '' };
  };
  it('prefers docker buildx, falls back to buildah, and explains when neither works', async () => {
    expect(await resolveEngine('auto', { exec: exec(['docker', 'buildah']) })).toBe('docker');
    expect(await resolveEngine('auto', { exec: exec(['buildah']) })).toBe('buildah');
    await expect(resolveEngine('auto', { exec: exec([]) })).rejects.toThrow(
      /found neither a working 'docker buildx' \(docker buildx inspect failed\) nor 'buildah'/,
    );
    expect(await resolveEngine('docker', { exec: exec(['docker']) })).toBe('docker');
    expect(await resolveEngine('buildah', { exec: exec([]) })).toBe('buildah');
    expect(await resolveEngine('auto', { exec: exec(['docker']) }, 'b-1-1')).toBe('docker');
    expect(probes).toContain('docker buildx inspect --builder b-1-1');
    expect(probes).toContain('docker buildx inspect');
  });
});

describe('engine: docker without buildx', () => {
  it.each([
    [
      "docker: 'buildx' is not a docker command.\nSee 'docker --help'",
      " (docker buildx version: docker: 'buildx' is not a docker command.)",
    ],
    [
      "docker: unknown command: docker buildx\n\nRun 'docker --help' for more information",
      ' (docker buildx version: docker: unknown command: docker buildx)',
    ],
    ['', ''],
  ])('is refused with the plugin named and the fix: %j', async (stderr, said) => {
    const exec = async () => ({ exitCode: 1, stdout: '', stderr });
    await expect(resolveEngine('docker', { exec })).rejects.toThrow(
      `engine: docker builds with the docker buildx plugin, which this runner's docker lacks${said}. Install it (docker/setup-buildx-action, or the docker-buildx-plugin package), or set engine: buildah (engine: auto picks buildah when buildx is missing).`,
    );
  });
});

describe('checkDisk', () => {
  it('fails early with the numbers, and 0 skips', async () => {
    const diskSpace = async () => ({
      path: '/var/lib/docker',
      freeBytes: 12.34 * 1024 ** 3,
      totalBytes: 80 * 1024 ** 3,
    });
    await expect(checkDisk(20, '/var/lib/docker', { diskSpace })).rejects.toThrow(
      'Only 12.3 GB free on /var/lib/docker (of 80.0 GB) but min-free-disk-gb is 20; free space before the build (remove unused images and tool caches) or lower min-free-disk-gb',
    );
    expect(await checkDisk(10, '/x', { diskSpace })).toMatchObject({ freeBytes: 12.34 * 1024 ** 3 });
    expect(await checkDisk(0, '/x', { diskSpace })).toBeUndefined();
  });
});

describe('renderSummary', () => {
  it('shows the log tail on failure with secrets redacted, line by line', async () => {
    const plan = planImage(inputs(), mainPush, 'docker', '/w');
    const lines = Array.from({ length: 100 }, (_, index) => `line ${index}`);
    lines.push('token=hf_abc123 leaked by a RUN echo', 'ERROR: failed to solve');
    const { ports } = fakePorts([{ exitCode: 1, lines }]);
    const outcome = await runBuild(plan, 60_000, 0, ports);
    const summary = renderSummary(outcome, buildMetadata(outcome), 10, ['hf_abc123']);
    expect(summary).toContain('build failed');
    expect(summary).toContain('token=*** leaked');
    expect(summary).not.toContain('hf_abc123');
    expect(summary).toContain('line 99');
    expect(summary).not.toContain('line 91\n');
    expect(summary).toContain('**Last 10 lines of the log**');
  });
});

describe('checkBuildFiles', () => {
  const tree: Record<string, 'file' | 'directory'> = {
    '/w/container/Dockerfile.vllm': 'file',
    '/w/container': 'directory',
    '/w': 'directory',
  };
  const kind = (path: string) => tree[path];

  it('passes paths from the workspace that are there', () => {
    expect(() => checkBuildFiles({ dockerfile: 'container/Dockerfile.vllm', context: '.' }, '/w', kind)).not.toThrow();
  });

  it.each([
    [
      { dockerfile: 'container/Dockerfile.sglang', context: '.' },
      `Input 'dockerfile' names "container/Dockerfile.sglang", which is not a file in /w: give its path from the workspace root, and check out the repository before this step.`,
    ],
    [{ dockerfile: 'container', context: '.' }, `Input 'dockerfile' names "container", which is not a file in /w`],
    [
      { dockerfile: 'container/Dockerfile.vllm', context: 'container/Dockerfile.vllm' },
      `Input 'context' names "container/Dockerfile.vllm", which is not a directory in /w`,
    ],
  ])('refuses %j before anything starts', (files, message) => {
    expect(() => checkBuildFiles(files, '/w', kind)).toThrow(message);
  });
});

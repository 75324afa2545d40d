/**
 * The bundle against the real thing: Debian's buildah (vfs storage, chroot isolation) building
 * `FROM scratch` images and Debian's docker-registry on 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { type JobOptions, SimulatedJob, type StepResult, scratchDir } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildahEnvironment, FaultyProxy, Registry, removeTree, skipWithoutTools } from './registry.js';

const SHA1 = '1111111111111111111111111111111111111111';
const SHA2 = '2222222222222222222222222222222222222222';
const SECRET = 'hf_s3cr3t-value-that-must-never-print';
const skip = skipWithoutTools();

describe.skipIf(skip)('build-container with buildah and a real registry', () => {
  let registry: Registry;
  let scratch: string;
  const jobs: SimulatedJob[] = [];

  beforeAll(async () => {
    registry = await Registry.start();
    scratch = scratchDir('build-container-test-');
  });
  afterAll(() => {
    for (const job of jobs) job.cleanup();
    registry?.stop();
    if (scratch) removeTree(scratch);
  });

  /** A fresh runner: its own workspace, buildah storage and build context. */
  function runnerJob(name: string, options: JobOptions, files: Record<string, string>): SimulatedJob {
    const root = join(scratch, name);
    mkdirSync(root, { recursive: true });
    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    for (const [file, content] of Object.entries(files)) writeFileSync(join(workspace, file), content);
    const job = new SimulatedJob({ ...options, workspace, env: { ...buildahEnvironment(root), ...options.env } });
    jobs.push(job);
    return job;
  }

  const DOCKERFILE = 'FROM scratch AS runtime\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\nCOPY c.txt /c.txt\n';
  const common = {
    'image-name': '',
    framework: 'vllm',
    target: 'runtime',
    'cuda-version': '12.9',
    platforms: 'linux/amd64',
    push: true,
    'insecure-registry': true,
    engine: 'buildah',
    secrets: 'HF_TOKEN',
    'min-free-disk-gb': '0.001',
    'push-retry-delay': '100ms',
  };
  const mainPush: JobOptions = { eventName: 'push', ref: 'refs/heads/main', sha: SHA1 };
  const pullRequest: JobOptions = {
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    sha: 'ffffffffffffffffffffffffffffffffffffffff',
    event: { pull_request: { number: 7, head: { sha: SHA2 } } },
  };

  function expectNoSecret(result: StepResult): void {
    expect(result.masks).toContain(SECRET);
    expect(JSON.stringify(result.outputs)).not.toContain(SECRET);
    expect(JSON.stringify(result.state)).not.toContain(SECRET);
    expect(result.summary).not.toContain(SECRET);
  }

  it('builds on main, pushes every tag, writes the cache; a PR on a fresh runner reuses it and writes nothing', async () => {
    const image = `${registry.host}/ai-dynamo/dynamo`;
    const files = { Dockerfile: DOCKERFILE, 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'main\n' };
    const first = await runnerJob('main', mainPush, files).run('build-container', {
      inputs: { ...common, 'image-name': image, tags: 'main-{framework}-{cuda}' },
      env: { HF_TOKEN: SECRET },
    });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expectNoSecret(first);

    const tag = 'main-vllm-runtime-cuda12-amd64';
    expect(first.outputs.image).toBe(`${image}:${tag}`);
    expect(first.outputs.tag).toBe(tag);
    expect(JSON.parse(first.outputs.tags as string)).toEqual([
      `${image}:${tag}`,
      `${image}:${SHA1}-vllm-runtime-cuda12-amd64`,
      `${image}:main-vllm-cuda12`,
    ]);
    const served = await registry.manifestDigest('ai-dynamo/dynamo', tag);
    expect(first.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.outputs.digest).toBe(served);
    expect(await registry.manifestDigest('ai-dynamo/dynamo', `${SHA1}-vllm-runtime-cuda12-amd64`)).toBe(served);
    expect(await registry.manifestDigest('ai-dynamo/dynamo', 'main-vllm-cuda12')).toBe(served);
    expect(first.outputs['image-ref']).toBe(`${image}@${served}`);
    expect(first.outputs['cached-steps']).toBe('0');
    expect(Number(first.outputs['duration-seconds'])).toBeGreaterThan(0);

    const metadata = JSON.parse(first.outputs.metadata as string);
    expect(metadata).toMatchObject({
      engine: 'buildah',
      pushed: true,
      plainTag: 'vllm-runtime-cuda12-amd64',
      totalSteps: 3,
      cache: { from: [`${image}-cache`], to: `${image}-cache` },
      labels: { 'org.opencontainers.image.revision': SHA1, 'org.opencontainers.image.version': tag },
    });
    const manifest = await registry.manifest('ai-dynamo/dynamo', tag);
    const config = await registry.blob('ai-dynamo/dynamo', manifest.config.digest);
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.revision': SHA1,
      'org.opencontainers.image.source': 'https://github.com/ai-dynamo/dynamo',
    });
    expect(config.architecture).toBe('amd64');
    const cacheTags = await registry.tags('ai-dynamo/dynamo-cache');
    expect(cacheTags.length).toBeGreaterThanOrEqual(3);
    expect(first.summary).toContain('0/3 steps cached');

    // A PR on another runner: same first two files, a changed third one.
    const second = await runnerJob('pr', pullRequest, { ...files, 'c.txt': 'pr change\n' }).run('build-container', {
      inputs: { ...common, 'image-name': image },
      env: { HF_TOKEN: SECRET },
    });
    expect(second.errors).toEqual([]);
    expect(second.exitCode).toBe(0);
    expect(second.outputs.image).toBe(`${image}:${SHA2}-vllm-runtime-cuda12-amd64`);
    expect(second.outputs['cached-steps']).toBe('2');
    expect(second.log.some((line) => line.includes('Cache pulled from remote'))).toBe(true);
    expect(JSON.parse(second.outputs.metadata as string).cache).toEqual({ from: [`${image}-cache`], to: null });
    expect(await registry.tags('ai-dynamo/dynamo-cache')).toEqual(cacheTags);
    expect(second.outputs.digest).toBe(
      await registry.manifestDigest('ai-dynamo/dynamo', `${SHA2}-vllm-runtime-cuda12-amd64`),
    );
    expect(second.outputs.digest).not.toBe(first.outputs.digest);
    expect(second.summary).toContain('2/3 steps cached');
    expect(second.summary).toContain('not written (only main/release pushes write)');
  });

  it('pushes a multi-arch manifest list whose digest is the registry index digest', async () => {
    const image = `${registry.host}/ai-dynamo/multi`;
    const files = {
      Dockerfile: 'FROM scratch\nARG TARGETARCH\nCOPY ${TARGETARCH}.bin /app.bin\nCOPY a.txt /a.txt\n',
      'amd64.bin': 'x86',
      'arm64.bin': 'aarch64',
      'a.txt': 'shared',
    };
    const result = await runnerJob('multi', pullRequest, files).run('build-container', {
      inputs: { ...common, 'image-name': image, target: '', secrets: '', platforms: 'linux/amd64,linux/arm64' },
    });
    expect(result.errors).toEqual([]);
    const tag = `${SHA2}-vllm-cuda12`;
    expect(result.outputs.image).toBe(`${image}:${tag}`);
    expect(result.outputs.digest).toBe(await registry.manifestDigest('ai-dynamo/multi', tag));
    const index = await registry.manifest('ai-dynamo/multi', tag);
    expect(index.manifests.map((entry: any) => entry.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    // Steps are counted per platform: ARG and two COPYs, twice.
    expect(JSON.parse(result.outputs.metadata as string).totalSteps).toBe(6);
  });

  it('refuses a manifest list that buildah left short of a platform', async () => {
    const result = await runnerJob('short', pullRequest, {
      Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\n',
      'a.txt': 'same',
    }).run('build-container', {
      inputs: {
        ...common,
        'image-name': `${registry.host}/ai-dynamo/short`,
        target: '',
        secrets: '',
        platforms: 'amd64,arm64',
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(
      /^The manifest list \S+ lacks linux\/(amd64|arm64): buildah reused another platform's cached image/,
    );
    expect(await registry.tags('ai-dynamo/short')).toEqual([]);
  });

  it('retries a transient 503 on the manifest upload and succeeds', async () => {
    let failures = 1;
    const proxy = await FaultyProxy.start(registry.host, (request) => {
      if (request.method === 'PUT' && request.url?.includes('/manifests/') && failures > 0) {
        failures--;
        return 503;
      }
      return undefined;
    });
    try {
      const image = `${proxy.host}/ai-dynamo/retry`;
      const result = await runnerJob('retry', pullRequest, {
        Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\n',
        'a.txt': 'r',
      }).run('build-container', { inputs: { ...common, 'image-name': image, target: '', secrets: '', cache: 'off' } });
      expect(result.errors).toEqual([]);
      expect(result.exitCode).toBe(0);
      expect(result.warnings.map((warning) => warning.message).join('\n')).toMatch(
        /transient registry error \(attempt 1\)/,
      );
      expect(JSON.parse(result.outputs.metadata as string).pushAttempts).toBe(2);
      expect(result.outputs.digest).toBe(await registry.manifestDigest('ai-dynamo/retry', `${SHA2}-vllm-cuda12-amd64`));
    } finally {
      await proxy.stop();
    }
  });

  it('does not retry a 401 and shows the log tail in the summary', async () => {
    const proxy = await FaultyProxy.start(registry.host, (request) =>
      request.method === 'PUT' && request.url?.includes('/manifests/') ? 401 : undefined,
    );
    try {
      const image = `${proxy.host}/ai-dynamo/denied`;
      const result = await runnerJob('denied', pullRequest, {
        Dockerfile: 'FROM scratch\nCOPY a.txt /a.txt\n',
        'a.txt': 'd',
      }).run('build-container', { inputs: { ...common, 'image-name': image, target: '', secrets: '', cache: 'off' } });
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((error) => error.message)).toEqual([
        `Pushing ${image}:${SHA2}-vllm-cuda12-amd64 failed (exit code 125) after 1 attempt(s): pushing image "${image}:${SHA2}-vllm-cuda12-amd64" to "docker://${image}:${SHA2}-vllm-cuda12-amd64": writing manifest: uploading manifest ${SHA2}-vllm-cuda12-amd64 to ${image}: unavailable: injected 401 (the log tail is in the job summary)`,
      ]);
      // containers/image tries each manifest format once per push; a retry would double these.
      const manifestPuts = proxy.requests.filter((line) => line.startsWith('PUT') && line.includes('/manifests/'));
      expect(manifestPuts.length).toBeGreaterThan(0);
      expect(JSON.parse(result.outputs.metadata as string).pushAttempts).toBe(1);
      expect(result.warnings).toEqual([]);
      expect(result.summary).toContain('push failed');
      expect(result.summary).toMatch(/401|unauthorized/i);
    } finally {
      await proxy.stop();
    }
  });

  it('fails a broken build with the log tail in the summary and no secret anywhere', async () => {
    const result = await runnerJob('broken', pullRequest, { Dockerfile: 'FROM scratch\nCOPY missing.txt /m\n' }).run(
      'build-container',
      {
        inputs: { ...common, 'image-name': `${registry.host}/ai-dynamo/broken`, target: '' },
        env: { HF_TOKEN: SECRET },
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      `buildah build failed with exit code 125: building at STEP "COPY missing.txt /m": checking on sources under "${join(scratch, 'broken', 'workspace')}": copier: stat: "/missing.txt": no such file or directory (the log tail is in the job summary)`,
    ]);
    expect(result.summary).toContain('build failed');
    expect(result.summary).toContain('missing.txt');
    expect(result.outputs.digest).toBe('');
    expectNoSecret(result);
    expect(await registry.tags('ai-dynamo/broken')).toEqual([]);
  });

  it('shows what a RUN step prints as text: it creates no annotation, mask or output', async () => {
    const forged = ['::add-mask::x', '::error::x', '::set-output name=a::b', '##[error]x'];
    const workspace = join(scratch, 'forged', 'workspace');
    const job = runnerJob('forged', pullRequest, {
      Dockerfile: `FROM scratch AS runtime\nCOPY rootfs/ /\nRUN ${forged.map((line) => `echo '${line}'`).join('; ')}\n`,
    });
    copyShell(join(workspace, 'rootfs'));
    const result = await job.run('build-container', {
      inputs: { ...common, 'image-name': `${registry.host}/ai-dynamo/forged`, push: false, secrets: '' },
    });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toEqual([]);
    expect(result.masks).toEqual([]);
    expect(result.outputs.a).toBeUndefined();
    // The RUN printed every line, and buildah echoed the step (with `##[error]x` inside it) too.
    for (const line of forged) expect(result.log).toContain(line);
    expect(result.log.some((line) => /^STEP \d+\/\d+: RUN/.test(line) && line.includes('##[error]x'))).toBe(true);
  });

  it.each([
    [
      'a target the Dockerfile lacks',
      'FROM scratch AS base\nCOPY a.txt /a.txt\n',
      'buildah build failed with exit code 125: The target "runtime" was not found in the provided Dockerfile (the log tail is in the job summary)',
    ],
    [
      'a RUN step that fails',
      "FROM scratch AS runtime\nCOPY rootfs/ /\nRUN echo 'Error: printed by the step'; exit 3\n",
      `buildah build failed with exit code 3: building at STEP "RUN echo 'Error: printed by the step'; exit 3": exit status 3 (the log tail is in the job summary)`,
    ],
  ])("puts the engine's own last error line in the annotation: %s", async (name, dockerfile, message) => {
    const folder = name.replace(/\W+/g, '-');
    const job = runnerJob(folder, pullRequest, { Dockerfile: dockerfile, 'a.txt': 'a\n' });
    copyShell(join(scratch, folder, 'workspace', 'rootfs'));
    const result = await job.run('build-container', {
      inputs: { ...common, 'image-name': `${registry.host}/ai-dynamo/failing`, push: false, secrets: '' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([message]);
  });

  it('fails on a missing Dockerfile before starting anything, naming the file and the input', async () => {
    const job = runnerJob('no-dockerfile', pullRequest, { 'a.txt': 'a\n' });
    const result = await job.run('build-container', {
      inputs: { ...common, 'image-name': `${registry.host}/ai-dynamo/none`, dockerfile: 'container/Dockerfile.vllm' },
      env: { HF_TOKEN: SECRET },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      `Input 'dockerfile' names "container/Dockerfile.vllm", which is not a file in ${job.workspace}: give its path from the workspace root, and check out the repository before this step.`,
    ]);
    // No engine was asked anything: no engine line, no build group, no storage.
    expect(result.log).toEqual([]);
    expect(existsSync(join(scratch, 'no-dockerfile', 'storage', 'graph'))).toBe(false);
  });

  describe('deadline and cancellation stop the whole build', () => {
    let hanging: Server;
    let url = '';
    beforeAll(async () => {
      // ADD from a URL that never answers: the build blocks until it is stopped.
      hanging = createServer(() => {});
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/weights.bin`;
    });
    afterAll(() => {
      hanging.closeAllConnections();
      hanging.close();
    });

    function buildahProcessesFor(marker: string): string[] {
      const listing = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
      return listing.split('\n').filter((line) => line.includes(marker) && line.includes('buildah'));
    }

    it('timeout-minutes stops buildah and reports it', async () => {
      const job = runnerJob('timeout', pullRequest, { Dockerfile: `FROM scratch\nADD ${url} /w\n` });
      const result = await job.run('build-container', {
        inputs: {
          ...common,
          'image-name': `${registry.host}/ai-dynamo/slow`,
          target: '',
          secrets: '',
          'timeout-minutes': '0.04',
          context: job.workspace,
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((error) => error.message)).toEqual([
        'The build did not finish within timeout-minutes (0.04 minute(s)) and was stopped',
      ]);
      expect(result.durationMs).toBeLessThan(20_000);
      expect(result.summary).toContain('timed out');
      expect(buildahProcessesFor(job.workspace)).toEqual([]);
    });

    it('cancellation (SIGINT from the runner) stops buildah too', async () => {
      const job = runnerJob('cancel', pullRequest, { Dockerfile: `FROM scratch\nADD ${url} /w\n` });
      const result = await job.run('build-container', {
        inputs: {
          ...common,
          'image-name': `${registry.host}/ai-dynamo/slow`,
          target: '',
          secrets: '',
          context: job.workspace,
        },
        cancelAfterMs: 1500,
      });
      expect(result.cancelled).toBe(true);
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((error) => error.message)).toEqual(['The build was cancelled and stopped']);
      expect(buildahProcessesFor(job.workspace)).toEqual([]);
    });
  });

  it('fails before building when the disk is too full, with the numbers', async () => {
    const job = runnerJob('disk', pullRequest, { Dockerfile: 'FROM scratch\n' });
    const result = await job.run('build-container', {
      inputs: {
        ...common,
        'image-name': `${registry.host}/ai-dynamo/disk`,
        secrets: '',
        'min-free-disk-gb': '1000000',
        'disk-path': job.workspace,
      },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(
      /^Only \d+\.\d GB free on \/\S+ \(of \d+\.\d GB\) but min-free-disk-gb is 1000000; free space before the build/,
    );
    expect(result.log.some((line) => line.startsWith('STEP '))).toBe(false);
    expect(result.outputs).toEqual({});
  });

  it('refuses a required secret whose variable is empty, before building', async () => {
    const job = runnerJob('secret', pullRequest, { Dockerfile: 'FROM scratch\n' });
    const result = await job.run('build-container', {
      inputs: { ...common, 'image-name': `${registry.host}/ai-dynamo/secret`, secrets: 'hf=HF_TOKEN' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      "Build secret 'hf' needs environment variable HF_TOKEN, which is empty; set it on the step (env: HF_TOKEN: ${{ secrets.HF_TOKEN }}) or mark it optional with 'HF_TOKEN?' in secrets",
    ]);
    const optional = await job.run('build-container', {
      inputs: {
        ...common,
        'image-name': `${registry.host}/ai-dynamo/secret`,
        secrets: 'hf=HF_TOKEN?',
        target: '',
        push: false,
      },
    });
    expect(optional.exitCode).toBe(0);
    expect(optional.warnings.map((warning) => warning.message)).toContain(
      "Build secret 'hf' skipped: environment variable HF_TOKEN is empty (fork PRs get no secrets)",
    );
    expect(optional.outputs.digest).toBe('');
    expect(optional.outputs['image-id']).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('build-container input errors (no tools needed)', () => {
  const job = new SimulatedJob({ eventName: 'push', ref: 'refs/heads/main', sha: SHA1 });
  // The files are there: each case is about its input alone.
  writeFileSync(join(job.workspace, 'Dockerfile'), 'FROM scratch\n');
  afterAll(() => job.cleanup());

  it.each([
    [{ 'image-name': 'nvcr.io/acme/dynamo:latest' }, /^Input 'image-name' must be a repository without tag or digest/],
    [{ 'image-name': 'nvcr.io/Acme/dynamo' }, /^Input 'image-name' must be a repository/],
    [{ framework: '' }, /^Input required and not supplied: framework/],
    [
      { 'cuda-version': 'twelve' },
      /^Input 'cuda-version' must be a CUDA version like 12.9 or 13.0, or cpu, got "twelve"/,
    ],
    [{ platforms: 'linux/amd64,$(id)' }, /^Input 'platforms' must list platforms like linux\/amd64/],
    [{ engine: 'podman' }, /^Input 'engine' must be one of auto\|docker\|buildah, got "podman"/],
    [{ 'timeout-minutes': '0' }, /^Input 'timeout-minutes' must be more than 0/],
    [{ 'timeout-minutes': 'soon' }, /^Input 'timeout-minutes' must be a duration like 90s/],
    [{ 'build-args': 'NOEQUALS' }, /^Input 'build-args' line 1 must be KEY=VALUE/],
    [{ secrets: 'HF-TOKEN' }, /^Input 'secrets' entries must be an environment variable name/],
    [{ tags: 'a b' }, /^Image tag "a b" is not valid/],
    [{ 'tag-prefix': '--force' }, /^Input 'tag-prefix' must be letters/],
    [{ 'arch-suffix': 'true', platforms: 'amd64,arm64' }, /^Input 'arch-suffix' is true but 'platforms' lists several/],
    [{ 'push-retries': '-1' }, /^Input 'push-retries' must be .*-1/],
  ])('%j', async (inputs, message) => {
    const result = await job.run('build-container', {
      inputs: { 'image-name': '127.0.0.1:5000/ai-dynamo/dynamo', framework: 'vllm', engine: 'buildah', ...inputs },
    });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.message).toMatch(message);
    expect(result.outputs).toEqual({});
  });
});

/**
 * A shell for `FROM scratch` images: this machine's /bin/sh with the libraries `ldd` names, copied
 * to the same paths under `rootfs` (so a RUN step works with no base image and no download).
 */
function copyShell(rootfs: string): void {
  const libraries = execFileSync('ldd', ['/bin/sh'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /(\/\S+) \(0x/.exec(line)?.[1])
    .filter((path): path is string => path !== undefined);
  for (const path of ['/bin/sh', ...libraries]) {
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    copyFileSync(path, join(rootfs, path));
  }
}

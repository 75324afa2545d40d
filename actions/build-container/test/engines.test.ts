import { describe, expect, it } from 'vitest';
import {
  type BuildPlan,
  buildahBuildArgs,
  buildahPushArgs,
  countSteps,
  dockerBuildArgs,
  engineErrorLine,
  isDockerPushFailure,
  isTransientRegistryError,
  parseDockerMetadata,
} from '../src/engines.js';

const repo = 'ecr.example/ai-dynamo/dynamo';
const base: BuildPlan = {
  engine: 'docker',
  refs: [`${repo}:main-vllm-runtime-cuda12`, `${repo}:abc-vllm-runtime-cuda12`],
  platforms: ['linux/amd64', 'linux/arm64'],
  dockerfile: 'container/Dockerfile --evil',
  context: '-ctx dir',
  target: 'runtime',
  buildArgs: [
    ['DYNAMO_COMMIT_SHA', 'abc'],
    ['EXTRA', 'a b=$(id)'],
  ],
  secrets: [{ id: 'hf', env: 'HF_TOKEN' }],
  labels: [['org.opencontainers.image.revision', 'abc']],
  cache: { from: [`${repo}:main-x-cache`, `${repo}:release-x-cache`], to: `${repo}:main-x-cache` },
  noCache: false,
  push: true,
  load: false,
  insecureRegistry: false,
  metadataFile: '/tmp/w/metadata.json',
  iidFile: '/tmp/w/iid',
};

describe('docker buildx argv', () => {
  it('is exactly this for a pushed multi-arch build on main', () => {
    expect(dockerBuildArgs(base)).toEqual([
      'buildx',
      'build',
      '--progress=plain',
      '--file',
      'container/Dockerfile --evil',
      '--target',
      'runtime',
      '--platform',
      'linux/amd64,linux/arm64',
      '--build-arg',
      'DYNAMO_COMMIT_SHA=abc',
      '--build-arg',
      'EXTRA=a b=$(id)',
      '--label',
      'org.opencontainers.image.revision=abc',
      '--secret',
      'id=hf,env=HF_TOKEN',
      '--tag',
      `${repo}:main-vllm-runtime-cuda12`,
      '--tag',
      `${repo}:abc-vllm-runtime-cuda12`,
      '--cache-from',
      `type=registry,ref=${repo}:main-x-cache`,
      '--cache-from',
      `type=registry,ref=${repo}:release-x-cache`,
      '--cache-to',
      `type=registry,ref=${repo}:main-x-cache,mode=max,ignore-error=true`,
      '--metadata-file',
      '/tmp/w/metadata.json',
      '--iidfile',
      '/tmp/w/iid',
      '--push',
      '--',
      '-ctx dir',
    ]);
  });

  it('PR build: no cache-to, insecure registry output, load, builder, no-cache', () => {
    const args = dockerBuildArgs({
      ...base,
      platforms: [],
      target: undefined,
      buildArgs: [],
      labels: [],
      secrets: [],
      refs: [`${repo}:abc-vllm`],
      cache: { from: [`${repo}:main-x-cache`] },
      insecureRegistry: true,
      load: true,
      builder: 'b-1-1',
    });
    expect(args).toEqual([
      'buildx',
      'build',
      '--builder',
      'b-1-1',
      '--progress=plain',
      '--file',
      'container/Dockerfile --evil',
      '--tag',
      `${repo}:abc-vllm`,
      '--cache-from',
      `type=registry,ref=${repo}:main-x-cache,registry.insecure=true`,
      '--metadata-file',
      '/tmp/w/metadata.json',
      '--iidfile',
      '/tmp/w/iid',
      '--output',
      'type=image,push=true,registry.insecure=true',
      '--load',
      '--',
      '-ctx dir',
    ]);
    expect(dockerBuildArgs({ ...base, noCache: true, cache: { from: ['x'] } })).toContain('--no-cache');
    expect(dockerBuildArgs({ ...base, noCache: true, cache: { from: ['x'] } })).not.toContain('--cache-from');
  });

  it('never puts a secret value on the command line, only its variable name', () => {
    expect(dockerBuildArgs(base).join(' ')).not.toMatch(/hf_[A-Za-z]/);
    expect(buildahBuildArgs({ ...base, engine: 'buildah' })).toContain('id=hf,env=HF_TOKEN');
  });
});

describe('buildah argv', () => {
  const buildah: BuildPlan = { ...base, engine: 'buildah', cache: { from: [`${repo}-cache`], to: `${repo}-cache` } };
  it('single platform: tags, layers, cache, tls', () => {
    expect(
      buildahBuildArgs({ ...buildah, platforms: ['linux/amd64'], insecureRegistry: true, buildArgs: [], labels: [] }),
    ).toEqual([
      'build',
      '--layers',
      '--file',
      'container/Dockerfile --evil',
      '--target',
      'runtime',
      '--platform',
      'linux/amd64',
      '--secret',
      'id=hf,env=HF_TOKEN',
      '--tag',
      `${repo}:main-vllm-runtime-cuda12`,
      '--tag',
      `${repo}:abc-vllm-runtime-cuda12`,
      '--cache-from',
      `${repo}-cache`,
      '--cache-to',
      `${repo}-cache`,
      '--tls-verify=false',
      '--iidfile',
      '/tmp/w/iid',
      '--',
      '-ctx dir',
    ]);
  });
  it('several platforms build a manifest list and push it with --all', () => {
    const args = buildahBuildArgs(buildah);
    expect(args).toContain('--manifest');
    expect(args).not.toContain('--tag');
    expect(args).not.toContain('--iidfile');
    expect(buildahPushArgs(buildah, `${repo}:abc-vllm-runtime-cuda12`, '/tmp/d')).toEqual([
      'manifest',
      'push',
      '--all',
      '--digestfile',
      '/tmp/d',
      '--',
      `${repo}:main-vllm-runtime-cuda12`,
      `docker://${repo}:abc-vllm-runtime-cuda12`,
    ]);
    expect(buildahPushArgs({ ...buildah, platforms: [], insecureRegistry: true }, `${repo}:t`, '/tmp/d')).toEqual([
      'push',
      '--retry=0',
      '--digestfile',
      '/tmp/d',
      '--tls-verify=false',
      '--',
      `${repo}:main-vllm-runtime-cuda12`,
      `docker://${repo}:t`,
    ]);
  });
});

describe('countSteps', () => {
  it('reads buildah output', () => {
    const log = [
      'STEP 1/3: FROM scratch',
      'STEP 2/3: COPY a.txt /a.txt',
      '--> Cache pulled from remote x:abc',
      '--> Using cache 3050fe0a11e05df4639821f203097427c8abd9f972713d9f177b30d8def04b4f',
      '--> 3050fe0a11e',
      'STEP 3/3: LABEL x=y',
      '--> ab28c2cf0e7',
    ].join('\n');
    expect(countSteps('buildah', log)).toEqual({ cached: 1, total: 2 });
  });
  it("leaves out the LABEL steps buildah appends for --label, but counts the Dockerfile's own", () => {
    const log = [
      'STEP 1/5: FROM scratch AS runtime',
      'STEP 2/5: COPY a.txt /a.txt',
      `--> Using cache ${'a'.repeat(64)}`,
      'STEP 3/5: LABEL "maintainer"="me"',
      `--> Using cache ${'b'.repeat(64)}`,
      'STEP 4/5: LABEL "org.opencontainers.image.revision"="abc"',
      `--> Using cache ${'c'.repeat(64)}`,
      'STEP 5/5: LABEL "org.opencontainers.image.created"="2026-01-01T00:00:00Z"',
      '--> 5e2f',
    ].join('\n');
    expect(
      countSteps('buildah', log, ['org.opencontainers.image.revision', 'org.opencontainers.image.created']),
    ).toEqual({
      cached: 2,
      total: 2,
    });
  });
  it('reads BuildKit plain progress', () => {
    const log = [
      '#1 [internal] load build definition from Dockerfile',
      '#4 [1/3] FROM docker.io/library/alpine@sha256:abc',
      '#5 [2/3] COPY a.txt /a.txt',
      '#5 CACHED',
      '#6 [builder 3/3] RUN make',
      '#6 0.123 compiling',
      '#6 DONE 1.2s',
      '#7 [stage-1 2/2] COPY --from=builder /out /out',
      '#7 CACHED',
      '#8 exporting to image',
    ].join('\n');
    expect(countSteps('docker', log)).toEqual({ cached: 2, total: 3 });
  });
});

describe('registry error classification', () => {
  it.each([
    ['ERROR: failed to push x: unexpected status from PUT request: 503 Service Unavailable', true],
    ['Error: writing blob: 429 Too Many Requests', true],
    ['error: dial tcp 10.0.0.1:443: i/o timeout', true],
    ['read: connection reset by peer', true],
    ['Put "https://x/v2/": EOF', true],
    ['failed to push: unexpected status: 401 Unauthorized', false],
    ['denied: requested access to the resource is denied', false],
    ['name unknown: repository name not known to registry', false],
    ['Error: COPY failed: no such file', false],
    ['received unexpected HTTP status: 500', true],
    ['#503 DONE 0.1s\nERROR: failed to solve: process did not complete successfully', false],
    ['#401 [2/3] COPY x\nfailed to push: 502 Bad Gateway', true],
  ])('%s -> %s', (text, transient) => expect(isTransientRegistryError(text)).toBe(transient));

  it('tells a docker push failure from a build failure', () => {
    expect(isDockerPushFailure('#9 pushing layers\nERROR: failed to push x:y: 502 Bad Gateway')).toBe(true);
    expect(isDockerPushFailure('#6 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2')).toBe(
      false,
    );
  });
});

describe('engineErrorLine', () => {
  it.each([
    // buildah 1.28, as printed by the real thing (bundle.test.ts builds these).
    [
      'STEP 1/2: FROM scratch AS base\nError: The target "runtime" was not found in the provided Dockerfile\n',
      'The target "runtime" was not found in the provided Dockerfile',
    ],
    [
      'STEP 3/3: RUN make\nError: compile failed\nsubprocess exited with status 2\nError: building at STEP "RUN make": exit status 2',
      'building at STEP "RUN make": exit status 2',
    ],
    // docker buildx: the step's own ERROR, then the summary line that ends the output.
    [
      '#6 [2/2] RUN make\n#6 ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2\n------\nERROR: failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2\n',
      'failed to solve: process "/bin/sh -c make" did not complete successfully: exit code: 2',
    ],
    [
      'ERROR: failed to solve: target stage "runtime" could not be found\r\n',
      'failed to solve: target stage "runtime" could not be found',
    ],
    ['Error response from daemon: No such image: x', 'No such image: x'],
    ['time="2026-04-21T00:00:00Z" level=error msg="pushing: \\"401\\" denied"', 'pushing: "401" denied'],
  ])('finds the engine verdict in %j', (output, line) => {
    expect(engineErrorLine(output)).toBe(line);
  });

  it('says nothing when the output holds no error line, and cuts a long one', () => {
    expect(engineErrorLine('STEP 1/1: FROM scratch\nkilled\n')).toBeUndefined();
    expect(engineErrorLine('')).toBeUndefined();
    const long = engineErrorLine(`Error: ${'x'.repeat(2000)}`) as string;
    expect(long).toHaveLength(500);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('parseDockerMetadata', () => {
  it('reads the manifest and config digests', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const config = `sha256:${'b'.repeat(64)}`;
    expect(
      parseDockerMetadata(JSON.stringify({ 'containerimage.digest': digest, 'containerimage.config.digest': config })),
    ).toEqual({ digest, imageId: config });
    expect(parseDockerMetadata('not json')).toEqual({});
    expect(parseDockerMetadata(undefined)).toEqual({});
  });
});

/**
 * The example's image the way CI makes and uses it, on real parts: build-container (buildah) builds
 * examples/dynamo-example's vllm runtime Dockerfile FROM the Python base image in a local registry and
 * pushes it there; run-gpu-tests (engine docker) pulls it into the Docker daemon and runs the
 * example's pre-merge vllm tests inside it; the JUnit comes back.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildahEnvironment,
  cannotBuildBaseRootfs,
  containerEngine,
  containerTools,
  dockerForTests,
  LocalRegistry,
  repoRoot,
  SimulatedJob,
  scratchDir,
} from '@dynamo-ci/testkit';
import { afterAll, describe, expect, it } from 'vitest';

const tools = containerTools();
const engine = await dockerForTests(() =>
  tools.buildah && tools.registry
    ? cannotBuildBaseRootfs()
    : 'buildah and /usr/bin/docker-registry are not installed (apt-get install buildah docker-registry)',
);

describe('the example image: built FROM the Python base, pushed, pulled and tested inside', () => {
  if ('reason' in engine) it.skip(`needs a Docker daemon, buildah and a registry: ${engine.reason}`, () => {});
  const scratch = scratchDir('example-image-');
  const jobs: SimulatedJob[] = [];
  afterAll(() => {
    for (const job of jobs) job.cleanup();
    spawnSync('rm', ['-rf', '--', scratch]);
  });

  it.runIf('host' in engine)(
    'builds vllm_runtime.Dockerfile with buildah FROM the base, and run-gpu-tests runs its tests in it with docker',
    async () => {
      const registry = await LocalRegistry.start();
      try {
        const prepared = await containerEngine({ registry: registry.host });
        if ('reason' in prepared) throw new Error(prepared.reason);
        expect(prepared.baseImage).toMatch(new RegExp(`^${registry.host}/dynamo-ci/python-base:[0-9a-f]{16}$`));

        const env = { ...process.env, DOCKER_HOST: prepared.dockerHost };
        const workspace = join(scratch, 'workspace');
        cpSync(join(repoRoot, 'examples', 'dynamo-example'), workspace, { recursive: true });
        const job = new SimulatedJob({
          workspace,
          sha: 'abcdef0123456789abcdef0123456789abcdef01',
          env: {
            ...buildahEnvironment(join(scratch, 'buildah'), prepared.buildahDriver),
            DOCKER_HOST: prepared.dockerHost,
          },
        });
        jobs.push(job);
        const build = await job.run('build-container', {
          timeoutMs: 600_000,
          inputs: {
            engine: 'buildah',
            'image-name': `${registry.host}/ai-dynamo/dynamo`,
            framework: 'vllm',
            target: 'runtime',
            'cuda-version': '12.9',
            platforms: 'linux/amd64',
            dockerfile: 'container/templates/vllm_runtime.Dockerfile',
            context: '.',
            'build-args': `BASE_IMAGE=${prepared.baseImage}`,
            push: true,
            'insecure-registry': true,
            'min-free-disk-gb': '1',
            'timeout-minutes': '10',
          },
        });
        expect(build.errors).toEqual([]);
        const image = build.outputs.image as string;
        expect(await registry.tags('ai-dynamo/dynamo')).toContain(image.split(':').at(-1));

        const test = await job.run('run-gpu-tests', {
          timeoutMs: 300_000,
          inputs: { engine: 'docker', image, framework: 'vllm', 'timeout-minutes': '5' },
        });
        expect(test.errors).toEqual([]);
        expect(test.outputs).toMatchObject({ result: 'success', failed: '0', errors: '0' });
        expect(Number(test.outputs.total)).toBeGreaterThan(0);
        expect(test.log.some((line) => line.startsWith(`all: docker run --rm --init`) && line.includes(image))).toBe(
          true,
        );
        const [junit] = JSON.parse(test.outputs['junit-files'] as string) as string[];
        expect(readFileSync(junit as string, 'utf8')).toContain('name="test_vllm_args_carry_the_model"');
        // The image came from the registry: the daemon pulled it, and it is there now.
        expect(spawnSync('docker', ['image', 'inspect', image], { env }).status).toBe(0);
        spawnSync('docker', ['rmi', '--force', image], { env });
      } finally {
        registry.stop();
      }
    },
    20 * 60_000,
  );
});

/**
 * engine docker against a real Docker daemon that has no buildx plugin (Debian's docker.io, as on
 * this project's CI): one clear refusal before anything starts, and `auto` building with buildah.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerForTests, SimulatedJob, scratchDir } from '@dynamo-ci/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { buildahEnvironment, Registry, removeTree, skipWithoutTools } from './registry.js';

const engine = await dockerForTests();
const hasBuildx = spawnSync('docker', ['buildx', 'version'], { stdio: 'ignore' }).status === 0;

describe('build-container engine docker on a daemon without buildx', () => {
  if ('reason' in engine) it.skip(`needs a Docker daemon: ${engine.reason}`, () => {});
  if (hasBuildx) it.skip('needs a docker without the buildx plugin (this one has it)', () => {});
  const ready = 'host' in engine && !hasBuildx;
  const host = 'host' in engine ? engine.host : '';
  const scratch = scratchDir('build-container-docker-');
  afterAll(() => removeTree(scratch));

  function job(name: string) {
    const workspace = join(scratch, name);
    const runner = new SimulatedJob({
      workspace: mkdtempSync(`${workspace}-`),
      env: { DOCKER_HOST: host, ...buildahEnvironment(mkdtempSync(join(scratch, 'buildah-'))) },
    });
    writeFileSync(join(runner.workspace, 'Dockerfile'), 'FROM scratch\nCOPY a.txt /a.txt\n');
    writeFileSync(join(runner.workspace, 'a.txt'), 'a\n');
    return runner;
  }

  it.runIf(ready)('refuses engine: docker with the missing plugin and the fix, before anything starts', async () => {
    const runner = job('docker');
    const result = await runner.run('build-container', {
      inputs: { engine: 'docker', 'image-name': '127.0.0.1:9/ai-dynamo/dynamo', framework: 'vllm', push: true },
    });
    const leftovers = readdirSync(runner.temp).filter((name) => name.startsWith('build-container-'));
    runner.cleanup();
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((annotation) => annotation.message)).toEqual([
      expect.stringMatching(
        /^engine: docker builds with the docker buildx plugin, which this runner's docker lacks \(docker buildx version: docker: .*buildx.*\)\. Install it \(docker\/setup-buildx-action, or the docker-buildx-plugin package\), or set engine: buildah \(engine: auto picks buildah when buildx is missing\)\.$/,
      ),
    ]);
    expect(result.outputs).toEqual({});
    expect(result.log.some((line) => line.includes('buildx build'))).toBe(false);
    // Other test files share this daemon and build images of their own: look only at this image's name.
    const tagged = spawnSync('docker', ['images', '--quiet', '--filter', 'reference=127.0.0.1:9/ai-dynamo/dynamo'], {
      env: { ...process.env, DOCKER_HOST: host },
      encoding: 'utf8',
    });
    expect(tagged.status).toBe(0);
    expect(tagged.stdout).toBe('');
    expect(leftovers).toEqual([]);
  });

  it.runIf(ready && !skipWithoutTools())('engine: auto builds with buildah when docker has no buildx', async () => {
    const registry = await Registry.start();
    try {
      const runner = job('auto');
      const result = await runner.run('build-container', {
        inputs: {
          engine: 'auto',
          'image-name': `${registry.host}/ai-dynamo/dynamo`,
          framework: 'vllm',
          push: true,
          'insecure-registry': true,
          'min-free-disk-gb': '0.001',
        },
      });
      runner.cleanup();
      expect(result.errors).toEqual([]);
      expect(result.log.some((line) => line.startsWith('Engine buildah; tags: '))).toBe(true);
      expect(await registry.tags('ai-dynamo/dynamo')).not.toEqual([]);
    } finally {
      registry.stop();
    }
  });
});

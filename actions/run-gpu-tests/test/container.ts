/**
 * The real Docker engine for the container tests: the testkit's daemon, the Python base image, and
 * the fixture suite baked into an image at /workspace (its WORKDIR), as a project's test image has it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildBaseRootfs, cannotBuildBaseRootfs, dockerForTests, loadBaseImage } from '@dynamo-ci/testkit';

export const FIXTURE_SUITE = join(import.meta.dirname, 'fixtures', 'suite');

/** The daemon and a way to build the base image, or why not (resolved once per test file). */
export const engine = await dockerForTests(() => cannotBuildBaseRootfs());

export function docker(host: string, args: readonly string[]): string {
  return execFileSync('docker', args, { env: { ...process.env, DOCKER_HOST: host }, encoding: 'utf8' }).trim();
}

/** Names of the containers, running or not, whose name starts with `prefix`. */
export function containersNamed(host: string, prefix: string): string[] {
  return docker(host, ['ps', '--all', '--filter', `name=^${prefix}`, '--format', '{{.Names}}'])
    .split('\n')
    .filter(Boolean);
}

/** The Python base image in the daemon (built with mmdebstrap the first time on this machine). */
export async function baseImage(host: string): Promise<string> {
  return loadBaseImage(host, await buildBaseRootfs());
}

/** The base image with the fixture suite at /workspace (WORKDIR), tagged by the suite's content. */
export async function fixtureImage(host: string): Promise<string> {
  const base = await baseImage(host);
  const hash = createHash('sha256').update(base);
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else hash.update(relative(FIXTURE_SUITE, path)).update(readFileSync(path));
    }
  };
  visit(FIXTURE_SUITE);
  const image = `dynamo-ci/run-gpu-tests-fixture:${hash.digest('hex').slice(0, 16)}`;
  const env = { ...process.env, DOCKER_HOST: host };
  if (spawnSync('docker', ['image', 'inspect', image], { env, stdio: 'ignore' }).status === 0) return image;
  // No builder needed (the daemon has no buildx): create, copy, commit.
  const builder = `dynamo-ci-fixture-${randomBytes(4).toString('hex')}`;
  docker(host, ['create', '--name', builder, '--network', 'none', base, 'true']);
  try {
    docker(host, ['cp', `${FIXTURE_SUITE}/.`, `${builder}:/workspace`]);
    docker(host, ['commit', '--change', 'WORKDIR /workspace', builder, image]);
  } finally {
    docker(host, ['rm', '--force', builder]);
  }
  return image;
}

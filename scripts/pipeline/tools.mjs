// What this machine can really run: buildah + Debian's docker-registry (image builds and pushes),
// Debian's pytest (test legs on the host). No GPU here, ever: GPU legs are planned, not run.
import { spawnSync } from 'node:child_process';

import { buildahEnvironment, containerTools, LocalRegistry } from '../../packages/testkit/dist/index.js';

export { buildahEnvironment, LocalRegistry };
/** Debian's Python with pytest 7.2, xdist and pytest-timeout (the `python3` on PATH may be another). */
export const PYTHON = '/usr/bin/python3';

export function detectTools() {
  const { buildah, registry } = containerTools();
  const pytest = spawnSync(PYTHON, ['-m', 'pytest', '--version'], { encoding: 'utf8' }).status === 0;
  const gpu = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
  return { buildah, registry, pytest, gpu, build: buildah && registry };
}

/**
 * What this machine can really run: buildah + Debian's docker-registry (image builds and pushes),
 * Debian's pytest (test legs on the host), pre-commit (the Docker daemon for test legs inside the
 * images is the testkit's own, see python-base.ts). GPU legs are only run where `nvidia-smi` finds a GPU.
 */
import { spawnSync } from 'node:child_process';
import { containerTools } from '../registry.js';

/** Debian's Python with pytest, xdist and pytest-timeout (the `python3` first on PATH may be another). */
export const PYTHON = '/usr/bin/python3';

export interface Tools {
  buildah: boolean;
  registry: boolean;
  pytest: boolean;
  preCommit: boolean;
  gpu: boolean;
  /** buildah and the registry: images can be built and pushed for real. */
  build: boolean;
}

const works = (command: string, args: string[]) => spawnSync(command, args, { encoding: 'utf8' }).status === 0;

export function detectTools(): Tools {
  const { buildah, registry } = containerTools();
  return {
    buildah,
    registry,
    pytest: works(PYTHON, ['-m', 'pytest', '--version']),
    preCommit: works('pre-commit', ['--version']),
    gpu: works('nvidia-smi', ['-L']),
    build: buildah && registry,
  };
}

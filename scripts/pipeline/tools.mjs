// What this machine can really run: buildah + Debian's docker-registry (image builds and pushes),
// Debian's pytest (test legs on the host). No GPU here, ever: GPU legs are planned, not run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
/** Debian's Python with pytest 7.2, xdist and pytest-timeout (the `python3` on PATH may be another). */
export const PYTHON = '/usr/bin/python3';

export function detectTools() {
  const buildah = spawnSync('buildah', ['--version'], { encoding: 'utf8' }).status === 0;
  const registry = existsSync(REGISTRY_BINARY);
  const pytest = spawnSync(PYTHON, ['-m', 'pytest', '--version'], { encoding: 'utf8' }).status === 0;
  const gpu = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' }).status === 0;
  return { buildah, registry, pytest, gpu, build: buildah && registry };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Debian's docker-registry on 127.0.0.1:<free port>, storage in a temporary folder. */
export class LocalRegistry {
  static async start() {
    const root = mkdtempSync(join(tmpdir(), 'dynamo-pipeline-registry-'));
    const port = await freePort();
    const config = join(root, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log: {level: error, accesslog: {disabled: true}}',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(root, 'data')}`,
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '  secret: dynamo-pipeline',
      ].join('\n'),
    );
    const registry = new LocalRegistry();
    registry.root = root;
    registry.host = `127.0.0.1:${port}`;
    registry.process = spawn(REGISTRY_BINARY, ['serve', config], { stdio: 'ignore', detached: true });
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        if ((await fetch(`http://${registry.host}/v2/`)).status === 200) return registry;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    registry.stop();
    throw new Error(`docker-registry did not start on ${registry.host}`);
  }

  async tags(repository) {
    const response = await fetch(`http://${this.host}/v2/${repository}/tags/list`);
    if (response.status === 404) return [];
    return (await response.json()).tags ?? [];
  }

  stop() {
    this.process?.kill('SIGTERM');
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** buildah with vfs storage in its own folder and chroot isolation: works as root without a daemon. */
export function buildahEnvironment(root) {
  const storage = join(root, 'buildah');
  mkdirSync(storage, { recursive: true });
  const conf = join(root, 'storage.conf');
  writeFileSync(
    conf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${join(storage, 'graph')}"`,
      `runroot = "${join(storage, 'run')}"`,
    ].join('\n'),
  );
  return { CONTAINERS_STORAGE_CONF: conf, STORAGE_DRIVER: 'vfs', BUILDAH_ISOLATION: 'chroot' };
}

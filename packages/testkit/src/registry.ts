/**
 * Debian's real `docker-registry` (distribution 2.8) on 127.0.0.1 with its storage in a temporary
 * folder, and the buildah environment that keeps a build's storage (vfs, chroot isolation) in its own
 * folder: the real image builder and registry for tests, the demo and the end-to-end pipeline.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** Whether this machine has the tools for real image builds: buildah, and Debian's registry. */
export function containerTools(): { buildah: boolean; registry: boolean } {
  return {
    buildah: spawnSync('buildah', ['--version'], { encoding: 'utf8' }).status === 0,
    registry: existsSync(REGISTRY_BINARY),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class LocalRegistry {
  private constructor(
    readonly root: string,
    /** `127.0.0.1:<port>` */
    readonly host: string,
    private readonly process: ChildProcess,
  ) {}

  /**
   * Start on a free port (another process may take the port first: then try another, twice). When it
   * cannot start, its temporary folder is removed before the error is thrown.
   */
  static async start(): Promise<LocalRegistry> {
    const root = mkdtempSync(join(tmpdir(), 'dynamo-ci-registry-'));
    try {
      for (let attempt = 0; ; attempt++) {
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
            '  secret: dynamo-ci-tests',
          ].join('\n'),
        );
        // Its own process group: nothing it does can signal the test runner's.
        const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: 'ignore', detached: true });
        const registry = new LocalRegistry(root, `127.0.0.1:${port}`, child);
        if (await registry.waitReady()) return registry;
        registry.stop(false);
        if (attempt >= 2) throw new Error(`docker-registry did not start on 127.0.0.1:${port}`);
      }
    } catch (error) {
      rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  private async waitReady(): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      if (this.process.exitCode !== null) return false;
      try {
        if ((await fetch(`http://${this.host}/v2/`)).status === 200) return true;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  /** The `Docker-Content-Digest` the registry serves for `repository:reference`. */
  async manifestDigest(repository: string, reference: string): Promise<string | undefined> {
    const response = await fetch(`http://${this.host}/v2/${repository}/manifests/${reference}`, {
      method: 'HEAD',
      headers: {
        accept: [
          'application/vnd.oci.image.manifest.v1+json',
          'application/vnd.oci.image.index.v1+json',
          'application/vnd.docker.distribution.manifest.v2+json',
          'application/vnd.docker.distribution.manifest.list.v2+json',
        ].join(', '),
      },
    });
    return response.status === 200 ? (response.headers.get('docker-content-digest') ?? undefined) : undefined;
  }

  async tags(repository: string): Promise<string[]> {
    const response = await fetch(`http://${this.host}/v2/${repository}/tags/list`);
    if (response.status === 404) return [];
    const body = (await response.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }

  async manifest(repository: string, reference: string): Promise<any> {
    const response = await fetch(`http://${this.host}/v2/${repository}/manifests/${reference}`, {
      headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' },
    });
    return response.json();
  }

  async blob(repository: string, digest: string): Promise<any> {
    const response = await fetch(`http://${this.host}/v2/${repository}/blobs/${digest}`);
    return response.json();
  }

  stop(removeData = true): void {
    if (this.process.pid !== undefined && this.process.exitCode === null) this.process.kill('SIGKILL');
    if (removeData) rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * A private buildah storage (chroot isolation) under `root`, as environment for a build. vfs works
 * anywhere but copies the whole image for every layer; overlay (where the folder can hold overlay
 * mounts, as when the testkit's Docker daemon runs overlay2) builds on a large base image in seconds.
 */
export function buildahEnvironment(root: string, driver: 'vfs' | 'overlay' = 'vfs'): Record<string, string> {
  const storage = join(root, 'storage');
  mkdirSync(storage, { recursive: true });
  const storageConf = join(root, 'storage.conf');
  writeFileSync(
    storageConf,
    [
      '[storage]',
      `driver = "${driver}"`,
      `graphroot = "${join(storage, 'graph')}"`,
      `runroot = "${join(storage, 'run')}"`,
    ].join('\n'),
  );
  return { CONTAINERS_STORAGE_CONF: storageConf, STORAGE_DRIVER: driver, BUILDAH_ISOLATION: 'chroot' };
}

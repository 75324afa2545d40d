/**
 * Test helpers around Debian's real `docker-registry` (distribution 2.8) on 127.0.0.1, a proxy in
 * front of it that can fail chosen requests, and the buildah environment that keeps every test's
 * storage in its own temporary directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';

export function toolsAvailable(): boolean {
  const buildah = spawnSync('buildah', ['--version'], { encoding: 'utf8' });
  return buildah.status === 0 && existsSync(REGISTRY_BINARY);
}

/** Skip when the tools are missing, but fail instead when CI says they must be there. */
export function skipWithoutTools(): boolean {
  const available = toolsAvailable();
  if (!available && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
    throw new Error(
      'DYNAMO_CI_REQUIRE_TOOLS=1 but buildah or /usr/bin/docker-registry is missing (apt-get install buildah docker-registry)',
    );
  }
  return !available;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class Registry {
  private constructor(
    readonly root: string,
    readonly host: string,
    private readonly process: ChildProcess,
  ) {}

  static async start(): Promise<Registry> {
    const root = mkdtempSync(join(tmpdir(), 'build-container-registry-'));
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      const config = join(root, 'config.yml');
      writeFileSync(
        config,
        [
          'version: 0.1',
          'log:',
          '  level: error',
          '  accesslog: {disabled: true}',
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${join(root, 'data')}`,
          'http:',
          `  addr: 127.0.0.1:${port}`,
          '  secret: build-container-tests',
        ].join('\n'),
      );
      const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: 'ignore', detached: true });
      const registry = new Registry(root, `127.0.0.1:${port}`, child);
      if (await registry.waitReady()) return registry;
      registry.stop(false);
      if (attempt >= 2) throw new Error(`docker-registry did not start on 127.0.0.1:${port}`);
    }
  }

  private async waitReady(): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      if (this.process.exitCode !== null) return false;
      try {
        const response = await fetch(`http://${this.host}/v2/`);
        if (response.status === 200) return true;
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
    this.process.kill('SIGKILL');
    if (removeData) rmSync(this.root, { recursive: true, force: true });
  }
}

/** Forwards to the registry; `fail` decides per request whether to answer with an error status instead. */
export class FaultyProxy {
  readonly requests: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly host: string,
  ) {}

  static async start(target: string, fail: (request: IncomingMessage) => number | undefined): Promise<FaultyProxy> {
    const [targetHost, targetPort] = target.split(':') as [string, string];
    let proxy: FaultyProxy | undefined;
    const server = createServer((incoming, outgoing) => {
      proxy?.requests.push(`${incoming.method} ${incoming.url}`);
      const status = fail(incoming);
      if (status !== undefined) {
        incoming.resume();
        outgoing.writeHead(status, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${status}` }] }));
        return;
      }
      const forward = request(
        {
          host: targetHost,
          port: Number(targetPort),
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => outgoing.destroy());
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultyProxy(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A private buildah storage (vfs, chroot isolation) for one simulated runner, passed as environment. */
export function buildahEnvironment(root: string): Record<string, string> {
  const storage = join(root, 'storage');
  mkdirSync(storage, { recursive: true });
  const storageConf = join(root, 'storage.conf');
  writeFileSync(
    storageConf,
    [
      '[storage]',
      'driver = "vfs"',
      `graphroot = "${join(storage, 'graph')}"`,
      `runroot = "${join(storage, 'run')}"`,
    ].join('\n'),
  );
  return {
    CONTAINERS_STORAGE_CONF: storageConf,
    STORAGE_DRIVER: 'vfs',
    BUILDAH_ISOLATION: 'chroot',
  };
}

/** vfs layers are plain directories that may be owned by other uids; remove them the robust way. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

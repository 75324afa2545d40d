/**
 * Debian's real `nats-server` and `etcd` on free ports of 127.0.0.1, each with its state in a
 * temporary folder: the runtime services Dynamo's tests expect (its request plane and its
 * discovery store), for tests, the demo and the end-to-end pipeline, where a workflow starts them
 * as service containers. `environment()` gives their addresses the way Dynamo's runtime reads
 * them (NATS_SERVER, ETCD_ENDPOINTS).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether this machine has the service binaries (Debian: nats-server, etcd-server). */
export function serviceTools(): { nats: boolean; etcd: boolean } {
  const runs = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
  return { nats: runs('nats-server'), etcd: runs('etcd') };
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server process in its own process group (nothing it does can signal the test runner's). */
abstract class ServiceProcess {
  protected constructor(
    protected readonly child: ChildProcess,
    private readonly root: string,
  ) {}

  /** Stop the server (its whole process group) and remove its state. */
  stop(): void {
    if (this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  protected exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }
}

/** nats-server on a free port; `url` is `nats://127.0.0.1:<port>`. */
export class NatsServer extends ServiceProcess {
  private constructor(
    child: ChildProcess,
    root: string,
    readonly port: number,
  ) {
    super(child, root);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Start on a free port, trying another port twice if one is taken meanwhile. */
  static async start(): Promise<NatsServer> {
    for (let attempt = 0; ; attempt++) {
      const root = mkdtempSync(join(tmpdir(), 'dynamo-ci-nats-'));
      const port = await freePort();
      const child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-l', join(root, 'nats.log')], {
        stdio: 'ignore',
        detached: true,
      });
      child.on('error', () => {});
      const server = new NatsServer(child, root, port);
      if (await server.waitReady()) return server;
      server.stop();
      if (attempt >= 2) throw new Error(`nats-server did not start on 127.0.0.1:${port}`);
    }
  }

  /** Ready once it greets a client with INFO. */
  private async waitReady(): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      if (this.exited()) return false;
      if (await greets(this.port)) return true;
      await sleep(50);
    }
    return false;
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ready: boolean) => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk) => done(chunk.toString('utf8').startsWith('INFO ')));
    socket.once('error', () => done(false));
  });
}

/** A single-member etcd on free ports; `url` is its client URL, `http://127.0.0.1:<port>`. */
export class Etcd extends ServiceProcess {
  private constructor(
    child: ChildProcess,
    root: string,
    readonly port: number,
  ) {
    super(child, root);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<Etcd> {
    for (let attempt = 0; ; attempt++) {
      const root = mkdtempSync(join(tmpdir(), 'dynamo-ci-etcd-'));
      const [client, peer] = [await freePort(), await freePort()];
      const clientUrl = `http://127.0.0.1:${client}`;
      const peerUrl = `http://127.0.0.1:${peer}`;
      const child = spawn(
        'etcd',
        [
          '--name',
          'dynamo-ci',
          '--data-dir',
          join(root, 'data'),
          '--listen-client-urls',
          clientUrl,
          '--advertise-client-urls',
          clientUrl,
          '--listen-peer-urls',
          peerUrl,
          '--initial-advertise-peer-urls',
          peerUrl,
          '--initial-cluster',
          `dynamo-ci=${peerUrl}`,
        ],
        { stdio: 'ignore', detached: true },
      );
      child.on('error', () => {});
      const etcd = new Etcd(child, root, client);
      if (await etcd.waitReady()) return etcd;
      etcd.stop();
      if (attempt >= 2) throw new Error(`etcd did not start on ${clientUrl}`);
    }
  }

  /** Ready once /health says so (a single member elects itself within a second or two). */
  private async waitReady(): Promise<boolean> {
    for (let i = 0; i < 200; i++) {
      if (this.exited()) return false;
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) });
        if (response.ok && ((await response.json()) as { health?: string }).health === 'true') return true;
      } catch {
        // Not listening yet.
      }
      await sleep(50);
    }
    return false;
  }
}

/** NATS and etcd together, as a workflow's service containers give them to a job. */
export class RuntimeServices {
  private constructor(
    readonly nats: NatsServer,
    readonly etcd: Etcd,
  ) {}

  static async start(): Promise<RuntimeServices> {
    const nats = await NatsServer.start();
    try {
      return new RuntimeServices(nats, await Etcd.start());
    } catch (error) {
      nats.stop();
      throw error;
    }
  }

  /** The addresses as Dynamo's runtime and the example's tests read them. */
  environment(): { NATS_SERVER: string; ETCD_ENDPOINTS: string } {
    return { NATS_SERVER: this.nats.url, ETCD_ENDPOINTS: this.etcd.url };
  }

  stop(): void {
    this.nats.stop();
    this.etcd.stop();
  }
}

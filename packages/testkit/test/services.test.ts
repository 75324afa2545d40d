/** The real nats-server and etcd the example's tests talk to, on free ports. */
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { startServices } from '../src/pipeline/overrides.js';
import { Etcd, NatsServer, RuntimeServices, serviceTools } from '../src/services.js';

const tools = serviceTools();
const available = tools.nats && tools.etcd;
if (!available && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
  throw new Error('nats-server and etcd are required (Debian: nats-server etcd-server)');
}
if (!available) console.warn('skipped: nats-server or etcd not installed (Debian: nats-server etcd-server)');

/** One exchange over NATS's text protocol: PING answered by PONG after the INFO greeting. */
function pingPong(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (received.startsWith('INFO ') && !received.includes('PONG') && received.endsWith('\r\n')) {
        socket.write('CONNECT {"verbose":false}\r\nPING\r\n');
      }
      if (received.includes('PONG\r\n')) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

/**
 * A killed server's socket closes when the kernel has finished the process, a moment after the signal:
 * a connection in that moment is reset, not refused. Wait (bounded) for the port to refuse.
 */
async function refused(port: number): Promise<void> {
  await vi.waitFor(() => expect(pingPong(port)).rejects.toThrow(/ECONNREFUSED/), { timeout: 5_000, interval: 50 });
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe.skipIf(!available)('runtime services', () => {
  it('runs NATS and etcd on free ports and gives their addresses as Dynamo reads them', async () => {
    const services = await RuntimeServices.start();
    try {
      const env = services.environment();
      expect(env.NATS_SERVER).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(env.ETCD_ENDPOINTS).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await pingPong(services.nats.port)).toMatch(/^INFO \{.*\} ?\r\nPONG\r\n$/s);

      const put = await fetch(`${services.etcd.url}/v3/kv/put`, {
        method: 'POST',
        body: JSON.stringify({ key: base64('dynamo/test'), value: base64('ready') }),
      });
      expect(put.status).toBe(200);
      const range = (await (
        await fetch(`${services.etcd.url}/v3/kv/range`, {
          method: 'POST',
          body: JSON.stringify({ key: base64('dynamo/test') }),
        })
      ).json()) as { kvs: { value: string }[] };
      expect(Buffer.from(range.kvs[0]?.value ?? '', 'base64').toString()).toBe('ready');
    } finally {
      services.stop();
    }
  });

  it('stops each server for good', async () => {
    const nats = await NatsServer.start();
    const etcd = await Etcd.start();
    nats.stop();
    etcd.stop();
    await refused(nats.port);
    await vi.waitFor(() => expect(fetch(`${etcd.url}/health`)).rejects.toThrow(), { timeout: 5_000, interval: 50 });
  });
});

describe.skipIf(!available)("the pipeline's stand-ins for NATS and etcd service containers", () => {
  it('start the servers a job names by image, publish them on its container ports, and stop them', async () => {
    const started = await startServices({
      nats: { image: 'docker.io/library/nats:2.11.4-alpine', ports: ['4222'], env: {} },
      etcd: { image: 'quay.io/coreos/etcd:v3.6.1', ports: ['2379'], env: {} },
    });
    if ('reason' in started) throw new Error(started.reason);
    const nats = Number(started.ports.nats?.['4222']);
    const etcd = Number(started.ports.etcd?.['2379']);
    try {
      expect(await pingPong(nats)).toContain('PONG');
      expect((await fetch(`http://127.0.0.1:${etcd}/health`)).status).toBe(200);
      expect(started.note).toMatch(/^service containers stood in for .*nats \(.*\) on 127\.0\.0\.1:\d+, etcd/);
    } finally {
      started.stop();
    }
    await refused(nats);
  });

  it('refuse an image they cannot stand in for, naming it, and start nothing', async () => {
    expect(
      await startServices({
        nats: { image: 'nats:2', ports: ['4222'], env: {} },
        db: { image: 'postgres:16', ports: ['5432'], env: {} },
      }),
    ).toEqual({ reason: 'no stand-in for db (postgres:16); NATS and etcd only' });
  });
});

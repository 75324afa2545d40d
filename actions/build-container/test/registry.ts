/**
 * Test helpers around the testkit's real registry (Debian's `docker-registry` on 127.0.0.1): whether the
 * tools are here, and a proxy in front of the registry that can fail chosen requests.
 */
import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { containerTools } from '@dynamo-ci/testkit';

export { buildahEnvironment, LocalRegistry as Registry } from '@dynamo-ci/testkit';

/** Skip when the tools are missing, but fail instead when CI says they must be there. */
export function skipWithoutTools(): boolean {
  const { buildah, registry } = containerTools();
  const available = buildah && registry;
  if (!available && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
    throw new Error(
      'DYNAMO_CI_REQUIRE_TOOLS=1 but buildah or /usr/bin/docker-registry is missing (apt-get install buildah docker-registry)',
    );
  }
  return !available;
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

/** vfs layers are plain directories that may be owned by other uids; remove them the robust way. */
export function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

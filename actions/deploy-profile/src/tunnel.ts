/**
 * `access: port-forward`: a local TCP listener whose every connection becomes its own
 * port-forward stream to a ready frontend pod. A dropped stream therefore costs one request, and
 * the next request (the smoke retry loop) opens a fresh stream, re-resolving the pod if it changed.
 */
import { request as httpRequest } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '@dynamo-ci/core';
import type { Cluster, ProxyResponse } from '@dynamo-ci/kube/cluster';
import { isTerminating, podReady } from '@dynamo-ci/kube/pods';
import { COMPONENT_TYPE_LABEL, GRAPH_LABEL } from './labels.js';
import type { FrontendRequest } from './smoke.js';

export class PortForwardTunnel {
  private server: Server | undefined;
  private port = 0;
  /** Streams opened so far (one per request). */
  streams = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly namespace: string,
    private readonly graphName: string,
    private readonly targetPort: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      this.connect(socket).catch((error) => {
        this.log.info(`port-forward: ${error instanceof Error ? error.message : String(error)}`);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): void {
    this.server?.close();
  }

  /** Send requests to the frontend through the tunnel. */
  readonly send: FrontendRequest = (request) =>
    new Promise<ProxyResponse>((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: request.method,
          path: request.path,
          agent: false,
          headers: {
            accept: 'application/json',
            ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          timeout: request.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
          });
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`no answer within ${Math.round(request.timeoutMs / 1000)}s`)),
      );
      outgoing.on('error', (error) => reject(new Error(`port-forward stream failed: ${error.message}`)));
      outgoing.end(request.body);
    });

  private async connect(socket: Socket): Promise<void> {
    socket.pause();
    const pods = await this.cluster.listPods(
      this.namespace,
      `${GRAPH_LABEL}=${this.graphName},${COMPONENT_TYPE_LABEL}=frontend`,
    );
    const pod = pods.find((candidate) => podReady(candidate) && !isTerminating(candidate));
    if (!pod) throw new Error(`no ready frontend pod of ${this.graphName} to forward to`);
    this.streams++;
    await this.cluster.forwardConnection(this.namespace, String(pod.metadata?.name), this.targetPort, socket);
  }
}

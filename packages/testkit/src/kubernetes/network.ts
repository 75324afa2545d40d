/**
 * The two ways a client reaches a pod through the API server: the service proxy
 * (`/api/v1/namespaces/<ns>/services/<svc>:<port>/proxy/<path>`, relayed to the frontend URL when
 * the Service has a Ready backend) and port-forward (`.../pods/<pod>/portforward?ports=N` upgraded to
 * a WebSocket speaking `v4.channel.k8s.io`: each message starts with a channel byte, 0 data and 1
 * errors, and the first message on each channel is the port, little-endian, as the kubelet sends it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FakeRequest, FakeResponse } from '../http.js';
import { ServerWebSocket } from '../websocket.js';
import { COMPONENT_TYPE_LABEL } from './dynamo.js';
import type { StoredObject } from './store.js';

/** Relay a proxied request to `frontendUrl`; the caller has found the Service and its Ready backends. */
export async function relayProxy(
  request: FakeRequest,
  response: ServerResponse,
  path: string,
  frontendUrl: string,
): Promise<FakeResponse> {
  const target = new URL(path + (request.query.size > 0 ? `?${request.query}` : ''), frontendUrl);
  await new Promise<void>((resolve) => {
    const outgoing = httpRequest(
      target,
      {
        method: request.method,
        headers: { 'content-type': String(request.headers['content-type'] ?? 'application/json') },
      },
      (incoming) => {
        response.writeHead(incoming.statusCode ?? 502, incoming.headers);
        incoming.pipe(response);
        incoming.on('end', resolve);
      },
    );
    outgoing.on('error', (error) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`error trying to reach service: ${error.message}`);
      resolve();
    });
    outgoing.end(request.text);
  });
  return { handled: true };
}

export interface PortForwardTarget {
  /** Find the pod; undefined = 404. */
  find(namespace: string, name: string): StoredObject | undefined;
  running(pod: StoredObject): boolean;
  authorized(request: IncomingMessage): boolean;
  frontendUrl: string | undefined;
  /** Called with the 1-based number of each stream; true drops it right after the handshake. */
  drop(count: number): boolean;
}

/** Handle an `upgrade` request; `opened` counts the streams and returns this one's number. */
export function portForward(
  request: IncomingMessage,
  socket: Duplex,
  target: PortForwardTarget,
  opened: () => number,
): undefined {
  const reject = (code: number, reason: string, message: string): undefined => {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });
    socket.end(
      `HTTP/1.1 ${code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  };
  const url = new URL(request.url ?? '/', 'http://fake');
  const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
  if (!match) return reject(404, 'NotFound', 'the server could not find the requested resource');
  if (!target.authorized(request)) return reject(401, 'Unauthorized', 'Unauthorized');
  const pod = target.find(match[1] as string, match[2] as string);
  if (!pod) return reject(404, 'NotFound', `pods "${match[2]}" not found`);
  if (!target.running(pod)) return reject(400, 'BadRequest', `pod ${pod.object.metadata.name} is not running`);
  const port = Number(url.searchParams.get('ports'));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return reject(400, 'BadRequest', 'invalid port');
  const ws = ServerWebSocket.accept(request, socket, ['v4.channel.k8s.io']);
  if (!ws) return;
  const count = opened();
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port);
  ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
  ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
  if (target.drop(count)) {
    ws.terminate();
    return;
  }
  if (pod.object.metadata.labels?.[COMPONENT_TYPE_LABEL] !== 'frontend' || !target.frontendUrl) {
    ws.send(
      Buffer.concat([
        Buffer.from([1]),
        Buffer.from(`error forwarding port ${port} to pod ${pod.object.metadata.name}: connection refused`),
      ]),
    );
    ws.close();
    return;
  }
  const frontend = new URL(target.frontendUrl);
  const upstream = connect(Number(frontend.port), frontend.hostname);
  upstream.on('data', (data: Buffer) => ws.send(Buffer.concat([Buffer.from([0]), data])));
  upstream.on('close', () => ws.close());
  upstream.on('error', () => ws.close());
  ws.on('message', (message: Buffer) => {
    if (message[0] === 0) upstream.write(message.subarray(1));
  });
  ws.on('close', () => upstream.destroy());
}

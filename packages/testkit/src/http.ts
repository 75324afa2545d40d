/**
 * The small HTTP framework under every fake server in the testkit: a router, a request log,
 * and fault switches (a status for the next N matching requests, with headers such as
 * `Retry-After`; or a delay) so tests can drive 403/404/429/5xx, slow answers and timeouts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The raw body. */
  text: string;
  /** The body parsed as JSON when it is JSON, else undefined. */
  body: any;
  params: Record<string, string>;
}

export interface FakeResponse {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this raw text instead of JSON. */
  raw?: string | Buffer;
  /** Take over the response (streams, upgrades). */
  handled?: boolean;
}

export type Handler = (request: FakeRequest, response: ServerResponse) => FakeResponse | Promise<FakeResponse>;

export interface Fault {
  method?: string;
  /** Matched against the path (without the query string). */
  path: RegExp | string;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Hold the response this long before answering (or before the fault's status). */
  delayMs?: number;
  /** How many matching requests this applies to (default: every one). */
  times?: number;
  /** Drop the connection without answering. */
  hangUp?: boolean;
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

export class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly faults: (Fault & { remaining: number })[] = [];
  private server: Server | undefined;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  url = '';

  /** Register a route; `:name` segments match one path segment, `*name` the rest of the path. */
  route(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        if (segment.startsWith('*')) {
          keys.push(segment.slice(1));
          return '(.+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** Add a fault; it applies to matching requests before any route runs. */
  fault(fault: Fault): this {
    this.faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY });
    return this;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Resolves when no request is being handled. A client that gave up on a delayed answer (a timeout
   * test) leaves its request running here; waiting for it keeps it out of the next test's records.
   */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Requests seen whose method and path match. */
  seen(method: string, path: RegExp | string): FakeRequest[] {
    return this.requests.filter((request) => request.method === method && matches(path, request.path));
  }

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((request, response) => {
      this.inFlight++;
      this.handle(request, response)
        .catch((error) => {
          if (!response.headersSent) {
            response.writeHead(500, { 'content-type': 'application/json' });
          }
          response.end(JSON.stringify({ message: `fake server error: ${String(error?.stack ?? error)}` }));
        })
        .finally(() => {
          if (--this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, host, resolve));
    const address = this.server.address() as AddressInfo;
    this.url = `http://${host}:${address.port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }

  /** The server's port, for building URLs by hand. */
  get port(): number {
    if (!this.server) throw new Error('the fake server is not started');
    return (this.server.address() as AddressInfo).port;
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(incoming.url ?? '/', 'http://fake');
    const request: FakeRequest = {
      method: incoming.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: incoming.headers,
      text,
      body: parseJson(text),
      params: {},
    };
    this.requests.push(request);

    const fault = this.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.method === undefined || candidate.method === request.method) &&
        matches(candidate.path, request.path),
    );
    if (fault) {
      fault.remaining--;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.hangUp) {
        incoming.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        send(response, {
          status: fault.status,
          body: fault.body ?? { message: `fault injected: HTTP ${fault.status}` },
          headers: fault.headers,
        });
        return;
      }
    }

    for (const route of this.routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      route.keys.forEach((key, index) => {
        request.params[key] = match[index + 1] as string;
      });
      const result = await route.handler(request, response);
      if (!result.handled) send(response, result);
      return;
    }
    send(response, { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });
  }
}

function matches(pattern: RegExp | string, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function send(response: ServerResponse, result: FakeResponse): void {
  const status = result.status ?? 200;
  if (result.raw !== undefined) {
    response.writeHead(status, { 'content-type': 'text/plain', ...result.headers });
    response.end(result.raw);
    return;
  }
  if (result.body === undefined) {
    response.writeHead(status, result.headers);
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...result.headers });
  response.end(JSON.stringify(result.body));
}

/**
 * The server side of a WebSocket (RFC 6455), just enough for fakes that speak Kubernetes'
 * streaming protocols (port-forward's `v4.channel.k8s.io`): the upgrade handshake, binary and
 * text frames in both directions (client frames are masked, possibly with 16/64-bit lengths),
 * ping/pong and close. No extensions, no fragmentation beyond reassembling continuation frames.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class ServerWebSocket extends EventEmitter {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  closed = false;

  constructor(
    private readonly socket: Duplex,
    readonly protocol: string | undefined,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.finish());
    socket.on('error', () => this.finish());
  }

  /** Complete the handshake of an `upgrade` request, choosing the first of `protocols` the client offered. */
  static accept(request: IncomingMessage, socket: Duplex, protocols: readonly string[]): ServerWebSocket | undefined {
    const key = request.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return undefined;
    }
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((protocol) => protocol.trim());
    const protocol = protocols.find((candidate) => offered.includes(candidate));
    const accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${accept}`,
        ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
        '',
        '',
      ].join('\r\n'),
    );
    return new ServerWebSocket(socket, protocol);
  }

  send(data: Buffer | string): void {
    if (this.closed) return;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    this.socket.write(frame(typeof data === 'string' ? 0x1 : 0x2, payload));
  }

  close(code = 1000): void {
    if (this.closed) return;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    this.socket.write(frame(0x8, payload));
    this.socket.end();
    this.finish();
  }

  /** Drop the TCP connection without a close frame, as a broken network would. */
  terminate(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 2) return;
      const first = this.buffer[0] as number;
      const second = this.buffer[1] as number;
      let length = second & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) return;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) return;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (second & 0x80) !== 0;
      const total = offset + (masked ? 4 : 0) + length;
      if (this.buffer.length < total) return;
      const mask = masked ? this.buffer.subarray(offset, offset + 4) : undefined;
      const payload = Buffer.from(this.buffer.subarray(total - length, total));
      if (mask)
        for (let index = 0; index < payload.length; index++)
          payload[index] = (payload[index] as number) ^ (mask[index % 4] as number);
      this.buffer = this.buffer.subarray(total);
      const opcode = first & 0x0f;
      const final = (first & 0x80) !== 0;
      if (opcode === 0x8) {
        this.close();
        return;
      }
      if (opcode === 0x9) {
        this.socket.write(frame(0xa, payload));
        continue;
      }
      if (opcode === 0xa) continue;
      this.fragments.push(payload);
      if (final) {
        const message = Buffer.concat(this.fragments);
        this.fragments = [];
        this.emit('message', message);
      }
    }
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = length;
  else if (length < 65536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/**
 * `@kubernetes/client-node` 2.x uses undici 8, which expects Node >= 22.19. Runners run this bundle
 * on node24 and need nothing here; on Node 20 (local runs and this repository's tests) three
 * missing built-ins are filled in before undici loads. Each fill-in is used only where the real
 * one is absent: `zlib.createZstdDecompress` (zstd responses, which Kubernetes never sends),
 * `worker_threads.markAsUncloneable` (a structured-clone marker) and `Promise.withResolvers`.
 */
import worker from 'node:worker_threads';
import zlib from 'node:zlib';

const zlibModule = zlib as unknown as Record<string, unknown>;
if (typeof zlibModule.createZstdDecompress !== 'function') {
  zlibModule.createZstdDecompress = () => {
    throw new Error('zstd content-encoding needs Node 22.15 or newer');
  };
}
const workerModule = worker as unknown as Record<string, unknown>;
if (typeof workerModule.markAsUncloneable !== 'function') workerModule.markAsUncloneable = () => {};
const promise = Promise as unknown as { withResolvers?: unknown };
if (typeof promise.withResolvers !== 'function') {
  promise.withResolvers = function withResolvers<T>(this: PromiseConstructor) {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const created = new this<T>((onResolve, onReject) => {
      resolve = onResolve;
      reject = onReject;
    });
    return { promise: created, resolve, reject };
  };
}

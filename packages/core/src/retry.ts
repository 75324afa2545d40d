/**
 * A generic retry loop with exponential backoff and jitter. The decision of whether and how
 * long to wait belongs to the caller (`decide`), so HTTP clients can honour `Retry-After` and
 * rate-limit resets while shell-outs retry on exit codes.
 */
export interface RetryDecision {
  retry: boolean;
  /** Wait this long before the next attempt instead of the backoff delay. */
  delayMs?: number;
}

export interface RetryOptions {
  /** Total attempts including the first one. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Wait a random part of each backoff delay (the default), or exactly base*2^(n-1), capped. */
  jitter?: boolean;
  decide?: (error: unknown, attempt: number) => RetryDecision;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 1000;
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const sleepFor = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const decision = options.decide?.(error, attempt) ?? { retry: true };
      if (!decision.retry || attempt >= attempts || options.signal?.aborted) throw error;
      const delayMs = decision.delayMs ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, options.jitter ?? true);
      options.onRetry?.(error, attempt, delayMs);
      await sleepFor(delayMs, options.signal);
    }
  }
}

/**
 * Exponential backoff: base*2^(n-1), capped; with jitter a random delay in [ceiling/2, ceiling], so
 * clients that failed together do not retry together.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, jitter = true): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return jitter ? Math.round(ceiling / 2 + Math.random() * (ceiling / 2)) : ceiling;
}

/** Sleep that ends early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Post bulk chunks to Elasticsearch/OpenSearch: `POST <url>/_bulk` with `application/x-ndjson`,
 * through core's retry (429 honouring Retry-After, 5xx and network errors; other 4xx are final).
 * Messages name the endpoint without credentials or query; the credentials travel only in the
 * Authorization header.
 */
import { type Logger, messageOf, retry, sleep } from '@dynamo-ci/core';
import type { MetricsTarget } from './inputs.js';

export interface PostOptions {
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

export interface PostResult {
  documents: number;
  /** Documents the cluster refused (mapping conflicts, a closed index). */
  rejected: number;
  /** The first refusal's reason. */
  firstError?: string;
  requests: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export async function postBulk(
  target: MetricsTarget,
  chunks: readonly string[],
  options: PostOptions,
): Promise<PostResult> {
  const result: PostResult = { documents: 0, rejected: 0, requests: 0 };
  for (const [index, chunk] of chunks.entries()) {
    const label = `POST ${target.display} (${index + 1}/${chunks.length})`;
    const body = await retry(
      async () => {
        result.requests++;
        let response: Response;
        try {
          response = await fetch(target.endpoint, {
            method: 'POST',
            headers: {
              'content-type': 'application/x-ndjson',
              accept: 'application/json',
              ...(target.authorization ? { authorization: target.authorization } : {}),
            },
            body: chunk,
            signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
          });
        } catch (error) {
          throw new Error(`${label}: ${describeNetworkError(error)}`);
        }
        const text = await response.text();
        if (!response.ok) {
          const retryAfter = Number(response.headers.get('retry-after'));
          throw new HttpError(
            response.status,
            `${label}: HTTP ${response.status} ${reasonOf(text)}`,
            Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 60) * 1000 : undefined,
          );
        }
        try {
          return JSON.parse(text) as { errors?: boolean; items?: Record<string, { status?: number; error?: any }>[] };
        } catch {
          throw new HttpError(response.status, `${label}: the answer is not JSON: ${text.slice(0, 200)}`);
        }
      },
      {
        attempts: options.attempts ?? 4,
        baseDelayMs: options.baseDelayMs ?? 1000,
        sleep: options.sleep ?? ((ms) => sleep(ms)),
        decide: (error) => {
          if (!(error instanceof HttpError)) return { retry: true };
          if (error.status === 429) return { retry: true, delayMs: error.retryAfterMs };
          return { retry: error.status >= 500 };
        },
        onRetry: (error, attempt, delayMs) =>
          options.log.info(`${messageOf(error)}; retry ${attempt} in ${Math.round(delayMs / 100) / 10}s`),
      },
    );
    for (const item of body.items ?? []) {
      const outcome = Object.values(item)[0];
      result.documents++;
      if (outcome?.error || (outcome?.status ?? 200) >= 300) {
        result.rejected++;
        result.firstError ??= `${outcome?.error?.type ?? 'error'}: ${String(outcome?.error?.reason ?? outcome?.status).slice(0, 200)}`;
      }
    }
  }
  return result;
}

function reasonOf(text: string): string {
  try {
    const parsed = JSON.parse(text);
    const reason = parsed?.error?.reason ?? parsed?.error?.type ?? parsed?.message ?? parsed?.error;
    if (typeof reason === 'string') return reason.slice(0, 200);
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200);
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? messageOf(error);
}

/**
 * Sending through Slack's own clients: `@slack/webhook`'s IncomingWebhook and `@slack/web-api`'s
 * WebClient (`chat.postMessage`, `chat.update`). Their built-in retries are switched off and one
 * bounded policy applies to both: 429 waits for `Retry-After` (seconds; at most `maxRetryAfterMs`),
 * 5xx and network errors/timeouts back off, anything else is final and reported with Slack's own
 * error text (`invalid_blocks`, `channel_not_found`, …). WebClient would wait out any Retry-After,
 * however long, and IncomingWebhook fails a 429 at once without reading the header; hence the
 * shared policy, with `rejectRateLimitedCalls` and a fetch wrapper that keeps the header.
 */
import { sleep as defaultSleep, type Logger, retry, ServiceError } from '@dynamo-ci/core';
import { LogLevel, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import type { Transport } from './inputs.js';
import type { SlackPayload } from './message.js';

export interface SendOptions {
  retries: number;
  requestTimeoutMs: number;
  /** Longest Retry-After honoured; a longer one ends the attempts. */
  maxRetryAfterMs?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Retries go to `info`; Slack's client output (redacted) to `debug`, for `ACTIONS_STEP_DEBUG`. */
  log: Logger;
  /** Removes secrets from any text built from an error. */
  redact: (text: string) => string;
}

export interface SendResult {
  /** The message ts (Web API only: incoming webhooks do not return one). */
  ts?: string;
  channel?: string;
  attempts: number;
}

/** A send that failed for good. `rejected`: Slack refused the message; `unreachable`: it never got it. */
export class SlackSendError extends ServiceError {
  constructor(
    message: string,
    readonly kind: 'rejected' | 'unreachable',
    status?: number,
  ) {
    super(message, status);
  }
}

interface Failure {
  status?: number;
  /** Slack's error text or code. */
  detail: string;
  retryAfterMs?: number;
  transient: boolean;
}

export async function send(transport: Transport, payload: SlackPayload, options: SendOptions): Promise<SendResult> {
  let attempts = 0;
  let lastRetryAfter: string | null = null;
  const timedFetch = async (url: string | URL, init?: RequestInit) => {
    const response = await fetch(url, init);
    lastRetryAfter = response.headers.get('retry-after');
    return response;
  };
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;

  let operation: () => Promise<SendResult>;
  let classify: (error: unknown) => Failure;
  const where =
    transport.kind === 'webhook'
      ? 'the incoming webhook'
      : `chat.${transport.kind === 'api' && transport.updateTs ? 'update' : 'postMessage'}`;

  if (transport.kind === 'webhook') {
    const webhook = new IncomingWebhook(transport.url, {
      timeout: options.requestTimeoutMs,
      retryConfig: { retries: 0 },
      fetch: timedFetch as never,
    });
    operation = async () => {
      lastRetryAfter = null;
      await webhook.send(payload as never);
      return { attempts };
    };
    classify = (error) => {
      if (error instanceof IncomingWebhookHTTPError) {
        const detail = error.body.trim().slice(0, 200) || error.statusMessage;
        if (error.statusCode === 429) {
          return { status: 429, detail, transient: true, retryAfterMs: seconds(lastRetryAfter) };
        }
        return { status: error.statusCode, detail, transient: error.statusCode >= 500 };
      }
      return { detail: networkDetail(error), transient: true };
    };
  } else {
    const client = new WebClient(transport.token, {
      slackApiUrl: transport.apiUrl,
      retryConfig: { retries: 0 },
      timeout: options.requestTimeoutMs,
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.DEBUG,
      logger: quietLogger((line) => options.log.debug(options.redact(line))),
    });
    operation = async () => {
      const base = { ...payload, channel: transport.channel } as Record<string, unknown>;
      const response = transport.updateTs
        ? await client.chat.update({ ...base, ts: transport.updateTs } as never)
        : await client.chat.postMessage({
            ...base,
            ...(transport.threadTs ? { thread_ts: transport.threadTs } : {}),
          } as never);
      return { ts: response.ts as string | undefined, channel: response.channel as string | undefined, attempts };
    };
    classify = (error) => {
      if (error instanceof WebAPIRateLimitedError) {
        return { status: 429, detail: 'ratelimited', transient: true, retryAfterMs: error.retryAfter * 1000 };
      }
      if (error instanceof WebAPIPlatformError) {
        const code = String(error.data.error);
        // `ratelimited` and `fatal_error`/`internal_error` in a 200 body are Slack's transient answers.
        return {
          detail: code,
          transient: ['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable'].includes(code),
        };
      }
      if (error instanceof WebAPIHTTPError) {
        return {
          status: error.statusCode,
          detail: String(error.body ?? error.statusMessage)
            .trim()
            .slice(0, 200),
          transient: error.statusCode >= 500,
        };
      }
      return { detail: networkDetail(error), transient: true };
    };
  }

  try {
    return await retry(
      async () => {
        attempts++;
        return await operation();
      },
      {
        attempts: options.retries + 1,
        baseDelayMs: options.baseDelayMs ?? 1000,
        maxDelayMs: 20_000,
        sleep: options.sleep ?? ((ms) => defaultSleep(ms)),
        decide: (error) => {
          const failure = classify(error);
          if (!failure.transient) return { retry: false };
          if (failure.retryAfterMs !== undefined) {
            return failure.retryAfterMs <= maxRetryAfterMs
              ? { retry: true, delayMs: failure.retryAfterMs }
              : { retry: false };
          }
          return { retry: true };
        },
        onRetry: (error, attempt, delayMs) => {
          const failure = classify(error);
          options.log.info(
            options.redact(
              `Slack ${where}: ${describe(failure)}; retry ${attempt} of ${options.retries} in ${Math.round(delayMs / 100) / 10}s`,
            ),
          );
        },
      },
    ).then((result) => ({ ...result, attempts }));
  } catch (error) {
    const failure = classify(error);
    const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
    if (failure.status === 429 && failure.retryAfterMs !== undefined && failure.retryAfterMs > maxRetryAfterMs) {
      throw new SlackSendError(
        options.redact(
          `Slack ${where} is rate-limited for ${failure.retryAfterMs / 1000}s (Retry-After), longer than the ${maxRetryAfterMs / 1000}s this step waits.`,
        ),
        'unreachable',
        429,
      );
    }
    const kind = failure.transient ? 'unreachable' : 'rejected';
    const hint = kind === 'rejected' ? hintFor(failure.detail) : '';
    throw new SlackSendError(
      options.redact(
        `Slack ${kind === 'rejected' ? 'rejected the message' : 'could not be reached'} (${where}${tried}): ${describe(failure)}.${hint}`,
      ),
      kind,
      failure.status,
    );
  }
}

function describe(failure: Failure): string {
  return failure.status !== undefined ? `HTTP ${failure.status} ${failure.detail}` : failure.detail;
}

const HINTS: Record<string, string> = {
  invalid_auth: ' Check the bot token.',
  not_authed: ' Check the bot token.',
  channel_not_found: " Check 'channel' (use the channel ID, C…) and that the bot can see it.",
  not_in_channel: ' Invite the bot to the channel (/invite @bot).',
  no_service: ' The webhook URL is revoked or wrong.',
  invalid_blocks: ' The blocks break a Block Kit rule.',
  invalid_payload: ' The payload is not valid Slack JSON.',
  message_not_found: " 'update-ts' names no message in this channel.",
  cant_update_message: ' Messages sent through a webhook cannot be updated.',
};

function hintFor(detail: string): string {
  return HINTS[detail] ?? '';
}

function seconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  const value = Number(header);
  return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
}

function networkDetail(error: unknown): string {
  const original = (error as { original?: unknown; cause?: unknown }).original ?? (error as { cause?: unknown }).cause;
  const inner = original instanceof Error ? original : error instanceof Error ? error : undefined;
  if (inner?.name === 'TimeoutError' || /aborted due to timeout/i.test(inner?.message ?? ''))
    return 'request timed out';
  const cause = (inner as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return `network error (${cause?.code ?? cause?.message ?? inner?.message ?? String(error)})`;
}

/** Slack's client logs go to the debug log only (they are chatty and may echo request bodies). */
function quietLogger(debug: (message: string) => void) {
  let level = LogLevel.DEBUG;
  const write = (...messages: unknown[]) => debug(`slack client: ${messages.map(String).join(' ')}`);
  return {
    debug: write,
    info: write,
    warn: write,
    error: write,
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

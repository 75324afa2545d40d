/**
 * The smoke request: wait for the model to load (bounded attempts, backoff, honouring
 * `Retry-After`), then one real chat completion, validated the way upstream's deploy test does.
 */
import { sleep as defaultSleep, type Logger, messageOf, retry, TimeoutError, UserError } from '@dynamo-ci/core';
import type { ProxyResponse } from '@dynamo-ci/kube/cluster';
import type { Json } from './profile.js';

/** Sends one request to the frontend (through the service proxy); resolves for any HTTP status. */
export type FrontendRequest = (request: {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  timeoutMs: number;
}) => Promise<ProxyResponse>;

export const SMOKE_PROMPT =
  'You are guiding a traveller through Aeloria, a river city of many bridges. In a few sentences, describe ' +
  'what an explorer sees at dawn from the highest bridge: the markets opening on the water, the cliffs with ' +
  'their carved libraries, and the boats arriving from the northern lakes. Be vivid and concrete.';

export class SmokeFailure extends UserError {
  override name = 'SmokeFailure';
}

/** Per-attempt timeout of the readiness probe: 60, 60, 45, 30, 15, then 10 s (upstream's schedule). */
export function probeTimeoutMs(attempt: number): number {
  const schedule = [60, 60, 45, 30, 15];
  return (schedule[attempt - 1] ?? 10) * 1000;
}

/** Delay before the next probe: `Retry-After` when the frontend sent one (capped at 30 s), else `model-load-interval`, else 10 s for five tries, then 5 s. */
export function probeDelayMs(attempt: number, retryAfter: string | undefined, intervalMs?: number): number {
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) return Math.min(Number(retryAfter) * 1000, 30_000);
  if (intervalMs !== undefined) return intervalMs;
  return attempt <= 5 ? 10_000 : 5_000;
}

export interface ModelWaitOptions {
  model: string;
  attempts: number;
  /** Fixed wait between probes when the frontend sends no Retry-After. */
  intervalMs?: number;
  log: Logger;
  sleep?: (ms: number) => Promise<void>;
}

/** Statuses that mean "not ready yet": the model is loading or the proxy has no endpoint yet. */
const NOT_YET = new Set([404, 409, 425, 429, 500, 502, 503, 504]);

/** Returns the number of attempts it took. */
export async function waitForModel(send: FrontendRequest, options: ModelWaitOptions): Promise<number> {
  const sleep = options.sleep ?? defaultSleep;
  const body = JSON.stringify({
    model: options.model,
    messages: [{ role: 'user', content: 'test' }],
    max_tokens: 1,
    stream: false,
  });
  let last = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    let retryAfter: string | undefined;
    try {
      const response = await send({
        method: 'POST',
        path: '/v1/chat/completions',
        body,
        timeoutMs: probeTimeoutMs(attempt),
      });
      if (response.status === 200) return attempt;
      last = `HTTP ${response.status}: ${excerpt(response.text)}`;
      if (response.status === 401 || response.status === 403) {
        throw new SmokeFailure(
          `The service proxy refused the request (${last}); the kubeconfig's user needs the services/proxy permission`,
        );
      }
      if (!NOT_YET.has(response.status)) throw new SmokeFailure(`The frontend rejected the readiness probe: ${last}`);
      retryAfter = response.headers['retry-after'];
    } catch (error) {
      if (error instanceof SmokeFailure) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    if (attempt === options.attempts) break;
    const delay = probeDelayMs(attempt, retryAfter, options.intervalMs);
    options.log.info(
      `Model ${options.model} not ready (attempt ${attempt}/${options.attempts}: ${last}); next try in ${Math.round(delay / 1000)}s`,
    );
    await sleep(delay);
  }
  throw new TimeoutError(
    `Model ${options.model} did not answer after ${options.attempts} attempts (model-load-attempts); last answer: ${last}`,
  );
}

export interface CompletionCheck {
  ok: boolean;
  problems: string[];
  /** The parsed answer when it was JSON. */
  response?: Json;
  content?: string;
}

/** Upstream's rules: HTTP 200, JSON, choices[0].message.role == assistant, content >= N chars, model echoed. */
export function validateCompletion(status: number, text: string, model: string, minChars: number): CompletionCheck {
  const problems: string[] = [];
  if (status !== 200) problems.push(`HTTP status ${status}, expected 200 (${excerpt(text)})`);
  let response: Json | undefined;
  try {
    response = JSON.parse(text);
  } catch {
    problems.push(`the body is not JSON: ${excerpt(text)}`);
    return { ok: false, problems };
  }
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    problems.push('the body is JSON but not an object');
    return { ok: false, problems };
  }
  const choice = Array.isArray(response.choices) ? response.choices[0] : undefined;
  let content: string | undefined;
  if (!choice) {
    problems.push('choices is empty or missing');
  } else {
    const role = choice.message?.role;
    if (role !== 'assistant') problems.push(`choices[0].message.role is ${JSON.stringify(role)}, expected "assistant"`);
    content = typeof choice.message?.content === 'string' ? choice.message.content : undefined;
    if (content === undefined) problems.push('choices[0].message.content is missing');
    else if (content.length < minChars) {
      problems.push(
        `choices[0].message.content is ${content.length} characters, expected at least ${minChars} (min-response-chars)`,
      );
    }
  }
  if (response.model !== model)
    problems.push(`model is ${JSON.stringify(response.model)}, expected ${JSON.stringify(model)}`);
  return { ok: problems.length === 0, problems, response, content };
}

export interface SmokeResult {
  attempts: number;
  latencyMs: number;
  response: Json;
  content: string;
}

export async function smokeTest(
  send: FrontendRequest,
  options: ModelWaitOptions & { maxTokens: number; minChars: number; requestTimeoutMs: number; now?: () => number },
): Promise<SmokeResult> {
  const now = options.now ?? Date.now;
  const attempts = await waitForModel(send, options);
  const body = JSON.stringify({
    model: options.model,
    messages: [{ role: 'user', content: SMOKE_PROMPT }],
    max_tokens: options.maxTokens,
    temperature: 0,
    stream: false,
  });
  // A dropped connection (a port-forward stream ending, a proxy hiccup) is retried twice; an
  // answer, whatever its status, is final and validated.
  let started = now();
  const requestAttempts = 3;
  let response: ProxyResponse;
  try {
    response = await retry(
      () => {
        started = now();
        return send({ method: 'POST', path: '/v1/chat/completions', body, timeoutMs: options.requestTimeoutMs });
      },
      {
        attempts: requestAttempts,
        decide: () => ({ retry: true, delayMs: 0 }),
        onRetry: (error) => options.log.info(`The chat completion request failed (${messageOf(error)}); retrying`),
      },
    );
  } catch (error) {
    throw new SmokeFailure(`The chat completion request failed ${requestAttempts} times; last: ${messageOf(error)}`);
  }
  const latencyMs = now() - started;
  const check = validateCompletion(response.status, response.text, options.model, options.minChars);
  if (!check.ok) throw new SmokeFailure(`The chat completion failed validation: ${check.problems.join('; ')}`);
  return { attempts, latencyMs, response: check.response as Json, content: check.content as string };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || '(empty body)';
}

import type { ProxyResponse } from '@dynamo-ci/kube/cluster';
import { recordingLogger } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { probeDelayMs, probeTimeoutMs, smokeTest, validateCompletion, waitForModel } from '../src/smoke.js';

const MODEL = 'Qwen/Qwen3-0.6B';
const LONG = 'x'.repeat(120);
const answer = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ model: MODEL, choices: [{ message: { role: 'assistant', content: LONG } }], ...overrides });

describe('validateCompletion', () => {
  it('accepts a valid answer', () => {
    expect(validateCompletion(200, answer(), MODEL, 100)).toMatchObject({ ok: true, problems: [], content: LONG });
  });

  it.each([
    [503, answer(), /HTTP status 503, expected 200/],
    [200, 'upstream connect error', /the body is not JSON: upstream connect error/],
    [200, '[1,2]', /JSON but not an object/],
    [200, answer({ choices: [] }), /choices is empty or missing/],
    [
      200,
      answer({ choices: [{ message: { role: 'system', content: LONG } }] }),
      /role is "system", expected "assistant"/,
    ],
    [200, answer({ choices: [{ message: { role: 'assistant' } }] }), /content is missing/],
    [
      200,
      answer({ choices: [{ message: { role: 'assistant', content: 'short' } }] }),
      /content is 5 characters, expected at least 100/,
    ],
    [200, answer({ model: 'other' }), /model is "other", expected "Qwen\/Qwen3-0\.6B"/],
  ])('rejects status %s body %s', (status, body, message) => {
    const check = validateCompletion(status, body, MODEL, 100);
    expect(check.ok).toBe(false);
    expect(check.problems.join('; ')).toMatch(message);
  });
});

describe('probe schedule', () => {
  it('follows upstream: timeouts 60,60,45,30,15 then 10 s; sleeps 10 s five times then 5 s; Retry-After wins, capped', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(probeTimeoutMs)).toEqual([
      60_000, 60_000, 45_000, 30_000, 15_000, 10_000, 10_000,
    ]);
    expect([1, 5, 6].map((attempt) => probeDelayMs(attempt, undefined))).toEqual([10_000, 10_000, 5_000]);
    expect(probeDelayMs(1, '0')).toBe(0);
    expect(probeDelayMs(1, '3')).toBe(3000);
    expect(probeDelayMs(1, '600')).toBe(30_000);
    expect(probeDelayMs(7, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(5000);
    expect(probeDelayMs(1, undefined, 250)).toBe(250);
    expect(probeDelayMs(1, '2', 250)).toBe(2000);
  });
});

function scripted(responses: (ProxyResponse | Error)[]) {
  const sent: { path: string; body?: string; timeoutMs: number }[] = [];
  const send = async (request: { path: string; body?: string; timeoutMs: number }) => {
    sent.push(request);
    const next = responses.shift();
    if (!next) throw new Error('no more responses');
    if (next instanceof Error) throw next;
    return next;
  };
  return { send, sent };
}
const ok = (text = answer()): ProxyResponse => ({ status: 200, headers: {}, text });
const loading: ProxyResponse = { status: 503, headers: { 'retry-after': '1' }, text: 'loading' };

describe('waitForModel and smokeTest', () => {
  it('retries 503s and network errors, sleeping as told, then sends the real request', async () => {
    const sleeps: number[] = [];
    const log = recordingLogger();
    const lines = log.lines;
    const { send, sent } = scripted([loading, new Error('socket hang up'), ok(), ok()]);
    const result = await smokeTest(send, {
      model: MODEL,
      attempts: 5,
      maxTokens: 30,
      minChars: 100,
      requestTimeoutMs: 120_000,
      log,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(result.attempts).toBe(3);
    expect(sleeps).toEqual([1000, 10_000]);
    expect(lines[1]).toMatch(/attempt 2\/5: socket hang up/);
    expect(JSON.parse(sent[0]?.body as string)).toEqual({
      model: MODEL,
      messages: [{ role: 'user', content: 'test' }],
      max_tokens: 1,
      stream: false,
    });
    expect(JSON.parse(sent[3]?.body as string)).toMatchObject({
      model: MODEL,
      max_tokens: 30,
      temperature: 0,
      stream: false,
    });
    expect(sent[3]?.timeoutMs).toBe(120_000);
  });

  it('stops at once on a refused proxy (RBAC) and after the last attempt otherwise', async () => {
    const forbidden = scripted([{ status: 403, headers: {}, text: '{"message":"services \\"x\\" is forbidden"}' }]);
    await expect(
      waitForModel(forbidden.send, { model: MODEL, attempts: 5, log: recordingLogger(), sleep: async () => {} }),
    ).rejects.toThrow(/needs the services\/proxy permission/);
    const never = scripted([loading, loading, loading]);
    await expect(
      waitForModel(never.send, { model: MODEL, attempts: 3, log: recordingLogger(), sleep: async () => {} }),
    ).rejects.toThrow(/did not answer after 3 attempts .*HTTP 503: loading/);
    expect(never.sent).toHaveLength(3);
  });
});

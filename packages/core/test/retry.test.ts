import { describe, expect, it } from 'vitest';
import { backoffDelay, retry, retryDecision } from '../src/index.js';

describe('retry', () => {
  it('retries until success and reports each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { attempts: 5, baseDelayMs: 100, sleep: async (ms) => void waits.push(ms) },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });

  it('stops at the attempt limit and when the decision says final', async () => {
    let calls = 0;
    const failing = () =>
      retry(
        async () => {
          calls++;
          throw new Error(`failure ${calls}`);
        },
        { attempts: 3, sleep: async () => {} },
      );
    await expect(failing()).rejects.toThrow('failure 3');
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error('final');
        },
        { decide: () => ({ retry: false }), sleep: async () => {} },
      ),
    ).rejects.toThrow('final');
    expect(calls).toBe(1);
  });

  it('uses the delay the decision asks for', async () => {
    const waits: number[] = [];
    let calls = 0;
    await retry(
      async () => {
        if (calls++ === 0) throw new Error('rate limited');
      },
      { decide: () => ({ retry: true, delayMs: 4321 }), sleep: async (ms) => void waits.push(ms) },
    );
    expect(waits).toEqual([4321]);
  });

  it('keeps backoff within [ceiling/2, ceiling] and under the cap', () => {
    for (let attempt = 1; attempt < 10; attempt++) {
      const delay = backoffDelay(attempt, 1000, 8000);
      const ceiling = Math.min(8000, 1000 * 2 ** (attempt - 1));
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
    }
  });
});

describe('GitHub retry decisions', () => {
  const error = (status: number, headers: Record<string, string> = {}, message = '') => ({
    status,
    message,
    response: { headers },
  });
  it.each([
    ['429 with Retry-After', error(429, { 'retry-after': '7' }), { retry: true, delayMs: 7000 }],
    ['429 without Retry-After waits a minute', error(429), { retry: true, delayMs: 60_000 }],
    [
      'secondary rate limit',
      error(403, { 'retry-after': '3' }, 'You have exceeded a secondary rate limit'),
      { retry: true, delayMs: 3000 },
    ],
    [
      'primary limit until reset',
      error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1010' }),
      { retry: true, delayMs: 11_000 },
    ],
    [
      'reset too far away is final',
      error(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '99999' }),
      { retry: false },
    ],
    ['plain 403 is final', error(403), { retry: false }],
    ['404 is final', error(404), { retry: false }],
    ['502 retries with backoff', error(502), { retry: true }],
  ])('%s', (_, input, expected) => {
    expect(retryDecision(input, 120_000, 1_000_000)).toEqual(expected);
  });
});

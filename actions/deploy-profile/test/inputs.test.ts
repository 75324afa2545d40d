import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';

const parse = (values: Record<string, string>) => parseInputs((name) => values[name]);

describe('parseInputs', () => {
  it('applies defaults', () => {
    expect(parse({ profile: 'p.yaml' })).toMatchObject({
      profile: 'p.yaml',
      kubeconfig: undefined,
      namespace: undefined,
      timeoutMs: 30 * 60_000,
      pollIntervalMs: 5000,
      restartThreshold: 3,
      smokeRequest: true,
      access: 'service-proxy',
      frontendPort: 8000,
      minResponseChars: 100,
      maxTokens: 64,
      modelLoadAttempts: 30,
      modelLoadIntervalMs: undefined,
      requestTimeoutMs: 120_000,
      cleanup: 'always',
      cleanupTimeoutMs: 120_000,
    });
  });

  it('parses durations and labels', () => {
    const parsed = parse({
      profile: 'p',
      'timeout-minutes': '45',
      'poll-interval': '250ms',
      'namespace-labels': 'nscleanup/enabled=true\nnscleanup/ttl=7200',
    });
    expect(parsed.timeoutMs).toBe(45 * 60_000);
    expect(parsed.pollIntervalMs).toBe(250);
    expect(parse({ profile: 'p', 'model-load-interval': '2' }).modelLoadIntervalMs).toBe(2000);
    expect(parse({ profile: 'p', access: 'port-forward' }).access).toBe('port-forward');
    expect([...parsed.namespaceLabels]).toEqual([
      ['nscleanup/enabled', 'true'],
      ['nscleanup/ttl', '7200'],
    ]);
  });

  it.each([
    [{}, /Input required and not supplied: profile/],
    [{ profile: 'p', namespace: '-bad' }, /Input 'namespace' must be a Kubernetes namespace name/],
    [{ profile: 'p', namespace: 'a'.repeat(64) }, /Input 'namespace'/],
    [{ profile: 'p', image: 'repo/img:tag $(id)' }, /Input 'image' must be an image reference/],
    [{ profile: 'p', model: 'Qwen "x"' }, /Input 'model' must be a model name/],
    [
      { profile: 'p', 'namespace-labels': 'bad key=x' },
      /Input 'namespace-labels' has an invalid Kubernetes label "bad key=x"/,
    ],
    [{ profile: 'p', 'namespace-labels': 'ok=has spaces' }, /Input 'namespace-labels' has an invalid Kubernetes label/],
    [{ profile: 'p', 'restart-threshold': '-1' }, /Input 'restart-threshold' must be .*1000, got -1/],
    [{ profile: 'p', 'smoke-request': 'maybe' }, /Input 'smoke-request' must be true or false/],
    [{ profile: 'p', 'frontend-port': '70000' }, /Input 'frontend-port' must be .*65535, got 70000/],
    [{ profile: 'p', 'timeout-minutes': 'soon' }, /Input 'timeout-minutes' must be a duration/],
  ])('rejects %j', (values, message) => {
    expect(() => parse(values)).toThrow(message);
  });
});

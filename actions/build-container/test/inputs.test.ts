import { describe, expect, it } from 'vitest';
import { isValidImageName, parseInputs, parseSecrets } from '../src/inputs.js';

describe('isValidImageName', () => {
  it.each([
    ['nvcr.io/acme/dynamo', true],
    ['127.0.0.1:5000/ai-dynamo/dynamo', true],
    ['123456789012.dkr.ecr.us-west-2.amazonaws.com/ai-dynamo/dynamo', true],
    ['localhost/dynamo', true],
    ['dynamo', true],
    ['ai-dynamo/dynamo__x', true],
    ['nvcr.io/acme/dynamo:latest', false],
    ['nvcr.io/acme/dynamo@sha256:abc', false],
    ['nvcr.io/Acme/dynamo', false],
    ['nvcr.io/acme/-dynamo', false],
    ['nvcr.io//dynamo', false],
    ['nvcr.io/acme/dynamo/', false],
    ['nvcr.io/acme dynamo', false],
    ['--push', false],
  ])('%s -> %s', (name, valid) => expect(isValidImageName(name)).toBe(valid));
});

describe('parseSecrets', () => {
  it('reads names, id=VARIABLE pairs and optional markers', () => {
    expect(parseSecrets('HF_TOKEN\naws-web-identity=AWS_WEB_IDENTITY_TOKEN_FILE?, NGC')).toEqual([
      { id: 'HF_TOKEN', env: 'HF_TOKEN', optional: false },
      { id: 'aws-web-identity', env: 'AWS_WEB_IDENTITY_TOKEN_FILE', optional: true },
      { id: 'NGC', env: 'NGC', optional: false },
    ]);
  });
  it.each(['HF-TOKEN', 'id=', '=X', 'a=b=c', '$(id)'])('rejects %s naming the input', (entry) => {
    expect(() => parseSecrets(entry)).toThrow(/^Input 'secrets' entries must be/);
  });
});

describe('parseInputs', () => {
  it('applies defaults and normalises platforms', () => {
    const raw: Record<string, string> = {
      'image-name': 'nvcr.io/acme/dynamo',
      framework: 'vllm',
      platforms: 'amd64\nlinux/arm64,amd64',
    };
    const parsed = parseInputs((name) => raw[name]);
    expect(parsed).toMatchObject({
      platforms: ['linux/amd64', 'linux/arm64'],
      dockerfile: 'Dockerfile',
      context: '.',
      engine: 'auto',
      push: false,
      cache: 'auto',
      pushRetries: 3,
      pushRetryDelayMs: 2000,
      timeoutMs: 3_600_000,
      minFreeDiskGb: 20,
      archSuffix: 'auto',
      addShaTag: true,
    });
    expect(parsed.target).toBeUndefined();
    expect(parseInputs((name) => ({ ...raw, 'timeout-minutes': '1h30m' })[name]).timeoutMs).toBe(5_400_000);
  });
});

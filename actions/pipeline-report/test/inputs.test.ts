import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';

const parse = (values: Record<string, string>) =>
  parseInputs((name) => ({ token: 'ghs_x', artifacts: 'test-results-*', ...values })[name], { temp: '/runner/temp' });

describe('parseInputs', () => {
  it('has defaults for everything but the token', () => {
    const inputs = parse({});
    expect(inputs).toMatchObject({
      artifactPrefix: 'test-results-',
      history: true,
      historyArtifact: 'pipeline-report-history',
      historyRuns: 30,
      historyLookback: 10,
      slowest: 10,
      maxJobs: 1000,
      reportDir: '/runner/temp/pipeline-report',
      testJobs: [],
      gpuRules: [],
    });
    expect(inputs.metrics).toBeUndefined();
    expect(inputs.artifacts[0]?.test('test-results-vllm-1')).toBe(true);
  });

  it('takes credentials out of the metrics URL and never names them', () => {
    const { metrics } = parse({ 'metrics-url': 'https://ci:p%40ss@search.example:9200/base/' });
    expect(metrics).toEqual({
      endpoint: 'https://search.example:9200/base/_bulk',
      display: 'https://search.example:9200/base/_bulk',
      authorization: `Basic ${Buffer.from('ci:p@ss').toString('base64')}`,
      indexPrefix: 'dynamo-ci',
    });
    expect(
      parse({ 'metrics-url': 'https://s/_bulk', 'metrics-credentials': 'ApiKey abc==' }).metrics?.authorization,
    ).toBe('ApiKey abc==');
  });

  it('reads GPU rules', () => {
    expect(parse({ 'gpu-labels': 'dgx-*=8\ngpu-runner=2' }).gpuRules.map((rule) => rule.gpus)).toEqual([8, 2]);
  });

  it.each([
    [{ token: '' }, 'Input required and not supplied: token'],
    [{ artifacts: ' ' }, "Input 'artifacts' must name at least one artifact pattern"],
    [{ 'run-id': 'abc' }, `Input 'run-id' must be a workflow run id (digits), got "abc"`],
    [{ repository: 'nope' }, `Input 'repository' must be owner/name, got "nope"`],
    [{ 'history-runs': '0' }, "Input 'history-runs' must be between 1 and 500, got 0"],
    [{ 'history-artifact': 'a/b' }, `Input 'history-artifact' must be a valid artifact name`],
    [{ 'gpu-labels': 'gpu' }, `Input 'gpu-labels' entries must be label-glob=count, like gpu-h100-*=8, got "gpu"`],
    [{ 'metrics-url': 'not a url with secret' }, "Input 'metrics-url' must be an http(s) URL"],
    [{ 'metrics-credentials': 'u:p' }, "Input 'metrics-credentials' is set but 'metrics-url' is not"],
    [
      { 'metrics-url': 'https://s', 'metrics-credentials': 'secretwithoutcolon' },
      "Input 'metrics-credentials' must be user:password",
    ],
    [
      { 'metrics-url': 'https://s', 'metrics-index': 'Bad Index' },
      `Input 'metrics-index' must be a lowercase index name prefix`,
    ],
    [{ history: 'maybe' }, `Input 'history' must be true or false, got "maybe"`],
  ])('refuses %j', (values, message) => {
    expect(() => parse(values)).toThrow(message);
    try {
      parse(values);
    } catch (error) {
      expect((error as Error).message).not.toMatch(/secret/);
    }
  });
});

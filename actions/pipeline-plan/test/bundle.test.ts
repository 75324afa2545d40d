import { runAction } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

describe('pipeline-plan bundle', () => {
  it('writes the matrices as outputs and a summary', async () => {
    const result = await runAction('pipeline-plan', {}, { inputs: { changes: '["docs","sglang"]' } });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs['build-matrix'] as string).include).toHaveLength(4);
    expect(result.outputs['has-builds']).toBe('true');
    expect(result.outputs['has-deploys']).toBe('false');
    expect(JSON.parse(result.outputs.units as string)).toEqual(['sglang']);
    expect(result.summary).toContain('| sglang | build | sglang changed |');
  });

  it('fails with one error naming the input', async () => {
    const result = await runAction('pipeline-plan', {}, { inputs: { changes: 'vllm' } });
    expect(result.exitCode).toBe(1);
    expect(result.errors.map((error) => error.message)).toEqual([
      expect.stringContaining("Input 'changes' must be valid JSON"),
    ]);
    expect(result.outputs).toEqual({});
  });
});

import { runAction } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';

describe('pipeline-plan bundle', () => {
  it('writes the matrices as outputs and a summary', async () => {
    const result = await runAction('pipeline-plan', {}, { inputs: { changes: '["docs","sglang"]' } });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs['build-matrix'] as string).include).toHaveLength(4);
    expect(result.outputs['has-builds']).toBe('true');
    expect(result.outputs['has-deploys']).toBe('false');
    expect(result.outputs['has-frontend']).toBe('false');
    expect(result.outputs['deploy-scope']).toBe('none');
    expect(JSON.parse(result.outputs.units as string)).toEqual(['sglang']);
    expect(result.summary).toContain('| sglang | build | sglang changed |');
  });

  it('deploy: auto reads the run: the always tier on a pull-request/N push, every tier on a dispatch', async () => {
    const event = { repository: { default_branch: 'main' } };
    const pr = await runAction(
      'pipeline-plan',
      { eventName: 'push', ref: 'refs/heads/pull-request/7', sha: 'f'.repeat(40), event },
      { inputs: { changes: '["vllm"]', deploy: 'auto' } },
    );
    expect(pr.outputs['deploy-scope']).toBe('always');
    const legs = JSON.parse(pr.outputs['deploy-matrix'] as string).include;
    expect(legs.map((leg: { name: string }) => leg.name)).toEqual(['vllm disagg_router']);
    expect(legs[0]['image-tag']).toBe(`${'f'.repeat(40)}-vllm-runtime-cuda12-amd64`);
    expect(JSON.parse(pr.outputs.images as string).operator).toBe('main-operator-amd64');
    const dispatch = await runAction(
      'pipeline-plan',
      { eventName: 'workflow_dispatch', ref: 'refs/heads/feature', event },
      { inputs: { changes: '["vllm"]', deploy: 'auto' } },
    );
    expect(JSON.parse(dispatch.outputs['deploy-matrix'] as string).include).toHaveLength(4);
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

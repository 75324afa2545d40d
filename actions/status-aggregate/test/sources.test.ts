import { describe, expect, it } from 'vitest';
import { scopeToOwnWorkflow } from '../src/sources.js';

const job = (name: string, runnerName?: string, status = 'completed') => ({
  name,
  status,
  conclusion: status === 'completed' ? 'success' : null,
  runnerName,
});

describe('scopeToOwnWorkflow', () => {
  it('keeps the jobs of the reusable workflow the gate runs in, without the caller prefix', () => {
    const jobs = [
      job('changes'),
      job('backend / build (vllm, amd64)'),
      job('backend / test (vllm)'),
      job('backend / backend-status-check', 'runner-7', 'in_progress'),
      job('deploy / deploy (vllm, agg)'),
      job('backend-like / build'),
    ];
    expect(scopeToOwnWorkflow(jobs, 'runner-7').map((entry) => entry.name)).toEqual([
      'build (vllm, amd64)',
      'test (vllm)',
      'backend-status-check',
    ]);
  });

  it('takes the innermost prefix of nested calls', () => {
    const jobs = [job('pr / backend / build'), job('pr / backend / gate', 'r1', 'in_progress'), job('pr / checks')];
    expect(scopeToOwnWorkflow(jobs, 'r1').map((entry) => entry.name)).toEqual(['build', 'gate']);
  });

  it('leaves a top-level workflow as it is, and does nothing without a runner name', () => {
    const jobs = [job('build / shard (1)'), job('gate', 'r1', 'in_progress')];
    expect(scopeToOwnWorkflow(jobs, 'r1')).toEqual(jobs);
    expect(scopeToOwnWorkflow([job('a / b'), job('a / gate', 'r1', 'in_progress')], undefined)).toHaveLength(2);
  });
});

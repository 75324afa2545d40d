import { describe, expect, it } from 'vitest';
import { parseWorkflow } from '../src/graph.js';
import { type OwnJob, scopeToOwnWorkflow } from '../src/sources.js';

const job = (name: string, runnerName?: string, status = 'completed') => ({
  name,
  status,
  conclusion: status === 'completed' ? 'success' : null,
  runnerName,
});

/** The gate's own entry: the unfinished job on `runnerName`, whose job id is `jobId`. */
const own = (runnerName: string | undefined, jobId: string | undefined, yaml?: string): OwnJob => ({
  runnerName,
  jobId,
  graph: yaml === undefined ? undefined : parseWorkflow(yaml, 'ci.yml'),
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
    expect(scopeToOwnWorkflow(jobs, own('runner-7', 'backend-status-check')).map((entry) => entry.name)).toEqual([
      'build (vllm, amd64)',
      'test (vllm)',
      'backend-status-check',
    ]);
  });

  it('takes the innermost prefix of nested calls', () => {
    const jobs = [job('pr / backend / build'), job('pr / backend / gate', 'r1', 'in_progress'), job('pr / checks')];
    expect(scopeToOwnWorkflow(jobs, own('r1', 'gate')).map((entry) => entry.name)).toEqual(['build', 'gate']);
  });

  it('leaves a top-level workflow as it is, and does nothing without a runner name', () => {
    const jobs = [job('build / shard (1)'), job('gate', 'r1', 'in_progress')];
    expect(scopeToOwnWorkflow(jobs, own('r1', 'gate'))).toEqual(jobs);
    expect(
      scopeToOwnWorkflow([job('a / b'), job('a / gate', 'r1', 'in_progress')], own(undefined, 'gate')),
    ).toHaveLength(2);
  });

  it("leaves a top-level gate whose name or matrix values contain ' / ' as it is", () => {
    const named = [job('build'), job('test (vllm)'), job('CI / status', 'r1', 'in_progress')];
    const workflow = 'jobs:\n  build: {runs-on: x}\n  gate: {name: CI / status, runs-on: x}\n';
    expect(scopeToOwnWorkflow(named, own('r1', 'gate', workflow))).toEqual(named);
    // Without the workflow file the stripped name 'status' is not the job id either.
    expect(scopeToOwnWorkflow(named, own('r1', 'gate'))).toEqual(named);
    const matrix = [job('build'), job('gate (linux / amd64)', 'r1', 'in_progress'), job('gate (linux / arm64)')];
    expect(scopeToOwnWorkflow(matrix, own('r1', 'gate'))).toEqual(matrix);
  });

  it('scopes only when the rest of its own name names its job id', () => {
    const jobs = [job('changes'), job('backend / build'), job('backend / gate (a / b)', 'r1', 'in_progress')];
    expect(scopeToOwnWorkflow(jobs, own('r1', 'gate')).map((entry) => entry.name)).toEqual(['build', 'gate (a / b)']);
    expect(scopeToOwnWorkflow(jobs, own('r1', 'other'))).toEqual(jobs);
    expect(scopeToOwnWorkflow(jobs, own('r1', undefined))).toEqual(jobs);
  });
});

import { describe, expect, it } from 'vitest';
import { buildMarkerExpression, type MarkerSelection, phaseExpression } from '../src/markers.js';

const base: MarkerSelection = { lifecycle: 'pre_merge', gpus: '0', arch: 'amd64' };

describe('buildMarkerExpression', () => {
  // The forms upstream's workflows write, character for character.
  it.each([
    [{ framework: 'vllm', gpus: '0' }, 'pre_merge and vllm and gpu_0'],
    [{ framework: 'sglang', gpus: '1' }, 'pre_merge and sglang and gpu_1'],
    [{ framework: 'trtllm', gpus: 'multi' }, 'pre_merge and trtllm and (gpu_2 or gpu_4)'],
    [{ framework: 'planner', gpus: '0' }, 'pre_merge and planner and gpu_0'],
    [{ framework: 'none', gpus: '1' }, 'pre_merge and none and gpu_1'],
    [{ lifecycle: 'post_merge', framework: 'vllm', gpus: '0' }, '(pre_merge or post_merge) and vllm and gpu_0'],
    [
      { lifecycle: 'post_merge', framework: 'vllm', gpus: 'multi' },
      '(pre_merge or post_merge) and vllm and (gpu_2 or gpu_4)',
    ],
    [{ lifecycle: 'post_merge', framework: 'planner', gpus: '0' }, '(pre_merge or post_merge) and planner and gpu_0'],
    [{ lifecycle: 'nightly', framework: 'vllm', gpus: '0' }, 'vllm and gpu_0'],
    [{ lifecycle: 'nightly', framework: 'sglang', gpus: '1' }, 'sglang and gpu_1'],
    [{ lifecycle: 'nightly', framework: 'trtllm', gpus: 'multi' }, 'trtllm and (gpu_2 or gpu_4)'],
    [{ gpus: '0' }, 'pre_merge and gpu_0'],
    [{ lifecycle: 'nightly', gpus: '8' }, 'gpu_8'],
  ] as [Partial<MarkerSelection>, string][])('%o -> %s', (selection, expected) => {
    const plan = buildMarkerExpression({ ...base, ...selection });
    expect(plan.expression).toBe(expected);
    expect(plan.notes).toEqual([]);
  });

  it('runs only gpu_0 tests on arm64 and says why', () => {
    const plan = buildMarkerExpression({ ...base, framework: 'vllm', gpus: '1', arch: 'arm64' });
    expect(plan.expression).toBe('pre_merge and vllm and gpu_0');
    expect(plan.effectiveGpus).toBe('0');
    expect(plan.notes).toEqual(['arch arm64 runs only gpu_0 tests, so gpus: 1 was replaced by gpus: 0']);
  });

  it('takes markers verbatim, adding only the arm64 filter', () => {
    expect(buildMarkerExpression({ ...base, framework: 'vllm', markers: ' framework_only ' }).expression).toBe(
      'framework_only',
    );
    expect(buildMarkerExpression({ ...base, markers: 'a or b', arch: 'arm64' }).expression).toBe('(a or b) and gpu_0');
  });

  it('splits a selection into the parallel and sequential phases of container validation', () => {
    const expression = 'pre_merge and not (vllm or sglang or trtllm) and (gpu_0)';
    expect(phaseExpression(expression, 'parallel', 'parallel')).toBe(
      '(pre_merge and not (vllm or sglang or trtllm) and (gpu_0)) and parallel',
    );
    expect(phaseExpression(expression, 'parallel', 'sequential')).toBe(
      '(pre_merge and not (vllm or sglang or trtllm) and (gpu_0)) and not parallel',
    );
  });
});

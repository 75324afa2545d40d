import { describe, expect, it } from 'vitest';
import { mergeDurations, planShards } from '../src/shard.js';

describe('planShards', () => {
  it('puts every test in exactly one shard', () => {
    const ids = Array.from({ length: 101 }, (_, index) => `tests/test_${index % 7}.py::test_${index}`);
    const plan = planShards(ids, {}, 4);
    const all = plan.shards.flatMap((shard) => shard.ids).sort();
    expect(all).toEqual([...ids].sort());
    // Without durations every test weighs the same: shards differ by at most one test.
    const sizes = plan.shards.map((shard) => shard.ids.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(plan.estimated).toBe(101);
  });

  it('balances by past durations (LPT) and is the same whatever the input order', () => {
    const durations = { a: 10, b: 7, c: 6, d: 5, e: 4, f: 3, g: 3, h: 2 };
    const plan = planShards(Object.keys(durations), durations, 3);
    expect(plan.shards.map((shard) => shard.ids)).toEqual([
      ['a', 'f'],
      ['b', 'e', 'g'],
      ['c', 'd', 'h'],
    ]);
    expect(plan.makespan).toBe(14);
    expect(plan.lowerBound).toBeCloseTo(40 / 3);
    const shuffled = planShards(['h', 'c', 'a', 'g', 'e', 'b', 'f', 'd'], durations, 3);
    expect(shuffled.shards).toEqual(plan.shards);
    expect(shuffled.fingerprint).toBe(plan.fingerprint);
  });

  it('gives a new test the median of the known durations', () => {
    const plan = planShards(['old1', 'old2', 'old3', 'new'], { old1: 1, old2: 5, old3: 9 }, 2);
    expect(plan.estimated).toBe(1);
    expect(plan.shards.map((shard) => shard.seconds).sort()).toEqual([10, 10]);
  });

  it('leaves shards empty when there are fewer tests than shards', () => {
    const plan = planShards(['only'], {}, 3);
    expect(plan.shards.map((shard) => shard.ids.length)).toEqual([1, 0, 0]);
  });

  it('changes its fingerprint when the durations change', () => {
    expect(planShards(['a', 'b'], { a: 1 }, 2).fingerprint).not.toBe(planShards(['a', 'b'], { a: 2 }, 2).fingerprint);
  });
});

describe('mergeDurations', () => {
  it('keeps past values for tests that did not run and takes the new ones', () => {
    expect(mergeDurations({ a: 1, b: 2 }, { b: 3, c: 4 })).toEqual({ a: 1, b: 3, c: 4 });
  });
});

import { describe, expect, it } from 'vitest';
import { isDnsLabel, labelValue, namespaceLabels, namespaceName } from '../src/naming.js';

describe('namespaceName', () => {
  const JOB = ['deploy', 'GitHub Actions 7', 'examples/backends/vllm/deploy/agg_router.yaml', ''];

  it('is ci-<run>-<attempt>-<profile>-<job> as a DNS label', () => {
    expect(namespaceName('12345678901', '1', 'agg_router', JOB)).toMatch(/^ci-12345678901-1-agg-router-[0-9a-f]{6}$/);
    expect(namespaceName('1', '2', 'Disagg.Router KV', JOB)).toMatch(/^ci-1-2-disagg-router-kv-[0-9a-f]{6}$/);
    expect(namespaceName('1', '1', '__', JOB)).toMatch(/^ci-1-1-profile-[0-9a-f]{6}$/);
    // The same job, step after step, gets the same name.
    expect(namespaceName('1', '1', 'agg', JOB)).toBe(namespaceName('1', '1', 'agg', [...JOB]));
  });

  it('gives the matrix legs of one run their own namespaces', () => {
    const vllm = ['deploy', 'runner-a', 'examples/backends/vllm/deploy/agg.yaml', ''];
    const legs = [
      vllm,
      ['deploy', 'runner-b', 'examples/backends/sglang/deploy/agg.yaml', ''],
      ['deploy', 'runner-c', 'examples/backends/vllm/deploy/agg.yaml', ''],
      ['deploy', 'runner-a', 'examples/backends/vllm/deploy/agg.yaml', 'registry/vllm:cuda13'],
      ['deploy-nightly', 'runner-a', 'examples/backends/vllm/deploy/agg.yaml', ''],
    ];
    const names = legs.map((job) => namespaceName('99', '1', 'agg', job));
    expect(new Set(names).size).toBe(legs.length);
    // Fields never run into each other: ("ab", "c") is not ("a", "bc").
    expect(namespaceName('9', '1', 'agg', ['ab', 'c'])).not.toBe(namespaceName('9', '1', 'agg', ['a', 'bc']));
  });

  it('cuts long names to 63 characters with a hash that keeps them distinct', () => {
    const a = namespaceName('24536472819', '3', `disagg_router_kv_approx_with_a_${'very_'.repeat(10)}long_name_a`, JOB);
    const b = namespaceName('24536472819', '3', `disagg_router_kv_approx_with_a_${'very_'.repeat(10)}long_name_b`, JOB);
    const c = namespaceName('24536472819', '3', `disagg_router_kv_approx_with_a_${'very_'.repeat(10)}long_name_a`, [
      ...JOB.slice(0, 1),
      'another runner',
      ...JOB.slice(2),
    ]);
    for (const name of [a, b, c]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(isDnsLabel(name)).toBe(true);
      expect(name.startsWith('ci-24536472819-3-disagg-router')).toBe(true);
    }
    expect(new Set([a, b, c]).size).toBe(3);
  });
});

describe('labels', () => {
  it('makes label values valid', () => {
    expect(labelValue('agg_router')).toBe('agg_router');
    expect(labelValue('-a/b c-')).toBe('a-b-c');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
  });

  it('marks the namespace for stale sweeps and keeps user labels', () => {
    const labels = namespaceLabels(
      { runId: '9', attempt: '1', profile: 'agg', repository: 'o/r', runUrl: undefined },
      new Map([['nscleanup/enabled', 'true']]),
    );
    expect(labels).toEqual({
      'app.kubernetes.io/managed-by': 'dynamo-ci-deploy-profile',
      'dynamo-ci/run-id': '9',
      'dynamo-ci/run-attempt': '1',
      'dynamo-ci/repository': 'o.r',
      'dynamo-ci/profile': 'agg',
      'nscleanup/enabled': 'true',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { isDnsLabel, labelValue, namespaceLabels, namespaceName } from '../src/naming.js';

describe('namespaceName', () => {
  it('is ci-<run>-<attempt>-<profile> as a DNS label', () => {
    expect(namespaceName('12345678901', '1', 'agg_router')).toBe('ci-12345678901-1-agg-router');
    expect(namespaceName('1', '2', 'Disagg.Router KV')).toBe('ci-1-2-disagg-router-kv');
    expect(namespaceName('1', '1', '__')).toBe('ci-1-1-profile');
  });

  it('cuts long names to 63 characters with a hash that keeps them distinct', () => {
    const a = namespaceName('24536472819', '3', `disagg_router_kv_approx_with_a_${'very_'.repeat(10)}long_name_a`);
    const b = namespaceName('24536472819', '3', `disagg_router_kv_approx_with_a_${'very_'.repeat(10)}long_name_b`);
    for (const name of [a, b]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(isDnsLabel(name)).toBe(true);
      expect(name.startsWith('ci-24536472819-3-disagg-router')).toBe(true);
    }
    expect(a).not.toBe(b);
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
      'dynamo-ci/profile': 'agg',
      'nscleanup/enabled': 'true',
    });
  });
});

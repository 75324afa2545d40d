import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { chooseNamespaces, formatAge, inventoryOf, targetOf } from '../src/select.js';

const context = { runId: '77', attempt: '3', repository: 'ai-dynamo/dynamo' };
const inputs = (values: Record<string, string>) => parseInputs((name) => values[name]);

describe('targetOf', () => {
  it('selects one run attempt, every attempt, another run, or by age', () => {
    expect(targetOf(inputs({}), context, 0)).toMatchObject({
      mode: 'run',
      selector: 'dynamo-ci/run-id=77,dynamo-ci/run-attempt=3,dynamo-ci/repository=ai-dynamo.dynamo',
      description: 'run 77 attempt 3',
    });
    expect(targetOf(inputs({ 'all-attempts': 'true', 'run-id': '5' }), context, 0).selector).toBe(
      'dynamo-ci/run-id=5,dynamo-ci/repository=ai-dynamo.dynamo',
    );
    expect(targetOf(inputs({ 'older-than': '2h' }), context, 10 * 3600_000)).toMatchObject({
      mode: 'sweep',
      selector: 'dynamo-ci/run-id,dynamo-ci/repository=ai-dynamo.dynamo',
      cutoff: 8 * 3600_000,
    });
    expect(targetOf(inputs({ selector: 'team=ci' }), context, 0).selector).toBe('team=ci');
  });
});

describe('chooseNamespaces', () => {
  const ns = (name: string, created?: string) => ({ metadata: { name, creationTimestamp: created } });
  it('in a sweep keeps the young and those without a creation time; a run cleanup takes all', () => {
    const now = Date.parse('2026-01-10T00:00:00Z');
    const list = [ns('old', '2026-01-07T00:00:00Z'), ns('young', '2026-01-09T23:00:00Z'), ns('odd')];
    const sweep = targetOf(inputs({ 'older-than': '48h' }), context, now);
    const choice = chooseNamespaces(list, sweep, now);
    expect(choice.chosen.map((n) => n.metadata.name)).toEqual(['old']);
    expect(choice.kept).toEqual([
      { name: 'young', reason: '60m old' },
      { name: 'odd', reason: 'no creation time' },
    ]);
    expect(chooseNamespaces(list, targetOf(inputs({}), context, now), now).chosen).toHaveLength(3);
    expect([formatAge(5 * 60_000), formatAge(50 * 3600_000), formatAge(100 * 3600_000)]).toEqual(['5m', '50h', '4d']);
  });

  it('reads the inventory annotation, ignoring a malformed one with a reason', () => {
    const ref = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'r', extra: 1 };
    const annotated = (value: string) => ({ metadata: { annotations: { 'dynamo-ci/cluster-objects': value } } });
    expect(inventoryOf(annotated(JSON.stringify([ref, { kind: 'x' }]))).refs).toEqual([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'r' },
    ]);
    expect(inventoryOf(annotated('{bad')).problem).toMatch(/is not a JSON list/);
    expect(inventoryOf({ metadata: {} })).toEqual({ refs: [] });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { recordingLogger } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { DeploymentFailed, type DeployProgress, deploy, plan } from '../src/deploy.js';
import { parseInputs } from '../src/inputs.js';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../src/naming.js';
import { parseProfile } from '../src/profile.js';

const AGG = readFileSync(join(import.meta.dirname, 'fixtures', 'agg.yaml'), 'utf8');

/** A cluster whose namespace stays as given; everything after the namespace phase stops the test. */
function clusterWith(namespace: Record<string, unknown>): Cluster & { created: string[] } {
  const created: string[] = [];
  const stop = () => Promise.reject(new Error('stop after the namespace phase'));
  return {
    server: 'https://fake',
    created,
    getNamespace: async () => structuredClone(namespace),
    createNamespace: async (name: string) => {
      created.push(name);
      return true;
    },
    deleteNamespace: stop,
    annotateNamespace: stop,
    listNamespaces: stop,
    apply: stop,
    get: stop,
    delete: stop,
    list: stop,
    listPods: stop,
    listEvents: stop,
    listServices: stop,
    podLog: stop,
    proxy: stop,
    forwardConnection: stop,
  } as Cluster & { created: string[] };
}

function setup(namespace: Record<string, unknown>, values: Record<string, string> = {}) {
  const inputs = parseInputs((name) => ({ profile: 'agg.yaml', 'smoke-request': 'false', ...values })[name]);
  const cluster = clusterWith(namespace);
  let clock = 0;
  const sleeps: number[] = [];
  const logger = recordingLogger();
  const log = logger.lines;
  const state: Record<string, string> = {};
  const ports = {
    cluster,
    log: logger,
    saveState: (name: string, value: string) => {
      state[name] = value;
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
  };
  const deployPlan = plan(parseProfile(AGG, 'agg.yaml'), inputs, {
    namespace: 'ci-1-1-agg',
    labels: {},
    annotations: {},
    objectLabels: {},
    fieldManager: 'test',
  });
  const progress: DeployProgress = { phase: 'namespace' };
  return { run: () => deploy(deployPlan, inputs, ports, progress), cluster, sleeps, log, state, progress };
}

describe('deploy: the namespace phase', () => {
  it("reuses the run's own namespace (our label, our name) and its cleanup still deletes it", async () => {
    const world = setup({ metadata: { name: 'ci-1-1-agg', labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } });
    await expect(world.run()).rejects.toThrow('stop after the namespace phase');
    expect(world.cluster.created).toEqual([]);
    expect(world.state['namespace-created']).toBe('true');
    expect(world.log[0]).toBe(
      'Reusing namespace ci-1-1-agg, created earlier in this job by deploy-profile; cleanup deletes it',
    );
  });

  it('waits for a terminating namespace no longer than cleanup-timeout, sleeping no further than the deadline', async () => {
    const world = setup(
      { metadata: { name: 'ci-1-1-agg' }, status: { phase: 'Terminating' } },
      { 'cleanup-timeout': '5s', 'poll-interval': '2s' },
    );
    const error = await world.run().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeploymentFailed);
    expect((error as Error).message).toContain(
      'Namespace ci-1-1-agg is still being deleted (Terminating) after 5 seconds (cleanup-timeout)',
    );
    expect(world.sleeps).toEqual([2000, 2000, 1000]);
  });
});

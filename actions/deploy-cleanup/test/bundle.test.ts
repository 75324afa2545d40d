import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FakeKubernetes,
  FakeOpenAIFrontend,
  type InputValue,
  repoRoot,
  SimulatedJob,
  type StepResult,
} from '@dynamo-ci/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const EXAMPLE = join(repoRoot, 'examples', 'dynamo-example');
const RUN = { 'dynamo-ci/run-id': '4242', 'dynamo-ci/run-attempt': '2', 'dynamo-ci/repository': 'ai-dynamo.dynamo' };

interface World {
  kube: FakeKubernetes;
  frontend: FakeOpenAIFrontend;
  job: SimulatedJob;
  inputs: Record<string, InputValue>;
}

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) {
    await world.kube.close();
    await world.frontend.close();
    world.job.cleanup();
  }
});

async function world(options: ConstructorParameters<typeof FakeKubernetes>[0] = {}): Promise<World> {
  const frontend = await new FakeOpenAIFrontend().start();
  const kube = await new FakeKubernetes({
    stepMs: 40,
    token: 'sekret-token-123',
    frontendUrl: frontend.url,
    namespaceTerminationMs: 50,
    podTerminationMs: 20,
    ...options,
  }).start();
  const job = new SimulatedJob({ runId: 4242, runAttempt: 2, repository: 'ai-dynamo/dynamo' });
  const inputs: Record<string, InputValue> = {
    kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
    'poll-interval': '50ms',
  };
  const created = { kube, frontend, job, inputs };
  worlds.push(created);
  return created;
}

function errorText(result: StepResult): string {
  return result.errors.map((error) => error.message).join('\n');
}

async function apply(kube: FakeKubernetes, path: string, body: Record<string, unknown>) {
  const response = await fetch(`${kube.url}${path}?fieldManager=test`, {
    method: 'PATCH',
    headers: { authorization: 'Bearer sekret-token-123', 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBeLessThan(300);
}

const DAY = 24 * 3600_000;

describe('deploy-cleanup: one run', () => {
  it("deletes the run attempt's namespaces, the cluster-scoped objects they list, and its objects in a shared namespace; nothing else", async () => {
    const { kube, job, inputs } = await world();
    kube.addNamespace('ci-4242-2-operator', {
      labels: RUN,
      annotations: {
        'dynamo-ci/cluster-objects': JSON.stringify([
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'ci-4242-reader' },
          { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'taken-over' },
        ]),
      },
    });
    kube.addNamespace('ci-4242-2-agg-abc123', { labels: RUN });
    kube.addNamespace('ci-4242-1-operator', { labels: { ...RUN, 'dynamo-ci/run-attempt': '1' } });
    kube.addNamespace('ci-9999-1-operator', { labels: { ...RUN, 'dynamo-ci/run-id': '9999' } });
    kube.addNamespace('ci-4242-2-other-repo', { labels: { ...RUN, 'dynamo-ci/repository': 'someone.else' } });
    kube.addNamespace('shared');
    await apply(kube, '/apis/rbac.authorization.k8s.io/v1/clusterroles/ci-4242-reader', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'ci-4242-reader', labels: RUN },
    });
    // Re-applied by another run since: not ours to delete any more.
    await apply(kube, '/apis/rbac.authorization.k8s.io/v1/clusterroles/taken-over', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'taken-over', labels: { ...RUN, 'dynamo-ci/run-id': '9999' } },
    });
    for (const [name, labels] of [
      ['ours', RUN],
      ['someone-elses', {}],
    ] as const) {
      await apply(kube, `/api/v1/namespaces/shared/configmaps/${name}`, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, labels },
      });
    }
    const result = await job.run('deploy-cleanup', { inputs: { ...inputs, namespaces: 'shared', wait: '5s' } });
    expect(errorText(result)).toBe('');
    expect(JSON.parse(result.outputs.namespaces as string).sort()).toEqual([
      'ci-4242-2-agg-abc123',
      'ci-4242-2-operator',
    ]);
    expect(JSON.parse(result.outputs.objects as string)).toEqual([
      'ClusterRole ci-4242-reader',
      'ConfigMap shared/ours',
    ]);
    expect(result.outputs.count).toBe('4');
    expect(result.log).toContain(
      'Leaving ClusterRole taken-over: it no longer carries the labels dynamo-ci/run-id=4242,dynamo-ci/run-attempt=2,dynamo-ci/repository=ai-dynamo.dynamo',
    );
    expect(result.log).toContain('Every namespace is gone');
    expect(kube.namespaceNames().sort()).toEqual([
      'ci-4242-1-operator',
      'ci-4242-2-other-repo',
      'ci-9999-1-operator',
      'default',
      'shared',
    ]);
    expect(kube.object('v1', 'ConfigMap', 'shared', 'someone-elses')).toBeDefined();
    expect(
      kube.object('rbac.authorization.k8s.io/v1', 'ClusterRole', 'taken-over', undefined as never),
    ).toBeUndefined();
    expect(kube.object('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'taken-over')).toBeDefined();
    expect(result.summary).toContain('run 4242 attempt 2');
    // Every attempt of the run: the first attempt's namespace goes too.
    const everyAttempt = await job.run('deploy-cleanup', { inputs: { ...inputs, 'all-attempts': 'true' } });
    expect(JSON.parse(everyAttempt.outputs.namespaces as string)).toEqual(['ci-4242-1-operator']);
  });

  it('removes what a cancelled deployment left (its post step never ran): the operator, the graph, its pods, the profile objects', async () => {
    const { kube, job, inputs } = await world({ crdInstalled: false, requireOperator: true, scenario: 'never-ready' });
    cpSync(join(EXAMPLE, 'deploy'), join(job.workspace, 'deploy'), { recursive: true });
    cpSync(join(EXAMPLE, 'examples'), join(job.workspace, 'examples'), { recursive: true });
    const operator = await job.run('deploy-operator', {
      inputs: {
        ...inputs,
        manifests: 'deploy/operator/manifests',
        image: 'registry.example/dynamo:abc-operator-amd64',
      },
    });
    expect(errorText(operator)).toBe('');
    const namespace = operator.outputs.namespace as string;
    // The runner is killed while the test waits for Ready: no post step runs.
    const deploy = await job.run('deploy-profile', {
      inputs: {
        ...inputs,
        namespace,
        profile: 'examples/backends/trtllm/deploy/agg-with-config.yaml',
        image: 'registry.example/dynamo:abc-trtllm-runtime-cuda13-amd64',
        'smoke-request': 'false',
        'timeout-minutes': '30s',
      },
      cancelWhen: kube.nextApply().then(() => kube.nextApply()),
    });
    expect(deploy.cancelled).toBe(true);
    expect(kube.objects({ labelSelector: 'dynamo-ci/run-id=4242' }).map((object) => object.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'Deployment', 'ConfigMap', 'DynamoGraphDeployment']),
    );
    const cleanup = await job.run('deploy-cleanup', { inputs: { ...inputs, wait: '5s' } });
    expect(errorText(cleanup)).toBe('');
    expect(JSON.parse(cleanup.outputs.namespaces as string)).toEqual([namespace]);
    expect(kube.objects({ labelSelector: 'dynamo-ci/run-id=4242', includePods: true })).toEqual([]);
    expect(kube.podNames(namespace)).toEqual([]);
    // The CRD is the cluster's: it stays.
    expect(
      kube.object(
        'apiextensions.k8s.io/v1',
        'CustomResourceDefinition',
        undefined,
        'dynamographdeployments.nvidia.com',
      ),
    ).toBeDefined();
  });
});

describe('deploy-cleanup: the sweeper', () => {
  it("deletes this repository's CI namespaces older than the age, and keeps younger, foreign and unlabelled ones", async () => {
    const { kube, job, inputs } = await world();
    const now = Date.now();
    kube.addNamespace('ci-100-1-operator', {
      labels: { ...RUN, 'dynamo-ci/run-id': '100' },
      createdAt: new Date(now - 3 * DAY),
    });
    kube.addNamespace('ci-101-1-agg-x', {
      labels: { ...RUN, 'dynamo-ci/run-id': '101' },
      createdAt: new Date(now - 49 * 3600_000),
    });
    kube.addNamespace('ci-200-1-operator', {
      labels: { ...RUN, 'dynamo-ci/run-id': '200' },
      createdAt: new Date(now - 3600_000),
    });
    kube.addNamespace('ci-300-1-operator', {
      labels: { ...RUN, 'dynamo-ci/run-id': '300', 'dynamo-ci/repository': 'someone.else' },
      createdAt: new Date(now - 5 * DAY),
    });
    kube.addNamespace('team-sandbox', { createdAt: new Date(now - 30 * DAY) });
    const dry = await job.run('deploy-cleanup', { inputs: { ...inputs, 'older-than': '48h', 'dry-run': 'true' } });
    expect(errorText(dry)).toBe('');
    expect(JSON.parse(dry.outputs.namespaces as string)).toEqual(['ci-100-1-operator', 'ci-101-1-agg-x']);
    expect(dry.log).toContain('Would delete namespace ci-100-1-operator');
    expect(dry.log).toContain('Keeping namespace ci-200-1-operator (60m old)');
    expect(kube.namespaceNames()).toContain('ci-100-1-operator');
    expect(kube.seen('DELETE', /\/api\/v1\/namespaces\//)).toEqual([]);
    const swept = await job.run('deploy-cleanup', { inputs: { ...inputs, 'older-than': '48' } });
    expect(errorText(swept)).toBe('');
    expect(JSON.parse(swept.outputs.namespaces as string)).toEqual(['ci-100-1-operator', 'ci-101-1-agg-x']);
    expect(swept.log[1]).toContain("namespaces of ai-dynamo/dynamo's CI runs older than 48h");
    expect(swept.summary).toContain('older than 48h');
    expect(kube.seen('GET', '/api/v1/namespaces')[0]?.query.get('labelSelector')).toBe(
      'dynamo-ci/run-id,dynamo-ci/repository=ai-dynamo.dynamo',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(kube.namespaceNames().sort()).toEqual(['ci-200-1-operator', 'ci-300-1-operator', 'default', 'team-sandbox']);
  });
});

describe('deploy-cleanup: faults', () => {
  it('403 on listing namespaces is one error naming the permission', async () => {
    const { kube, job, inputs } = await world();
    kube.fault({
      method: 'GET',
      path: '/api/v1/namespaces',
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: 'namespaces is forbidden: User "ci" cannot list resource "namespaces" at the cluster scope',
      },
    });
    const result = await job.run('deploy-cleanup', { inputs });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toBe(
      `Forbidden while listing namespaces: namespaces is forbidden: User "ci" cannot list resource "namespaces" at the cluster scope. Grant the kubeconfig's user that permission (RBAC)`,
    );
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('retries 429 and 503, deletes the rest when one deletion fails for good, and fails listing it', async () => {
    const { kube, job, inputs } = await world();
    for (const name of ['ci-4242-2-a', 'ci-4242-2-b', 'ci-4242-2-c']) kube.addNamespace(name, { labels: RUN });
    kube.fault({ method: 'GET', path: '/api/v1/namespaces', status: 429, headers: { 'retry-after': '0' }, times: 1 });
    kube.fault({ method: 'DELETE', path: '/api/v1/namespaces/ci-4242-2-a', status: 503, times: 1 });
    kube.fault({ method: 'DELETE', path: '/api/v1/namespaces/ci-4242-2-b', status: 500 });
    const result = await job.run('deploy-cleanup', { inputs });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.outputs.namespaces as string)).toEqual(['ci-4242-2-a', 'ci-4242-2-c']);
    expect(errorText(result)).toMatch(
      /Cleanup of run 4242 attempt 2 left 1 thing\(s\) behind: deleting namespace ci-4242-2-b: Kubernetes API error while deleting namespace ci-4242-2-b: HTTP 500/,
    );
    expect(kube.seen('DELETE', '/api/v1/namespaces/ci-4242-2-b').length).toBeGreaterThan(1);
  });

  it('a namespace already gone (404) and a kind the cluster does not serve are no errors', async () => {
    const { kube, job, inputs } = await world({ crdInstalled: false });
    kube.addNamespace('ci-4242-2-a', { labels: RUN });
    kube.addNamespace('shared');
    kube.fault({ method: 'DELETE', path: '/api/v1/namespaces/ci-4242-2-a', status: 404, times: 1 });
    const result = await job.run('deploy-cleanup', { inputs: { ...inputs, namespaces: 'shared' } });
    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
  });

  it('rejects bad inputs before touching the cluster', async () => {
    const { kube, job, inputs } = await world();
    for (const [values, message] of [
      [{ 'older-than': '30s' }, "Input 'older-than' must be at least a minute"],
      [{ 'older-than': 'soon' }, "Input 'older-than' must be a duration like 90s, 15m or 1h30m"],
      [{ 'run-id': '12a' }, "Input 'run-id' must be a workflow run id"],
      [{ 'run-id': '12', 'older-than': '1h' }, 'set one of them'],
      [{ kinds: 'ConfigMap' }, "Input 'kinds' entries must be <apiVersion>/<Kind>"],
      [{ selector: 'a=b;rm -rf' }, "Input 'selector' must be a Kubernetes label selector"],
    ] as const) {
      const result = await job.run('deploy-cleanup', { inputs: { ...inputs, ...values } });
      expect(result.exitCode).toBe(1);
      expect(errorText(result)).toContain(message);
    }
    expect(kube.requests).toEqual([]);
    expect(readFileSync(join(repoRoot, 'actions', 'deploy-cleanup', 'action.yml'), 'utf8')).toContain('older-than');
  });
});

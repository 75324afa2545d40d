import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FakeKubernetes,
  type FakeKubernetesOptions,
  type InputValue,
  installFakeHelm,
  repoRoot,
  SimulatedJob,
  type StepResult,
  scratchDir,
} from '@dynamo-ci/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const EXAMPLE = join(repoRoot, 'examples', 'dynamo-example');
const IMAGE = 'registry.example/ai-dynamo/dynamo:abc123-operator-amd64';
const NAMESPACE = 'ci-4242-2-operator';

interface World {
  kube: FakeKubernetes;
  job: SimulatedJob;
  inputs: Record<string, InputValue>;
  dirs: string[];
}

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) {
    await world.kube.close();
    world.job.cleanup();
    for (const dir of world.dirs) rmSync(dir, { recursive: true, force: true });
  }
});

/** A cluster without the Dynamo CRD whose graphs only run once an operator is Available in their namespace. */
async function world(options: FakeKubernetesOptions = {}, env: Record<string, string> = {}): Promise<World> {
  const kube = await new FakeKubernetes({
    stepMs: 40,
    token: 'sekret-token-123',
    crdInstalled: false,
    requireOperator: true,
    ...options,
  }).start();
  const job = new SimulatedJob({ runId: 4242, runAttempt: 2, repository: 'ai-dynamo/dynamo', env });
  cpSync(join(EXAMPLE, 'deploy'), join(job.workspace, 'deploy'), { recursive: true });
  const inputs: Record<string, InputValue> = {
    kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
    manifests: 'deploy/operator/manifests',
    image: IMAGE,
    'poll-interval': '50ms',
    'timeout-minutes': '20s',
  };
  const created = { kube, job, inputs, dirs: [] };
  worlds.push(created);
  return created;
}

function errorText(result: StepResult): string {
  return result.errors.map((error) => error.message).join('\n');
}

describe('deploy-operator bundle against the fake Kubernetes API', () => {
  it('installs the CRD and the operator from the manifests, labelled with the run, and waits until it is Available', async () => {
    const { kube, job, inputs } = await world();
    const result = await job.run('deploy-operator', { inputs: { ...inputs, 'hf-token': 'hf_secret_value' } });
    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.namespace).toBe(NAMESPACE);
    expect(result.outputs.image).toBe(IMAGE);
    expect(Number(result.outputs['ready-seconds'])).toBeGreaterThanOrEqual(0);
    expect(result.masks).toContain('hf_secret_value');
    expect(result.log.join('\n')).not.toContain('hf_secret_value');
    // The namespace: ours, labelled with the run and the repository, annotated with its creation time.
    const namespace = kube.namespaces.get(NAMESPACE)?.object;
    expect(namespace?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'dynamo-ci-deploy-operator',
      'dynamo-ci/run-id': '4242',
      'dynamo-ci/run-attempt': '2',
      'dynamo-ci/repository': 'ai-dynamo.dynamo',
    });
    expect(namespace?.metadata.annotations['dynamo-ci/created-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The CRD first (not labelled for cleanup), then every object in the namespace, labelled.
    expect(kube.applies.map((apply) => `${apply.kind}/${apply.name}`)).toEqual([
      'CustomResourceDefinition/dynamographdeployments.nvidia.com',
      'ServiceAccount/dynamo-platform-operator',
      'Role/dynamo-platform-operator',
      'RoleBinding/dynamo-platform-operator',
      'Deployment/dynamo-platform-operator',
      'Secret/hf-token-secret',
    ]);
    expect(kube.applies[0]?.body.metadata.labels?.['dynamo-ci/run-id']).toBeUndefined();
    for (const apply of kube.applies.slice(1)) {
      expect(apply.namespace).toBe(NAMESPACE);
      expect(apply.fieldManager).toBe('dynamo-ci-deploy-operator');
      expect(apply.body.metadata.labels['dynamo-ci/run-id']).toBe('4242');
    }
    const binding = kube.object('rbac.authorization.k8s.io/v1', 'RoleBinding', NAMESPACE, 'dynamo-platform-operator');
    expect(binding?.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'dynamo-platform-operator', namespace: NAMESPACE },
    ]);
    const deployment = kube.object('apps/v1', 'Deployment', NAMESPACE, 'dynamo-platform-operator');
    expect(deployment?.spec.template.spec.containers[0].image).toBe(IMAGE);
    expect(deployment?.status.conditions[0]).toMatchObject({ type: 'Available', status: 'True' });
    expect(
      Buffer.from(kube.object('v1', 'Secret', NAMESPACE, 'hf-token-secret')?.data.HF_TOKEN, 'base64').toString(),
    ).toBe('hf_secret_value');
    expect(JSON.parse(result.outputs.objects as string)).toHaveLength(5);
    expect(result.summary).toContain('the operator is ready');
    // A graph deployed into the namespace is reconciled by the operator now running there.
    expect(kube.operator.operatorRunning(NAMESPACE)).toBe(true);
  });

  it('a second install in the same attempt (every deployment leg ensures the operator) converges at once', async () => {
    const { kube, job, inputs } = await world();
    const first = await job.run('deploy-operator', { inputs });
    expect(errorText(first)).toBe('');
    const generation = kube.object('apps/v1', 'Deployment', NAMESPACE, 'dynamo-platform-operator')?.metadata.generation;
    const second = await job.run('deploy-operator', { inputs });
    expect(errorText(second)).toBe('');
    expect(second.log).toContain(`Using the existing namespace ${NAMESPACE}`);
    expect(second.log).toContain(
      'CustomResourceDefinition dynamographdeployments.nvidia.com is installed already; left as it is (crds: install)',
    );
    expect(kube.object('apps/v1', 'Deployment', NAMESPACE, 'dynamo-platform-operator')?.metadata.generation).toBe(
      generation,
    );
    expect(kube.seen('POST', '/api/v1/namespaces')).toHaveLength(1);
  });

  it('renders the chart with helm template for the namespace, the same objects as the manifests', async () => {
    const helmDir = scratchDir('fake-helm-');
    const helm = installFakeHelm(helmDir);
    const { kube, job, inputs, dirs } = await world({}, { PATH: `${helm.binDir}:${process.env.PATH}` });
    dirs.push(helmDir);
    const result = await job.run('deploy-operator', {
      inputs: {
        ...inputs,
        manifests: undefined,
        chart: 'deploy/helm/charts/platform',
        set: 'gpuDiscovery.enabled=false',
      },
    });
    expect(errorText(result)).toBe('');
    expect(helm.calls()).toEqual([
      [
        'template',
        '--namespace',
        NAMESPACE,
        '--include-crds',
        '--skip-tests',
        '--set-string',
        'gpuDiscovery.enabled=false',
        '--',
        'dynamo-platform',
        'deploy/helm/charts/platform',
      ],
    ]);
    expect(kube.applies.map((apply) => `${apply.kind}/${apply.name}`)).toEqual([
      'CustomResourceDefinition/dynamographdeployments.nvidia.com',
      'ServiceAccount/dynamo-platform-operator',
      'Role/dynamo-platform-operator',
      'RoleBinding/dynamo-platform-operator',
      'Deployment/dynamo-platform-operator',
    ]);
    expect(
      kube.object('apps/v1', 'Deployment', NAMESPACE, 'dynamo-platform-operator')?.spec.template.spec.containers[0]
        .image,
    ).toBe(IMAGE);
  });

  it('leaves an installed CRD as it is (crds: install) and upgrades it with crds: upgrade', async () => {
    const { kube, job, inputs } = await world({ crdInstalled: true });
    const installed = await job.run('deploy-operator', { inputs });
    expect(errorText(installed)).toBe('');
    expect(installed.log).toContain(
      'CustomResourceDefinition dynamographdeployments.nvidia.com is installed already; left as it is (crds: install)',
    );
    expect(kube.applies.some((apply) => apply.kind === 'CustomResourceDefinition')).toBe(false);
    const upgraded = await job.run('deploy-operator', { inputs: { ...inputs, crds: 'upgrade' } });
    expect(errorText(upgraded)).toBe('');
    const crdApply = kube.applies.find((apply) => apply.kind === 'CustomResourceDefinition');
    expect(crdApply?.force).toBe(true);
  });

  it('fails fast, naming the pod, when the operator image cannot be pulled', async () => {
    const { job, inputs } = await world({ deploymentScenario: 'image-pull' });
    const result = await job.run('deploy-operator', { inputs });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Deployment dynamo-platform-operator: Pod dynamo-platform-operator-\S+ \(\S+\) cannot pull its image registry\.example\/ai-dynamo\/dynamo:abc123-operator-amd64/,
    );
    expect(result.durationMs).toBeLessThan(15_000);
    expect(result.summary).toContain('failed while waiting for the operator');
  });

  it('times out with what it saw last when the operator never becomes ready', async () => {
    const { job, inputs } = await world({ deploymentScenario: 'never-ready' });
    const result = await job.run('deploy-operator', { inputs: { ...inputs, 'timeout-minutes': '1s' } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Timed out waiting for the operator's Deployments \(dynamo-platform-operator\) to be Available \(timeout-minutes\); last seen: dynamo-platform-operator 0\/1 available/,
    );
  });

  it('a refused namespace (403) and a server error while applying are one clear error each', async () => {
    const forbidden = await world();
    forbidden.kube.fault({
      method: 'POST',
      path: '/api/v1/namespaces',
      status: 403,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message: 'namespaces is forbidden: User "ci" cannot create resource "namespaces"',
      },
    });
    const refused = await forbidden.job.run('deploy-operator', { inputs: forbidden.inputs });
    expect(refused.exitCode).toBe(1);
    expect(errorText(refused)).toContain(
      `Forbidden while creating namespace ${NAMESPACE}: namespaces is forbidden: User "ci" cannot create resource "namespaces". Grant the kubeconfig's user that permission (RBAC)`,
    );
    const broken = await world();
    broken.kube.fault({ method: 'PATCH', path: /\/deployments\//, status: 500 });
    const failed = await broken.job.run('deploy-operator', { inputs: broken.inputs });
    expect(failed.exitCode).toBe(1);
    expect(errorText(failed)).toMatch(
      /Kubernetes API error while applying Deployment ci-4242-2-operator\/dynamo-platform-operator: HTTP 500/,
    );
    // Retried (server errors are transient) before giving up.
    expect(broken.kube.seen('PATCH', /\/deployments\//).length).toBeGreaterThan(1);
  });

  it('rejects bad inputs and broken manifests before touching the cluster', async () => {
    const { kube, job, inputs } = await world();
    const both = await job.run('deploy-operator', { inputs: { ...inputs, chart: 'deploy/helm/charts/platform' } });
    expect(errorText(both)).toContain("Set exactly one of the inputs 'chart'");
    const container = await job.run('deploy-operator', { inputs: { ...inputs, 'image-container': 'operator' } });
    expect(errorText(container)).toBe(
      "No container named operator in the workloads of deploy/operator/manifests (found: manager); set 'image-container' to the operator's container",
    );
    writeFileSync(
      join(job.workspace, 'broken.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: elsewhere}\n',
    );
    const elsewhere = await job.run('deploy-operator', {
      inputs: { ...inputs, manifests: 'broken.yaml', image: undefined },
    });
    expect(errorText(elsewhere)).toContain(
      'ConfigMap a names namespace elsewhere, but everything is applied into ci-4242-2-operator',
    );
    const missing = await job.run('deploy-operator', { inputs: { ...inputs, manifests: 'nope/' } });
    expect(errorText(missing)).toContain("Input 'manifests': nope/ does not exist");
    expect(kube.applies).toEqual([]);
    expect(kube.seen('POST', '/api/v1/namespaces')).toEqual([]);
  });

  it('without helm on the runner, says how to get it', async () => {
    const { job, inputs } = await world({}, { PATH: '/nonexistent' });
    const result = await job.run('deploy-operator', {
      inputs: { ...inputs, manifests: undefined, chart: 'deploy/helm/charts/platform' },
    });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Cannot run helm to render deploy\/helm\/charts\/platform .*GitHub's ubuntu runners have it/,
    );
  });
});

describe('the example repository', () => {
  it('ships operator manifests that are its Helm chart rendered without namespaces', async () => {
    const helmDir = scratchDir('fake-helm-');
    try {
      const helm = installFakeHelm(helmDir);
      const { execFileSync } = await import('node:child_process');
      const rendered = execFileSync(
        join(helm.binDir, 'helm'),
        [
          'template',
          '--namespace',
          'ns',
          '--include-crds',
          '--',
          'dynamo-platform',
          join(EXAMPLE, 'deploy/helm/charts/platform'),
        ],
        { encoding: 'utf8' },
      );
      const { parseManifests } = await import('@dynamo-ci/kube/manifests');
      const strip = (text: string) =>
        parseManifests(text, 'x').map((manifest) => {
          const copy = structuredClone(manifest) as Record<string, any>;
          delete copy.metadata.namespace;
          for (const subject of copy.subjects ?? []) delete subject.namespace;
          return copy;
        });
      expect(strip(readFileSync(join(EXAMPLE, 'deploy/operator/manifests/operator.yaml'), 'utf8'))).toEqual(
        strip(rendered),
      );
    } finally {
      rmSync(helmDir, { recursive: true, force: true });
    }
  });
});

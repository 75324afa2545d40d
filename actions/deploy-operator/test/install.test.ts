import { parseManifests } from '@dynamo-ci/kube/manifests';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { defaultNamespace, planInstall } from '../src/install.js';
import { helmArgs } from '../src/source.js';

const MANIFESTS = parseManifests(
  `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dynamo-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: op, labels: {app: op}}
spec:
  template:
    spec:
      initContainers: [{name: init, image: busybox}]
      containers: [{name: manager, image: old}, {name: sidecar, image: proxy}]
`,
  'm.yaml',
);
const target = {
  namespace: 'ci-1-1-operator',
  namespaceLabels: { run: '1' },
  namespaceAnnotations: { note: 'x' },
  objectLabels: { 'dynamo-ci/run-id': '1' },
};
const options = {
  image: 'img:new',
  imageContainers: ['manager'],
  hfToken: undefined,
  hfTokenSecret: 'hf',
  chart: undefined,
};

describe('planInstall', () => {
  it('separates the CRDs, leaves out Namespace documents, places, labels and records cluster-scoped objects', () => {
    const plan = planInstall(MANIFESTS, options, target, 'm.yaml');
    expect(plan.crds.map((crd) => crd.metadata.name)).toEqual(['widgets.example.com']);
    expect(plan.skipped).toEqual(['Namespace dynamo-system']);
    expect(plan.objects.map((object) => `${object.kind}:${object.metadata.namespace ?? '-'}`)).toEqual([
      'ClusterRole:-',
      'Deployment:ci-1-1-operator',
    ]);
    expect(plan.objects.every((object) => object.metadata.labels?.['dynamo-ci/run-id'] === '1')).toBe(true);
    expect(plan.clusterObjects).toEqual([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'reader' },
    ]);
    expect(JSON.parse(plan.namespaceAnnotations['dynamo-ci/cluster-objects'] as string)).toEqual(plan.clusterObjects);
    expect(plan.deployments).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ci-1-1-operator', name: 'op' },
    ]);
  });

  it('puts the image into the named containers only, and stores the HF token as a Secret', () => {
    const plan = planInstall(MANIFESTS, { ...options, hfToken: 'tok' }, target, 'm.yaml');
    const deployment = plan.objects.find((object) => object.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers.map((c: any) => c.image)).toEqual(['img:new', 'proxy']);
    expect(deployment.spec.template.spec.initContainers[0].image).toBe('busybox');
    expect(plan.imageChanges).toEqual(['Deployment ci-1-1-operator/op container manager: old -> img:new']);
    const secret = plan.objects.find((object) => object.kind === 'Secret') as any;
    expect(secret).toMatchObject({
      metadata: { name: 'hf', namespace: 'ci-1-1-operator' },
      data: { HF_TOKEN: 'dG9r' },
    });
  });

  it('names the operator namespace after the run attempt', () => {
    expect(defaultNamespace('24536472819', '3')).toBe('ci-24536472819-3-operator');
  });
});

describe('inputs and the helm command line', () => {
  const raw = (values: Record<string, string>) => (name: string) => values[name];

  it('builds helm template with options before -- and the release and chart after it', () => {
    const inputs = parseInputs(raw({ chart: '-chart', values: 'a.yaml,b.yaml', set: 'x.y=1\nz=two words' }));
    expect(helmArgs(inputs, 'ns')).toEqual([
      'template',
      '--namespace',
      'ns',
      '--include-crds',
      '--skip-tests',
      '--values',
      'a.yaml',
      '--values',
      'b.yaml',
      '--set-string',
      'x.y=1',
      '--set-string',
      'z=two words',
      '--',
      'dynamo-platform',
      '-chart',
    ]);
  });

  it.each([
    [{}, "Set exactly one of the inputs 'chart'"],
    [{ manifests: 'm', values: 'v.yaml' }, "Input 'values' applies to a Helm chart; set 'chart' or remove it"],
    [{ chart: 'c', release: 'Bad_Release' }, "Input 'release' must be a Helm release name"],
    [{ chart: 'c', image: 'bad image' }, "Input 'image' must be an image reference"],
    [{ chart: 'c', 'image-container': 'Manager' }, "Input 'image-container' must list container names"],
    [{ chart: 'c', namespace: 'UPPER' }, "Input 'namespace' must be a Kubernetes namespace name"],
    [{ chart: 'c', crds: 'delete' }, "Input 'crds' must be one of install|upgrade|skip"],
    [{ chart: 'c', 'namespace-labels': 'bad label' }, "Input 'namespace-labels' has an invalid Kubernetes label"],
  ])('rejects %j', (values, message) => {
    expect(() => parseInputs(raw(values as Record<string, string>))).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { applyOrder, clusterScopedKinds, inNamespace, parseManifests, withLabels } from '../src/manifests.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Cluster, names: {kind: Widget, plural: widgets}}
`;

describe('parseManifests', () => {
  it('reads every document, skips empty ones and expands lists', () => {
    const text = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n`;
    expect(parseManifests(text, 'x.yaml').map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
      'ConfigMap/a',
      'Secret/b',
    ]);
  });

  it.each([
    ['a: [unclosed\n', /x\.yaml is not valid YAML/],
    ['- 1\n', /document 1 must be a mapping, not a list/],
    ['kind: ConfigMap\nmetadata: {name: a}\n', /document 1 \(a\) has no apiVersion/],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: A_b}\n', /document 1 \(ConfigMap\) needs metadata\.name/],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n',
      /document 2: ConfigMap a appears twice/,
    ],
  ])('rejects %j', (text, message) => {
    expect(() => parseManifests(text, 'x.yaml')).toThrow(message);
  });
});

describe('placing manifests', () => {
  const manifests = parseManifests(
    `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: op}\n---\n${CRD}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: stray}\n`,
    'm.yaml',
  );

  it('puts namespaced objects into the namespace and leaves cluster-scoped ones (and a cluster-scoped CRD kind) out', () => {
    expect(clusterScopedKinds(manifests).has('Widget')).toBe(true);
    const placed = inNamespace(manifests, 'ci-1', 'm.yaml');
    expect(placed.map((m) => m.metadata.namespace)).toEqual(['ci-1', undefined, undefined, undefined]);
    expect(() =>
      inNamespace(
        parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n', 'p'),
        'c',
        'p',
      ),
    ).toThrow('p: ConfigMap a names namespace b, but everything is applied into c; remove its metadata.namespace');
  });

  it('applies CRDs first and keeps the rest in file order; labels are added, not replaced', () => {
    expect(applyOrder(manifests).map((m) => m.kind)).toEqual([
      'CustomResourceDefinition',
      'ServiceAccount',
      'Widget',
      'ClusterRole',
    ]);
    const labelled = withLabels(
      { ...manifests[0], metadata: { name: 'op', labels: { app: 'x', run: '0' } } } as never,
      {
        run: '1',
      },
    );
    expect(labelled.metadata.labels).toEqual({ app: 'x', run: '1' });
  });
});

/**
 * The resource types the fake API server serves: the built-in kinds a deployment test touches, plus
 * every kind a stored CustomResourceDefinition defines (so applying a CRD makes its kind appear in
 * discovery, as on a real cluster). Discovery documents (`APIVersions`, `APIGroupList`,
 * `APIResourceList`) are built from this list.
 */
export type Json = Record<string, any>;

export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const core = (plural: string, kind: string, namespaced = true, shortNames?: string[]): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  shortNames,
});

const grouped = (group: string, version: string, plural: string, kind: string, namespaced = true): ResourceType => ({
  group,
  version,
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
});

export const BUILTIN_TYPES: readonly ResourceType[] = [
  core('namespaces', 'Namespace', false, ['ns']),
  core('pods', 'Pod', true, ['po']),
  core('services', 'Service', true, ['svc']),
  core('events', 'Event', true, ['ev']),
  core('configmaps', 'ConfigMap', true, ['cm']),
  core('secrets', 'Secret'),
  core('serviceaccounts', 'ServiceAccount', true, ['sa']),
  core('persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']),
  grouped('apps', 'v1', 'deployments', 'Deployment'),
  grouped('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  grouped('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  grouped('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  // Dynamic Resource Allocation: v1beta1 on 1.32, v1 from 1.34; profiles use either.
  grouped('resource.k8s.io', 'v1beta1', 'resourceclaimtemplates', 'ResourceClaimTemplate'),
  grouped('resource.k8s.io', 'v1', 'resourceclaimtemplates', 'ResourceClaimTemplate'),
];

export const CRD_TYPE = BUILTIN_TYPES.find((type) => type.plural === 'customresourcedefinitions') as ResourceType;

export function groupVersion(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** The types a CustomResourceDefinition object defines (one per served version). */
export function typesOfCrd(crd: Json): ResourceType[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  if (typeof spec.group !== 'string' || typeof names.plural !== 'string' || typeof names.kind !== 'string') return [];
  const versions: Json[] = Array.isArray(spec.versions) ? spec.versions : [];
  return versions
    .filter((version) => version.served !== false && typeof version.name === 'string')
    .map((version) => ({
      group: spec.group,
      version: version.name,
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      kind: names.kind,
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames,
    }));
}

/** `GET /api/v1` or `GET /apis/<group>/<version>`. */
export function resourceList(types: readonly ResourceType[], group: string, version: string): Json | undefined {
  const matching = types.filter((type) => type.group === group && type.version === version);
  if (matching.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion({ group, version }),
    resources: matching.flatMap((type) => [
      {
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: VERBS,
        ...(type.shortNames ? { shortNames: type.shortNames } : {}),
      },
      ...(type.plural === 'pods'
        ? [
            { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
            {
              name: 'pods/portforward',
              singularName: '',
              namespaced: true,
              kind: 'PodPortForwardOptions',
              verbs: ['create', 'get'],
            },
          ]
        : []),
      ...(type.plural === 'services'
        ? [
            {
              name: 'services/proxy',
              singularName: '',
              namespaced: true,
              kind: 'ServiceProxyOptions',
              verbs: ['create', 'get'],
            },
          ]
        : []),
    ]),
  };
}

/** `GET /apis`: every group and its versions. */
export function groupList(types: readonly ResourceType[]): Json {
  const groups = new Map<string, string[]>();
  for (const type of types) {
    if (type.group === '') continue;
    const versions = groups.get(type.group) ?? [];
    if (!versions.includes(type.version)) versions.push(type.version);
    groups.set(type.group, versions);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dgdCrd, FakeKubernetes, FakeOpenAIFrontend, matchesSelector } from '../src/index.js';

// The deploy-profile tests drive this fake through the real @kubernetes/client-node; these pin the
// wire behaviours a client relies on, with plain fetch.
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(options: ConstructorParameters<typeof FakeKubernetes>[0] = {}) {
  const frontend = await new FakeOpenAIFrontend().start();
  const kube = await new FakeKubernetes({ stepMs: 20, frontendUrl: frontend.url, token: 't', ...options }).start();
  servers.push(kube, frontend);
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(`${kube.url}${path}`, {
      method,
      headers: { authorization: 'Bearer t', 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
  };
  return { kube, frontend, call };
}

const DGD = (name = 'g') => ({
  apiVersion: 'nvidia.com/v1alpha1',
  kind: 'DynamoGraphDeployment',
  metadata: { name },
  spec: { services: { Frontend: { componentType: 'frontend' }, Worker: { componentType: 'worker', replicas: 2 } } },
});
const applyPath = '/apis/nvidia.com/v1alpha1/namespaces/ns/dynamographdeployments/g';

describe('FakeKubernetes', () => {
  it('answers 401 Status objects without the token', async () => {
    const { kube } = await start();
    const response = await fetch(`${kube.url}/api/v1/namespaces`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('creates, lists by label, and deletes namespaces with a Terminating phase', async () => {
    const { kube, call } = await start({ namespaceTerminationMs: 50 });
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: 'a', labels: { team: 'x' } } })).status).toBe(
      201,
    );
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: 'b' } })).status).toBe(201);
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: 'a' } })).json.reason).toBe('AlreadyExists');
    expect((await call('POST', '/api/v1/namespaces', { metadata: { name: 'Bad_Name' } })).status).toBe(422);
    const listed = await call('GET', '/api/v1/namespaces?labelSelector=team%3Dx');
    expect(listed.json.items.map((item: any) => item.metadata.name)).toEqual(['a']);
    expect((await call('DELETE', '/api/v1/namespaces/a')).json.status.phase).toBe('Terminating');
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(kube.namespaceNames()).not.toContain('a');
    expect((await call('GET', '/api/v1/namespaces/a')).status).toBe(404);
  });

  it('server-side apply: needs the apply content type and a field manager, conflicts without force', async () => {
    const { call } = await start();
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    expect((await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/json-patch+json')).status).toBe(415);
    expect((await call('PATCH', applyPath, DGD(), 'application/apply-patch+yaml')).status).toBe(400);
    expect(
      (await call('PATCH', `${applyPath}?fieldManager=a`, DGD('other'), 'application/apply-patch+yaml')).status,
    ).toBe(400);
    const created = await call(
      'PATCH',
      `${applyPath}?fieldManager=a`,
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: g}\nspec: {services: {Frontend: {componentType: frontend}}}\n',
      'application/apply-patch+yaml',
    );
    expect(created.status).toBe(201);
    expect(created.json.metadata.generation).toBe(1);
    // Another manager setting the same value shares the field; a different value conflicts.
    const shared = await call('PATCH', `${applyPath}?fieldManager=b`, DGD(), 'application/apply-patch+yaml');
    expect(shared.status).toBe(200);
    expect(shared.json.metadata.generation).toBe(2);
    const changed = DGD();
    changed.spec.services.Frontend.componentType = 'worker';
    const conflict = await call('PATCH', `${applyPath}?fieldManager=b`, changed, 'application/apply-patch+yaml');
    expect(conflict.status).toBe(409);
    expect(conflict.json.message).toContain('conflict with "a": .spec.services.Frontend.componentType');
    const forced = await call(
      'PATCH',
      `${applyPath}?fieldManager=b&force=true`,
      changed,
      'application/apply-patch+yaml',
    );
    expect(forced.json.metadata.generation).toBe(3);
    expect(forced.json.spec.services.Frontend.componentType).toBe('worker');
    expect(
      (
        await call(
          'PATCH',
          '/apis/nvidia.com/v1alpha1/namespaces/nope/dynamographdeployments/g?fieldManager=a',
          DGD(),
          'application/apply-patch+yaml',
        )
      ).status,
    ).toBe(404);
  });

  it('moves pods to Ready, the graph to successful, proxies to the frontend, and deletes pods after a grace period', async () => {
    const { kube, call } = await start({ podTerminationMs: 50, stepMs: 150 });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/apply-patch+yaml');
    const proxy = '/api/v1/namespaces/ns/services/g-frontend:8000/proxy/v1/models';
    expect((await call('GET', proxy)).json.reason).toBe('ServiceUnavailable');
    expect((await call('GET', applyPath)).json.status.state).toBe('pending');
    // Polled rather than slept: on a loaded machine the fake's steps run late, never out of order.
    await vi.waitFor(
      async () =>
        expect((await call('GET', applyPath)).json.status).toMatchObject({
          state: 'successful',
          conditions: [{ type: 'Ready', status: 'True' }],
        }),
      { timeout: 10_000, interval: 25 },
    );
    const pods = (
      await call('GET', '/api/v1/namespaces/ns/pods?labelSelector=nvidia.com%2Fdynamo-component-type%3Dworker')
    ).json.items;
    expect(pods).toHaveLength(2);
    expect((await call('GET', proxy)).json.data[0].id).toBe('Qwen/Qwen3-0.6B');
    expect((await call('GET', `/api/v1/namespaces/ns/pods/${pods[0].metadata.name}/log?tailLines=1`)).text).toMatch(
      /ready/,
    );
    expect((await call('GET', `/api/v1/namespaces/ns/pods/${pods[0].metadata.name}/log?previous=true`)).status).toBe(
      400,
    );
    expect((await call('DELETE', applyPath)).status).toBe(200);
    expect(kube.podNames('ns')).toHaveLength(3);
    await vi.waitFor(() => expect(kube.podNames('ns')).toEqual([]), { timeout: 10_000, interval: 10 });
  });

  it('refuses port-forward to a pod that is not running, before upgrading', async () => {
    const { kube, call } = await start({ scenario: 'unschedulable' });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/apply-patch+yaml');
    const worker = kube.podNames('ns').find((name) => name.includes('worker')) as string;
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(kube.port, '127.0.0.1', () => {
        socket.write(
          `GET /api/v1/namespaces/ns/pods/${worker}/portforward?ports=8000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 BadRequest/);
    expect(answer).toContain('is not running');
  });

  it('applies any namespaced kind, drops fields a manager stops applying, and lists and deletes by label across namespaces', async () => {
    const { kube, call } = await start();
    for (const ns of ['ns', 'other']) await call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    const apply = (path: string, body: unknown, manager = 'ci') =>
      call('PATCH', `${path}?fieldManager=${manager}`, JSON.stringify(body), 'application/apply-patch+yaml');
    const kinds: [string, Record<string, unknown>][] = [
      ['/api/v1/namespaces/ns/configmaps/c', { apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1', b: '2' } }],
      [
        '/api/v1/namespaces/ns/persistentvolumeclaims/p',
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { accessModes: ['ReadWriteOnce'] } },
      ],
      ['/api/v1/namespaces/other/serviceaccounts/s', { apiVersion: 'v1', kind: 'ServiceAccount' }],
      [
        '/apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles/r',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', rules: [] },
      ],
      [
        '/apis/resource.k8s.io/v1beta1/namespaces/ns/resourceclaimtemplates/t',
        { apiVersion: 'resource.k8s.io/v1beta1', kind: 'ResourceClaimTemplate', spec: {} },
      ],
      [
        '/apis/rbac.authorization.k8s.io/v1/clusterroles/cr',
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', rules: [] },
      ],
    ];
    for (const [path, body] of kinds) {
      const name = path.split('/').pop();
      const answer = await apply(path, { ...body, metadata: { name, labels: { run: '7' } } });
      expect([answer.status, answer.json?.kind]).toEqual([201, body.kind]);
    }
    const cm = await apply('/api/v1/namespaces/ns/configmaps/c', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', labels: { run: '7' } },
      data: { a: '1' },
    });
    expect(cm.json.data).toEqual({ a: '1' });
    const everywhere = await call('GET', '/api/v1/serviceaccounts?labelSelector=run%3D7');
    expect(everywhere.json.items.map((item: any) => `${item.metadata.namespace}/${item.metadata.name}`)).toEqual([
      'other/s',
    ]);
    expect(
      (await call('GET', '/api/v1/namespaces/ns/configmaps?labelSelector=run%20in%20(6,7)')).json.items,
    ).toHaveLength(1);
    const deleted = await call('DELETE', '/api/v1/namespaces/ns/configmaps?labelSelector=run%3D7');
    expect(deleted.json.items.map((item: any) => item.metadata.name)).toEqual(['c']);
    expect((await call('GET', '/api/v1/namespaces/ns/configmaps/c')).status).toBe(404);
    expect(
      kube
        .objects({ labelSelector: 'run=7' })
        .map((object) => object.kind)
        .sort(),
    ).toEqual(['ClusterRole', 'PersistentVolumeClaim', 'ResourceClaimTemplate', 'Role', 'ServiceAccount']);
    expect(
      (
        await apply('/api/v1/namespaces/gone/configmaps/c', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'c' },
        })
      ).status,
    ).toBe(404);
    expect((await call('GET', '/apis/example.com/v1/namespaces/ns/widgets')).status).toBe(404);
  });

  it('a Deployment gets pods and becomes Available; a new template replaces its pods; deleting it collects them', async () => {
    const { kube, call } = await start({ podTerminationMs: 20 });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    const path = '/apis/apps/v1/namespaces/ns/deployments/op';
    const deployment = (image: string) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'op' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'op' } },
          template: { metadata: { labels: { app: 'op' } }, spec: { containers: [{ name: 'manager', image }] } },
        },
      });
    await call('PATCH', `${path}?fieldManager=ci`, deployment('op:1'), 'application/apply-patch+yaml');
    expect((await call('GET', path)).json.status.conditions[0]).toMatchObject({ type: 'Available', status: 'False' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const ready = (await call('GET', path)).json.status;
    expect(ready).toMatchObject({ readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    expect(ready.conditions[0]).toMatchObject({ type: 'Available', status: 'True' });
    const pods = (await call('GET', '/api/v1/namespaces/ns/pods?labelSelector=app%3Dop')).json.items;
    expect(pods.map((pod: any) => pod.spec.containers[0].image)).toEqual(['op:1', 'op:1']);
    const updated = await call('PATCH', `${path}?fieldManager=ci`, deployment('op:2'), 'application/apply-patch+yaml');
    expect(updated.json.metadata.generation).toBe(2);
    expect(updated.json.status.availableReplicas).toBe(0);
    await call('DELETE', path);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(kube.podNames('ns')).toEqual([]);
  });

  it('serves a custom kind once its CRD is applied; with requireOperator a graph waits for an Available operator', async () => {
    const { kube, call } = await start({ crdInstalled: false, requireOperator: true });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    expect((await call('GET', '/apis/nvidia.com/v1alpha1')).status).toBe(404);
    expect((await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/apply-patch+yaml')).status).toBe(
      404,
    );
    const crd = await call(
      'PATCH',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/dynamographdeployments.nvidia.com?fieldManager=a',
      JSON.stringify(dgdCrd()),
      'application/apply-patch+yaml',
    );
    expect(crd.json.status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
    expect((await call('GET', '/apis/nvidia.com/v1alpha1')).json.resources[0].kind).toBe('DynamoGraphDeployment');
    expect((await call('GET', '/apis')).json.groups.map((group: any) => group.name)).toContain('nvidia.com');
    await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/apply-patch+yaml');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(kube.podNames('ns')).toEqual([]);
    expect((await call('GET', applyPath)).json.status).toBeUndefined();
    await call(
      'PATCH',
      '/apis/apps/v1/namespaces/ns/deployments/dynamo-operator?fieldManager=a',
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'dynamo-operator', labels: { 'app.kubernetes.io/name': 'dynamo-operator' } },
        spec: {
          template: {
            metadata: { labels: { app: 'operator' } },
            spec: { containers: [{ name: 'manager', image: 'op' }] },
          },
        },
      }),
      'application/apply-patch+yaml',
    );
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(kube.podNames('ns').filter((name) => name.startsWith('g-'))).toHaveLength(3);
  });

  it('keeps a namespace creationTimestamp given by a test, and answers injected faults as Status objects', async () => {
    const { kube, call } = await start();
    kube.addNamespace('old', { labels: { team: 'ci' }, createdAt: new Date('2020-01-02T03:04:05Z') });
    expect((await call('GET', '/api/v1/namespaces/old')).json.metadata.creationTimestamp).toBe(
      '2020-01-02T03:04:05.000Z',
    );
    kube.fault({
      method: 'DELETE',
      path: '/api/v1/namespaces/old',
      status: 429,
      headers: { 'retry-after': '1' },
      times: 1,
    });
    expect((await call('DELETE', '/api/v1/namespaces/old')).status).toBe(429);
    expect((await call('DELETE', '/api/v1/namespaces/old')).json.status.phase).toBe('Terminating');
  });

  it('matches equality, existence and set label selectors', () => {
    const labels = { a: '1', b: '2' };
    expect(matchesSelector('a=1,b==2', labels)).toBe(true);
    expect(matchesSelector('a in (1,3),b notin (3)', labels)).toBe(true);
    expect(matchesSelector('a notin (1)', labels)).toBe(false);
    expect(matchesSelector('a!=1', labels)).toBe(false);
    expect(matchesSelector('c', labels)).toBe(false);
    expect(matchesSelector('!c', labels)).toBe(true);
  });
});

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeKubernetes, FakeOpenAIFrontend, matchesSelector } from '../src/index.js';

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
    expect((await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/merge-patch+json')).status).toBe(
      415,
    );
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
    expect(
      (await call('PATCH', `${applyPath}?fieldManager=b`, DGD(), 'application/apply-patch+yaml')).json.reason,
    ).toBe('Conflict');
    const forced = await call('PATCH', `${applyPath}?fieldManager=b&force=true`, DGD(), 'application/apply-patch+yaml');
    expect(forced.json.metadata.generation).toBe(2);
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
    const { kube, call } = await start({ podTerminationMs: 50 });
    await call('POST', '/api/v1/namespaces', { metadata: { name: 'ns' } });
    await call('PATCH', `${applyPath}?fieldManager=a`, DGD(), 'application/apply-patch+yaml');
    const proxy = '/api/v1/namespaces/ns/services/g-frontend:8000/proxy/v1/models';
    expect((await call('GET', proxy)).json.reason).toBe('ServiceUnavailable');
    expect((await call('GET', applyPath)).json.status.state).toBe('pending');
    await new Promise((resolve) => setTimeout(resolve, 60));
    const graph = (await call('GET', applyPath)).json;
    expect(graph.status).toMatchObject({ state: 'successful', conditions: [{ type: 'Ready', status: 'True' }] });
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
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(kube.podNames('ns')).toEqual([]);
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

  it('matches equality label selectors', () => {
    const labels = { a: '1', b: '2' };
    expect(matchesSelector('a=1,b==2', labels)).toBe(true);
    expect(matchesSelector('a!=1', labels)).toBe(false);
    expect(matchesSelector('c', labels)).toBe(false);
    expect(matchesSelector('!c', labels)).toBe(true);
  });
});

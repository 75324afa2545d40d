/**
 * deploy-profile's bundle when things go wrong: states that will not heal, cleanup, bad kubeconfigs
 * and inputs; and the example repository's profiles.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { type InputValue, repoRoot } from '@dynamo-ci/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorText, expectNoStack, type World, waitUntil, world } from './world.js';

describe('fail fast on states that will not heal', () => {
  it('ImagePullBackOff: fails before the timeout, with events, describe and logs in logs-dir and the summary', async () => {
    const { kube, job, inputs } = await world({ scenario: 'image-pull' });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'timeout-minutes': 10 } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Pod vllm-agg-vllmdecodeworker-0-\w+ \(VllmDecodeWorker\) cannot pull its image registry\.example\/ai-dynamo\/vllm-runtime:sha-abc123 \((ErrImagePull|ImagePullBackOff)/,
    );
    expect(result.durationMs).toBeLessThan(15_000);
    const logsDir = result.outputs['logs-dir'] as string;
    expect(readFileSync(join(logsDir, 'events.txt'), 'utf8')).toContain('Failed to pull image');
    expect(readFileSync(join(logsDir, 'describe.txt'), 'utf8')).toMatch(
      /Pod vllm-agg-vllmdecodeworker-0-\w+: Pending \((ErrImagePull|ImagePullBackOff)\)/,
    );
    expect(readdirSync(join(logsDir, 'logs')).some((name) => name.startsWith('vllm-agg-frontend-0-'))).toBe(true);
    expect(result.summary).toContain('Failed to pull image');
    expect(result.summary).toContain(logsDir);
    // Cleanup still runs in post.
    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(kube.graph('ci-4242-2-agg-c88f81', 'vllm-agg')).toBeUndefined();
    expect(kube.seen('DELETE', '/api/v1/namespaces/ci-4242-2-agg-c88f81')).toHaveLength(1);
  });

  it('CrashLoopBackOff past restart-threshold: fails and keeps the previous container logs', async () => {
    const { job, inputs } = await world({ scenario: 'crash-loop' });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'restart-threshold': 2 } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /container main restarted [3-9] times \(more than restart-threshold 2\), now CrashLoopBackOff, last exit code 1 \(Error\)/,
    );
    const logs = readdirSync(join(result.outputs['logs-dir'] as string, 'logs'));
    const previous = logs.find((name) => name.endsWith('.main.previous.log'));
    expect(previous).toBeDefined();
    expect(readFileSync(join(result.outputs['logs-dir'] as string, 'logs', previous as string), 'utf8')).toContain(
      'CUDA error',
    );
    expect(result.summary).toContain('previous container');
    expect(result.summary).toContain('CUDA error');
  });

  it('Unschedulable for lack of GPUs', async () => {
    const { job, inputs } = await world({ scenario: 'unschedulable' });
    const result = await job.run('deploy-profile', { inputs });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /cannot be scheduled: not enough GPUs in the cluster \(0\/3 nodes are available: 3 Insufficient nvidia\.com\/gpu/,
    );
    expect(result.summary).toContain('FailedScheduling');
  });

  it('an invalid-spec event on the graph', async () => {
    const { job, inputs } = await world({ scenario: 'invalid-spec' });
    const result = await job.run('deploy-profile', { inputs });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/DynamoGraphDeployment vllm-agg was rejected \(InvalidSpec\): spec\.services/);
  });

  it('times out with the last progress when the graph never gets Ready', async () => {
    const { job, inputs } = await world({ scenario: 'never-ready' });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'timeout-minutes': '1500ms' } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /was not Ready within 2 seconds \(timeout-minutes\); last seen: state=pending Ready=False \(ComponentsNotReady/,
    );
    expect(result.summary).toContain('failed during waiting for Ready');
  });
});

describe('cleanup', () => {
  it('cancellation between apply and Ready: main stops, post deletes the graph, waits for pods, deletes the namespace', async () => {
    const { kube, job, inputs } = await world({ scenario: 'never-ready', podTerminationMs: 300 });
    const result = await job.run('deploy-profile', {
      inputs: { ...inputs, 'timeout-minutes': 5 },
      cancelWhen: kube.nextApply(),
    });
    expect(result.cancelled).toBe(true);
    expect(result.exitCode).not.toBe(0);
    expect(result.state).toMatchObject({
      namespace: 'ci-4242-2-agg-c88f81',
      'deployment-name': 'vllm-agg',
      'namespace-created': 'true',
    });
    expect(result.state.outcome).not.toBe('success');
    expect(kube.podNames('ci-4242-2-agg-c88f81').length).toBeGreaterThan(0);
    expect(readdirSync(job.temp).filter((name) => name.startsWith('deploy-profile-kube-'))).toEqual([]);

    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(
      kube.seen('DELETE', '/apis/nvidia.com/v1alpha1/namespaces/ci-4242-2-agg-c88f81/dynamographdeployments/vllm-agg'),
    ).toHaveLength(1);
    expect(post.log).toContain('All pods of vllm-agg are gone');
    // The pod wait really waited: the namespace was deleted only after the pods had gone.
    const podsGoneAt = kube.seen('GET', '/api/v1/namespaces/ci-4242-2-agg-c88f81/pods').length;
    expect(podsGoneAt).toBeGreaterThan(1);
    expect(kube.seen('DELETE', '/api/v1/namespaces/ci-4242-2-agg-c88f81')).toHaveLength(1);
  });

  it('cleanup: on-success keeps a failed deployment for debugging; never keeps everything', async () => {
    const { kube, job, inputs } = await world({ scenario: 'image-pull' });
    const failed = await job.run('deploy-profile', { inputs: { ...inputs, cleanup: 'on-success' } });
    expect(failed.exitCode).toBe(1);
    const post = await job.post('deploy-profile', failed, { inputs: { ...inputs, cleanup: 'on-success' } });
    expect(post.exitCode).toBe(0);
    expect(post.log.join('\n')).toContain(
      'cleanup: on-success and the step did not succeed; leaving ci-4242-2-agg-c88f81/vllm-agg for debugging',
    );
    expect(kube.graph('ci-4242-2-agg-c88f81', 'vllm-agg')).toBeDefined();

    kube.scenario = 'ready';
    const kept = await job.run('deploy-profile', {
      inputs: { ...inputs, namespace: 'keep-me', cleanup: 'never', 'smoke-request': false },
    });
    expect(kept.exitCode).toBe(0);
    const keptPost = await job.post('deploy-profile', kept, { inputs });
    expect(keptPost.exitCode).toBe(0);
    expect(kube.graph('keep-me', 'vllm-agg')).toBeDefined();
    expect(kube.namespaceNames()).toContain('keep-me');
  });

  it('cleanup errors are warnings, never a failed post step', async () => {
    const { kube, job, inputs } = await world();
    const result = await job.run('deploy-profile', {
      inputs: { ...inputs, 'smoke-request': false, 'cleanup-timeout': '1s' },
    });
    expect(result.exitCode).toBe(0);
    kube.fault({
      method: 'DELETE',
      path: /dynamographdeployments/,
      status: 403,
      body: {
        kind: 'Status',
        code: 403,
        message: 'dynamographdeployments.nvidia.com "vllm-agg" is forbidden: User "ci" cannot delete resource',
      },
    });
    kube.fault({ method: 'DELETE', path: /^\/api\/v1\/namespaces\//, status: 500 });
    const post = await job.post('deploy-profile', result, { inputs: { ...inputs, 'cleanup-timeout': '1s' } });
    expect(post.exitCode).toBe(0);
    expect(post.errors).toEqual([]);
    const warnings = post.warnings.map((warning) => warning.message).join('\n');
    expect(warnings).toMatch(
      /Cleanup could not delete DynamoGraphDeployment ci-4242-2-agg-c88f81\/vllm-agg: Forbidden while deleting/,
    );
    expect(warnings).toMatch(
      /Cleanup could not delete namespace ci-4242-2-agg-c88f81: Kubernetes API error while deleting namespace ci-4242-2-agg-c88f81: HTTP 500/,
    );
  });

  it('a post step that cannot reach the cluster warns and passes', async () => {
    const { kube, job, inputs } = await world();
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'smoke-request': false } });
    await kube.close();
    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(post.warnings.map((warning) => warning.message).join('\n')).toMatch(
      /Cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/,
    );
  });
});

describe('kubeconfig and input errors: one clear message, no stack trace', () => {
  let closedPort = 0;
  beforeAll(async () => {
    // A port nothing listens on (fetch refuses "bad ports" such as 1 before connecting).
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closedPort = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
  });
  const cases: [string, (world: World) => Record<string, InputValue>, RegExp][] = [
    [
      'garbage',
      () => ({ kubeconfig: 'not a kubeconfig $(rm -rf /)' }),
      /Input 'kubeconfig' must be the path of a kubeconfig file or its content/,
    ],
    [
      'a missing path',
      () => ({ kubeconfig: '/nonexistent/kube config' }),
      /Input 'kubeconfig' must be the path of a kubeconfig file or its content/,
    ],
    [
      'invalid YAML',
      () => ({ kubeconfig: Buffer.from('apiVersion: v1\nclusters: [unclosed\n').toString('base64') }),
      /The kubeconfig from the kubeconfig input \(base64\) is not valid/,
    ],
    [
      'no current context',
      () => ({
        kubeconfig: Buffer.from('apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n').toString(
          'base64',
        ),
      }),
      /has no current-context/,
    ],
    [
      'an unreachable server',
      (w) => ({
        kubeconfig: Buffer.from(
          w.kube.kubeconfig().replace(/server: .*/, `server: http://127.0.0.1:${closedPort}`),
        ).toString('base64'),
      }),
      /Cannot reach the Kubernetes API server at http:\/\/127\.0\.0\.1:\d+ while reading namespace ci-4242-2-agg-c88f81 \(ECONNREFUSED\): check the kubeconfig's cluster server URL/,
    ],
    [
      'a server name that does not resolve',
      (w) => ({
        kubeconfig: Buffer.from(
          w.kube.kubeconfig().replace(/server: .*/, 'server: https://kube.invalid:6443'),
        ).toString('base64'),
      }),
      /Cannot reach the Kubernetes API server at https:\/\/kube\.invalid:6443 while reading namespace ci-4242-2-agg-c88f81 \((ENOTFOUND|EAI_AGAIN)\)/,
    ],
    [
      'a wrong token',
      (w) => ({ kubeconfig: Buffer.from(w.kube.kubeconfig({ token: 'wrong-token' })).toString('base64') }),
      /rejected the kubeconfig's credentials \(401 Unauthorized\)/,
    ],
    [
      'a missing profile',
      () => ({ profile: 'examples/nope.yaml' }),
      /Input 'profile' must be a profile YAML file; examples\/nope\.yaml does not exist/,
    ],
    [
      'a bad cleanup mode',
      () => ({ cleanup: 'sometimes' }),
      /Input 'cleanup' must be one of always\|on-success\|never, got "sometimes"/,
    ],
    ['a bad namespace', () => ({ namespace: 'Bad_NS' }), /Input 'namespace' must be a Kubernetes namespace name/],
    [
      'a bad access mode',
      () => ({ access: 'kubectl-proxy' }),
      /Input 'access' must be one of service-proxy\|port-forward, got "kubectl-proxy"/,
    ],
  ];
  it.each(cases)('%s', async (_name, override, message) => {
    const created = await world();
    const result = await created.job.run('deploy-profile', { inputs: { ...created.inputs, ...override(created) } });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toHaveLength(1);
    expect(errorText(result)).toMatch(message);
    expect(errorText(result)).not.toContain('Unexpected error');
    expectNoStack(result);
    expect(created.kube.applies).toEqual([]);
  });

  it('reads KUBECONFIG when the input is empty, and a kubeconfig path', async () => {
    const { kube, job, inputs } = await world();
    const path = join(job.root, 'kube dir', 'config');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, kube.kubeconfig());
    const fromEnv = await job.run('deploy-profile', {
      inputs: { ...inputs, kubeconfig: undefined, 'smoke-request': false },
      env: { KUBECONFIG: path },
    });
    expect(errorText(fromEnv)).toBe('');
    expect(fromEnv.log.join('\n')).toContain(`kubeconfig from KUBECONFIG (${path})`);
    const fromPath = await job.run('deploy-profile', {
      inputs: { ...inputs, kubeconfig: path, 'smoke-request': false },
    });
    expect(errorText(fromPath)).toBe('');
  });

  it('a cluster without the Dynamo operator CRD', async () => {
    const { kube, job, inputs } = await world({ crdInstalled: false });
    const result = await job.run('deploy-profile', { inputs });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /does not serve nvidia\.com\/v1alpha1 DynamoGraphDeployment .*install the Dynamo operator/,
    );
    expectNoStack(result);
    // The namespace was created, so post removes it.
    expect(result.state['namespace-created']).toBe('true');
    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(kube.seen('DELETE', '/api/v1/namespaces/ci-4242-2-agg-c88f81')).toHaveLength(1);
  });

  it('an invalid profile is rejected before anything is created', async () => {
    const { kube, job, inputs } = await world();
    writeFileSync(
      join(job.workspace, 'bad profile $(x).yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: Web}\nspec: {}\n',
    );
    const result = await job.run('deploy-profile', { inputs: { ...inputs, profile: 'bad profile $(x).yaml' } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(
      /Profile bad profile \$\(x\)\.yaml is not a valid DynamoGraphDeployment: apiVersion must be nvidia\.com\/v1alpha1, got "apps\/v1"; kind must be DynamoGraphDeployment, got "Deployment"; metadata\.name must be a DNS label.*; spec\.services must map/,
    );
    expect(kube.requests).toEqual([]);
    expect(result.state.namespace).toBeUndefined();
    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(post.log.join('\n')).toContain('nothing was created');
  });
});

const EXAMPLE_BACKENDS = join(repoRoot, 'examples', 'dynamo-example', 'examples', 'backends');
const EXAMPLE_PROFILES = readdirSync(EXAMPLE_BACKENDS).flatMap((framework) =>
  readdirSync(join(EXAMPLE_BACKENDS, framework, 'deploy'))
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => `examples/backends/${framework}/deploy/${file}`),
);

describe("the example repository's profiles", () => {
  it('include profiles that carry a ConfigMap, a PersistentVolumeClaim and a ResourceClaimTemplate', () => {
    const kinds = EXAMPLE_PROFILES.flatMap((path) =>
      [...readFileSync(join(EXAMPLE_BACKENDS, '..', '..', path), 'utf8').matchAll(/^kind: (\S+)$/gm)].map(
        (match) => match[1],
      ),
    );
    expect(new Set(kinds)).toEqual(
      new Set(['DynamoGraphDeployment', 'ConfigMap', 'PersistentVolumeClaim', 'ResourceClaimTemplate']),
    );
  });

  it.each(EXAMPLE_PROFILES)('%s deploys, answers and is cleaned up', async (path) => {
    const { kube, job, inputs } = await world();
    mkdirSync(join(job.workspace, dirname(path)), { recursive: true });
    writeFileSync(join(job.workspace, path), readFileSync(join(EXAMPLE_BACKENDS, '..', '..', path), 'utf8'));
    const result = await job.run('deploy-profile', { inputs: { ...inputs, profile: path } });
    expect(errorText(result)).toBe('');
    expect(JSON.parse(result.outputs.response as string).model).toBe('Qwen/Qwen3-0.6B');
    const documents = readFileSync(join(job.workspace, path), 'utf8').split(/^---$/m).length;
    expect(kube.applies).toHaveLength(documents);
    const post = await job.post('deploy-profile', result, { inputs: { ...inputs, profile: path } });
    expect(post.exitCode).toBe(0);
    await waitUntil(() => kube.objects({ labelSelector: 'dynamo-ci/run-id=4242' }).length === 0, 5000);
  });
});

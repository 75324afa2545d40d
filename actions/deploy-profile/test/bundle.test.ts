import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CompletionMode, SimulatedJob } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { errorText, expectNoStack, IMAGE, PROFILE, waitUntil, world } from './world.js';

describe('deploy-profile bundle against the fake Kubernetes API', () => {
  it('deploys, waits for Ready, answers the smoke request, and cleans up in post', async () => {
    const { kube, frontend, job, inputs } = await world();
    const result = await job.run('deploy-profile', { inputs });
    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.outputs.namespace).toBe('ci-4242-2-agg-c88f81');
    expect(result.outputs['deployment-name']).toBe('vllm-agg');
    expect(Number(result.outputs['ready-seconds'])).toBeGreaterThanOrEqual(0);
    const response = JSON.parse(result.outputs.response as string);
    expect(response.model).toBe('Qwen/Qwen3-0.6B');
    expect(response.choices[0].message.role).toBe('assistant');
    expect(result.outputs['logs-dir']).toBeUndefined();
    expect(result.state).toMatchObject({
      namespace: 'ci-4242-2-agg-c88f81',
      'deployment-name': 'vllm-agg',
      'namespace-created': 'true',
      outcome: 'success',
    });

    // Server-side apply as the profile's own field manager, without force; every service got the
    // image; the graph carries the run's labels.
    const apply = kube.applies[0];
    expect(apply?.contentType).toMatch(/^application\/apply-patch\+yaml/);
    expect(apply?.fieldManager).toBe('dynamo-ci-deploy-profile:examples-backends-vllm-deploy-agg-yaml');
    expect(apply?.force).toBe(false);
    expect(apply?.body.metadata.labels).toEqual({
      'dynamo-ci/run-id': '4242',
      'dynamo-ci/run-attempt': '2',
      'dynamo-ci/repository': 'ai-dynamo.dynamo',
      'dynamo-ci/profile': 'examples-backends-vllm-deploy-agg-yaml',
    });
    for (const service of Object.values(apply?.body.spec.services as Record<string, any>)) {
      expect(service.extraPodSpec.mainContainer.image).toBe(IMAGE);
    }
    expect(apply?.body.metadata.namespace).toBe('ci-4242-2-agg-c88f81');
    // The namespace is labelled for stale sweeps.
    const namespace = kube.namespaces.get('ci-4242-2-agg-c88f81')?.object;
    expect(namespace?.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'dynamo-ci-deploy-profile',
      'dynamo-ci/run-id': '4242',
      'dynamo-ci/run-attempt': '2',
      'dynamo-ci/repository': 'ai-dynamo.dynamo',
      'dynamo-ci/profile': 'agg',
    });
    expect(namespace?.metadata.annotations['dynamo-ci/repository']).toBe('ai-dynamo/dynamo');
    // Readiness probe + the real request went through the service proxy.
    expect(frontend.completions).toBe(2);
    expect(
      kube.seen(
        'POST',
        /^\/api\/v1\/namespaces\/ci-4242-2-agg-c88f81\/services\/vllm-agg-frontend:8000\/proxy\/v1\/chat\/completions$/,
      ),
    ).toHaveLength(2);
    // Secrets are masked, the private kubeconfig is gone, nothing leaks to later steps.
    expect(result.masks).toContain(inputs.kubeconfig);
    expect(result.masks).toContain('sekret-token-123');
    expect(result.log.join('\n')).not.toContain('sekret-token-123');
    expect(result.summary).not.toContain('sekret-token-123');
    expect(JSON.stringify(result.state)).not.toContain('sekret');
    expect(readdirSync(job.temp).filter((name) => name.startsWith('deploy-profile-kube-'))).toEqual([]);
    expect(result.exportedEnv).toEqual({});
    expect(result.log.some((line) => /^\[\d+s\] state=/.test(line))).toBe(true);
    expect(result.summary).toContain('deployed and answered');

    const post = await job.post('deploy-profile', result, { inputs });
    expect(post.exitCode).toBe(0);
    expect(post.warnings).toEqual([]);
    expect(kube.graph('ci-4242-2-agg-c88f81', 'vllm-agg')).toBeUndefined();
    expect(kube.podNames('ci-4242-2-agg-c88f81')).toEqual([]);
    expect(kube.seen('DELETE', '/api/v1/namespaces/ci-4242-2-agg-c88f81')).toHaveLength(1);
    await waitUntil(() => !kube.namespaceNames().includes('ci-4242-2-agg-c88f81'));
    expect(post.summary).toContain('deleted');
  });

  it('applies idempotently: a second run in the same namespace converges', async () => {
    const { kube, job, inputs } = await world();
    const first = await job.run('deploy-profile', {
      inputs: { ...inputs, namespace: 'shared-ns', 'smoke-request': false },
    });
    expect(first.exitCode).toBe(0);
    const second = await job.run('deploy-profile', {
      inputs: { ...inputs, namespace: 'shared-ns', 'smoke-request': false },
    });
    expect(errorText(second)).toBe('');
    expect(second.exitCode).toBe(0);
    expect(kube.applies).toHaveLength(2);
    expect(kube.graph('shared-ns', 'vllm-agg')?.metadata.generation).toBe(1);
    // The first run created the namespace; the second reused it and must not delete it.
    expect(first.state['namespace-created']).toBe('true');
    expect(second.state['namespace-created']).toBe('false');
    const post = await job.post('deploy-profile', second, { inputs });
    expect(post.exitCode).toBe(0);
    expect(kube.graph('shared-ns', 'vllm-agg')).toBeUndefined();
    expect(kube.seen('DELETE', '/api/v1/namespaces/shared-ns')).toHaveLength(0);
  });

  it('applies every document of a profile in order, labelled, and cleans all of them up', async () => {
    const { kube, job, inputs } = await world();
    const config =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: engine-config\ndata:\n  engine.yaml: "tensor_parallel_size: 1"\n';
    const cache =
      'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: model-cache\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 10Gi}}\n';
    const claim =
      'apiVersion: resource.k8s.io/v1beta1\nkind: ResourceClaimTemplate\nmetadata:\n  name: gpu-claim\nspec:\n  spec:\n    devices:\n      requests: [{name: gpu, deviceClassName: gpu.nvidia.com}]\n';
    const path = 'examples/backends/vllm/deploy/agg_with_config.yaml';
    writeFileSync(join(job.workspace, path), `${config}---\n${cache}---\n${PROFILE}---\n${claim}`);
    const result = await job.run('deploy-profile', { inputs: { ...inputs, profile: path, 'smoke-request': false } });
    expect(errorText(result)).toBe('');
    const namespace = result.outputs.namespace as string;
    expect(kube.applies.map((apply) => `${apply.kind}/${apply.name}`)).toEqual([
      'ConfigMap/engine-config',
      'PersistentVolumeClaim/model-cache',
      'DynamoGraphDeployment/vllm-agg',
      'ResourceClaimTemplate/gpu-claim',
    ]);
    for (const apply of kube.applies) {
      expect(apply.namespace).toBe(namespace);
      expect(apply.fieldManager).toBe('dynamo-ci-deploy-profile:examples-backends-vllm-deploy-agg-with-config-yaml');
      expect(apply.body.metadata.labels).toMatchObject({ 'dynamo-ci/run-id': '4242', 'dynamo-ci/run-attempt': '2' });
    }
    expect(JSON.parse(result.state.objects as string)).toHaveLength(4);
    expect(kube.objects({ labelSelector: 'dynamo-ci/run-id=4242' }).map((object) => object.kind)).toEqual(
      expect.arrayContaining(['ConfigMap', 'PersistentVolumeClaim', 'DynamoGraphDeployment', 'ResourceClaimTemplate']),
    );
    expect(result.log).toContain(`Applied ResourceClaimTemplate ${namespace}/gpu-claim (server-side apply)`);
    const post = await job.post('deploy-profile', result, { inputs: { ...inputs, profile: path } });
    expect(post.exitCode).toBe(0);
    await waitUntil(() => !kube.namespaceNames().includes(namespace));
    expect(kube.objects({ labelSelector: 'dynamo-ci/run-id=4242' })).toEqual([]);
  });

  it('in a namespace it did not create, deletes each object of the profile; a second profile claiming the same object is a conflict', async () => {
    const { kube, job, inputs } = await world();
    kube.addNamespace('shared-ns');
    const config = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: engine-config\ndata:\n  engine.yaml: "${value}"\n`;
    const first = 'examples/backends/vllm/deploy/agg_with_config.yaml';
    const second = 'examples/backends/trtllm/deploy/agg_with_config.yaml';
    mkdirSync(join(job.workspace, 'examples/backends/trtllm/deploy'), { recursive: true });
    writeFileSync(join(job.workspace, first), `${PROFILE}---\n${config('a')}`);
    writeFileSync(join(job.workspace, second), `${PROFILE.replace('vllm-agg', 'trtllm-agg')}---\n${config('b')}`);
    const quick = { ...inputs, namespace: 'shared-ns', 'smoke-request': false };
    const deployed = await job.run('deploy-profile', { inputs: { ...quick, profile: first } });
    expect(errorText(deployed)).toBe('');
    const clash = await job.run('deploy-profile', { inputs: { ...quick, profile: second } });
    expect(clash.exitCode).toBe(1);
    expect(errorText(clash)).toMatch(
      /applying ConfigMap shared-ns\/engine-config: HTTP 409: Apply failed with .*conflict with "dynamo-ci-deploy-profile:examples-backends-vllm-deploy-agg-with-config-yaml"/,
    );
    expect(kube.object('v1', 'ConfigMap', 'shared-ns', 'engine-config')?.data).toEqual({ 'engine.yaml': 'a' });
    await job.post('deploy-profile', clash, { inputs: { ...quick, profile: second } });
    const post = await job.post('deploy-profile', deployed, { inputs: { ...quick, profile: first } });
    expect(post.log).toContain('Deleted ConfigMap shared-ns/engine-config');
    expect(kube.object('v1', 'ConfigMap', 'shared-ns', 'engine-config')).toBeUndefined();
    expect(kube.graph('shared-ns', 'vllm-agg')).toBeUndefined();
    expect(kube.namespaceNames()).toContain('shared-ns');
  });

  it('a second step of the same run reuses its namespace; a re-run waits for a terminating one', async () => {
    // Terminating for 4 s: long enough that the next step (a process start) finds it still going.
    const { kube, job, inputs } = await world({ namespaceTerminationMs: 4000 });
    const quick = { ...inputs, 'smoke-request': false };
    const first = await job.run('deploy-profile', { inputs: quick });
    const second = await job.run('deploy-profile', { inputs: quick });
    expect(errorText(second)).toBe('');
    expect(second.log).toContain(
      'Reusing namespace ci-4242-2-agg-c88f81, created earlier in this job by deploy-profile; cleanup deletes it',
    );
    expect(second.state['namespace-created']).toBe('true');
    expect(kube.seen('POST', '/api/v1/namespaces')).toHaveLength(1);

    const post = await job.post('deploy-profile', first, { inputs: quick });
    expect(post.exitCode).toBe(0);
    expect(kube.namespaces.get('ci-4242-2-agg-c88f81')?.deletedAt).toBeDefined();
    const again = await job.run('deploy-profile', { inputs: quick });
    expect(errorText(again)).toBe('');
    expect(again.log.join('\n')).toContain(
      'Namespace ci-4242-2-agg-c88f81 is still terminating; waiting up to 5 seconds for it to go',
    );
    expect(again.log).toContain('Created namespace ci-4242-2-agg-c88f81');
    expect(kube.seen('POST', '/api/v1/namespaces')).toHaveLength(2);
  });

  it("gives two matrix legs of one run their own namespaces: one leg's cleanup leaves the other running", async () => {
    const { kube, job, inputs } = await world();
    const quick = { ...inputs, 'smoke-request': false };
    // The other leg: the same run, job id and profile stem, on another runner with another profile.
    const otherLeg = new SimulatedJob({
      runId: 4242,
      runAttempt: 2,
      repository: 'ai-dynamo/dynamo',
      env: { RUNNER_NAME: 'another-runner' },
    });
    const sglangPath = 'examples/backends/sglang/deploy/agg.yaml';
    mkdirSync(join(otherLeg.workspace, dirname(sglangPath)), { recursive: true });
    writeFileSync(join(otherLeg.workspace, sglangPath), PROFILE);
    try {
      const vllm = await job.run('deploy-profile', { inputs: quick });
      const sglang = await otherLeg.run('deploy-profile', { inputs: { ...quick, profile: sglangPath } });
      expect(errorText(sglang)).toBe('');
      expect(vllm.outputs.namespace).toMatch(/^ci-4242-2-agg-[0-9a-f]{6}$/);
      expect(sglang.outputs.namespace).toMatch(/^ci-4242-2-agg-[0-9a-f]{6}$/);
      expect(sglang.outputs.namespace).not.toBe(vllm.outputs.namespace);
      expect(sglang.state['namespace-created']).toBe('true');

      const post = await job.post('deploy-profile', vllm, { inputs: quick });
      expect(post.exitCode).toBe(0);
      await waitUntil(() => !kube.namespaceNames().includes(vllm.outputs.namespace as string));
      expect(kube.graph(sglang.outputs.namespace as string, 'vllm-agg')).toBeDefined();
      expect(kube.namespaceNames()).toContain(sglang.outputs.namespace);
    } finally {
      otherLeg.cleanup();
    }
  });

  it('overrides the model in every service and requests that model', async () => {
    const { kube, frontend, job, inputs } = await world({}, { model: 'Qwen/Qwen3-8B' });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, model: 'Qwen/Qwen3-8B' } });
    expect(errorText(result)).toBe('');
    expect(kube.applies[0]?.body.spec.services.VllmDecodeWorker.extraPodSpec.mainContainer.args).toEqual([
      '--model',
      'Qwen/Qwen3-8B',
    ]);
    expect(JSON.parse(result.outputs.response as string).model).toBe('Qwen/Qwen3-8B');
    expect(frontend.requests.at(-1)?.body.model).toBe('Qwen/Qwen3-8B');
  });

  it('access: port-forward opens a stream per request and survives dropped streams', async () => {
    const { kube, frontend, job, inputs } = await world({}, { loadingResponses: 1, retryAfterSeconds: 0 });
    kube.dropPortForward = (n) => n <= 2;
    const result = await job.run('deploy-profile', { inputs: { ...inputs, access: 'port-forward' } });
    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.outputs.response as string).choices[0].message.role).toBe('assistant');
    // 2 dropped streams, then 1 loading answer, 1 ready probe and the real request, each on its own stream.
    expect(kube.portForwards).toBe(5);
    expect(frontend.completions).toBe(3);
    expect(kube.seen('POST', /\/proxy\//)).toEqual([]);
    expect(
      result.log.filter((line) => /not ready \(attempt \d\/30: port-forward stream failed/.test(line)),
    ).toHaveLength(2);
  });

  it('access: port-forward retries the real request when its stream drops, and gives up after three', async () => {
    const { kube, job, inputs } = await world();
    // Stream 1 carries the readiness probe; streams 2 and 3 drop; the real request gets through on 4.
    kube.dropPortForward = (n) => n === 2 || n === 3;
    const result = await job.run('deploy-profile', { inputs: { ...inputs, access: 'port-forward' } });
    expect(errorText(result)).toBe('');
    expect(kube.portForwards).toBe(4);
    expect(
      result.log.filter((line) => line.startsWith('The chat completion request failed (port-forward stream failed')),
    ).toHaveLength(2);

    kube.dropPortForward = (n) => n > 5;
    const failed = await job.run('deploy-profile', { inputs: { ...inputs, access: 'port-forward' } });
    expect(failed.exitCode).toBe(1);
    expect(errorText(failed)).toMatch(/The chat completion request failed 3 times; last: port-forward stream failed/);
  });

  it('waits for a slow model load, honouring Retry-After', async () => {
    const { frontend, job, inputs } = await world({}, { loadingResponses: 3, retryAfterSeconds: 0 });
    const result = await job.run('deploy-profile', { inputs });
    expect(errorText(result)).toBe('');
    expect(result.exitCode).toBe(0);
    expect(frontend.completions).toBe(5);
    expect(
      result.log.filter((line) => /Model Qwen\/Qwen3-0\.6B not ready \(attempt \d\/30: HTTP 503/.test(line)),
    ).toHaveLength(3);
  });

  it('gives up on a model that never loads after model-load-attempts, with diagnostics', async () => {
    const { job, inputs } = await world({}, { loadingResponses: 100, retryAfterSeconds: 0 });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'model-load-attempts': 3 } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(/did not answer after 3 attempts \(model-load-attempts\); last answer: HTTP 503/);
    expect(existsSync(join(result.outputs['logs-dir'] as string, 'events.txt'))).toBe(true);
    expectNoStack(result);
  });

  const rejections: [CompletionMode, RegExp][] = [
    ['http-500', /HTTP status 500, expected 200 \(.*CUDA error: out of memory/],
    ['not-json', /the body is not JSON: <html>/],
    ['no-choices', /choices is empty or missing/],
    ['wrong-role', /choices\[0\]\.message\.role is "user", expected "assistant"/],
    ['short-content', /content is 8 characters, expected at least 100 \(min-response-chars\)/],
    ['wrong-model', /model is "some\/other-model", expected "Qwen\/Qwen3-0\.6B"/],
  ];
  it.each(rejections)('fails the smoke test when the answer is %s', async (mode, message) => {
    const { job, inputs } = await world({}, { mode });
    const result = await job.run('deploy-profile', { inputs: { ...inputs, 'model-load-attempts': 2 } });
    expect(result.exitCode).toBe(1);
    expect(errorText(result)).toMatch(message);
    expect(result.outputs['logs-dir']).toBeTruthy();
    expect(result.state.outcome).toBe('failure');
    expect(result.summary).toContain('failed during the smoke request');
    expectNoStack(result);
  });
});

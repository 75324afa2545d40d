#!/usr/bin/env node
// deploy-profile: the action's own overhead against the testkit's fake Kubernetes API server and
// fake OpenAI frontend, where the "cluster" becomes Ready after a fixed, known time.
//
// 1. Happy path. The main phase (the bundle under the simulated runner, node start to exit:
//    namespace, server-side apply, wait for Ready, probe + chat completion through the service
//    proxy) against the floor measured in the same run: a bare `node -e 0` plus the same protocol
//    done with plain fetch in this process (create namespace, apply, poll every poll-interval until
//    Ready, probe, request). The post phase (delete, wait for pods, delete namespace) is reported too.
// 2. Fail fast. A worker whose image cannot be pulled: the pod shows ErrImagePull `STEP` ms after the
//    apply. Reported: how long after that the step has failed, diagnostics included (upstream waited
//    for its 30-minute timeout).
// Medians of several interleaved runs.
//
// Usage (after `pnpm build`): node scripts/bench/deploy-profile.mjs [--runs N]
import { NODE } from './lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FakeKubernetes, FakeOpenAIFrontend, SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Math.max(3, Number(values.runs));
const STEP_MS = 200;
const POLL_MS = 100;
const PROFILE_PATH = 'examples/backends/vllm/deploy/agg.yaml';
const PROFILE = readFileSync(join(root, 'actions/deploy-profile/test/fixtures/agg.yaml'), 'utf8');
const TARGET_OVERHEAD_MS = 1500;
const TARGET_FAIL_FAST_MS = 2000;

async function world(scenario = 'ready') {
  const frontend = await new FakeOpenAIFrontend().start();
  const kube = await new FakeKubernetes({
    scenario,
    stepMs: STEP_MS,
    frontendUrl: frontend.url,
    token: 'bench',
  }).start();
  return {
    kube,
    frontend,
    async close() {
      await kube.close();
      await frontend.close();
    },
  };
}

function nodeStartMs() {
  const started = performance.now();
  spawnSync(NODE, ['-e', '0']);
  return performance.now() - started;
}

/** The protocol with plain fetch: what any client has to do at least. */
async function rawProtocolMs() {
  const { kube, close } = await world();
  const headers = { authorization: 'Bearer bench', 'content-type': 'application/json' };
  const ns = 'ci-raw-1-agg';
  const started = performance.now();
  await fetch(`${kube.url}/api/v1/namespaces`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ metadata: { name: ns } }),
  });
  const graph = {
    apiVersion: 'nvidia.com/v1alpha1',
    kind: 'DynamoGraphDeployment',
    metadata: { name: 'vllm-agg', namespace: ns },
  };
  graph.spec = (await import('yaml')).parse(PROFILE).spec;
  const base = `${kube.url}/apis/nvidia.com/v1alpha1/namespaces/${ns}/dynamographdeployments/vllm-agg`;
  await fetch(`${base}?fieldManager=raw&force=true`, {
    method: 'PATCH',
    headers: { ...headers, 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(graph),
  });
  for (;;) {
    const status = (await (await fetch(base, { headers })).json()).status;
    const pods = await (await fetch(`${kube.url}/api/v1/namespaces/${ns}/pods`, { headers })).json();
    if (status.state === 'successful' && pods.items.length > 0) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const proxy = `${kube.url}/api/v1/namespaces/${ns}/services/vllm-agg-frontend:8000/proxy/v1/chat/completions`;
  for (const maxTokens of [1, 64]) {
    const body = JSON.stringify({
      model: 'Qwen/Qwen3-0.6B',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: maxTokens,
    });
    await (await fetch(proxy, { method: 'POST', headers, body })).json();
  }
  const elapsed = performance.now() - started;
  await close();
  return elapsed;
}

async function actionRun(scenario) {
  const { kube, close } = await world(scenario);
  const job = new SimulatedJob({ runId: 77, runAttempt: 1 });
  mkdirSync(join(job.workspace, dirname(PROFILE_PATH)), { recursive: true });
  writeFileSync(join(job.workspace, PROFILE_PATH), PROFILE);
  const inputs = {
    kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
    profile: PROFILE_PATH,
    image: 'registry.example/dynamo:bench',
    'poll-interval': `${POLL_MS}ms`,
    'model-load-interval': `${POLL_MS}ms`,
    'cleanup-timeout': '10s',
  };
  const main = await job.run('deploy-profile', { inputs });
  const post = await job.post('deploy-profile', main, { inputs });
  job.cleanup();
  await close();
  if (scenario === 'ready' && main.exitCode !== 0) throw new Error(`the action failed: ${main.stdout}`);
  if (scenario !== 'ready' && main.exitCode !== 1) throw new Error('the image-pull run did not fail');
  return { main: main.durationMs, post: post.durationMs };
}

const samples = { node: [], raw: [], main: [], post: [], failFast: [] };
for (let run = 0; run < RUNS; run++) {
  samples.node.push(nodeStartMs());
  samples.raw.push(await rawProtocolMs());
  const happy = await actionRun('ready');
  samples.main.push(happy.main);
  samples.post.push(happy.post);
  samples.failFast.push((await actionRun('image-pull')).main);
}

const node = median(samples.node);
const raw = median(samples.raw);
const floor = node + raw;
const main = median(samples.main);
const overhead = main - floor;
// In the image-pull run the pod shows ErrImagePull one step after the apply.
const failFastAfterState = median(samples.failFast) - node - STEP_MS;
console.log(`deploy-profile (${RUNS} runs, pods step every ${STEP_MS} ms, poll ${POLL_MS} ms)`);
console.log(`  floor: node start ${node.toFixed(0)} ms + raw protocol ${raw.toFixed(0)} ms = ${floor.toFixed(0)} ms`);
console.log(
  `  main phase: ${main.toFixed(0)} ms  (ratio ${(main / floor).toFixed(2)}x, overhead ${overhead.toFixed(0)} ms)`,
);
console.log(`  post phase (delete, wait for pods, delete namespace): ${median(samples.post).toFixed(0)} ms`);
console.log(`  fail fast on ErrImagePull: step failed ${failFastAfterState.toFixed(0)} ms after the state appeared`);
console.log(
  `  target: overhead <= ${TARGET_OVERHEAD_MS} ms: ${overhead <= TARGET_OVERHEAD_MS ? 'target met' : 'target missed'}; ` +
    `fail fast <= ${TARGET_FAIL_FAST_MS} ms: ${failFastAfterState <= TARGET_FAIL_FAST_MS ? 'target met' : 'target missed'}`,
);

/**
 * What the deploy-profile bundle tests share: a world of a fake cluster, a fake frontend and a
 * simulated job with the example profile in its workspace, closed after each test.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FakeKubernetes,
  type FakeKubernetesOptions,
  FakeOpenAIFrontend,
  type FakeOpenAIOptions,
  type InputValue,
  SimulatedJob,
  type StepResult,
} from '@dynamo-ci/testkit';
import { afterEach, expect } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
export const PROFILE = readFileSync(join(here, 'fixtures', 'agg.yaml'), 'utf8');
export const PROFILE_PATH = 'examples/backends/vllm/deploy/agg.yaml';
export const IMAGE = 'registry.example/ai-dynamo/vllm-runtime:sha-abc123';

export interface World {
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

export async function world(
  kubeOptions: FakeKubernetesOptions = {},
  frontendOptions: FakeOpenAIOptions = {},
): Promise<World> {
  const frontend = await new FakeOpenAIFrontend(frontendOptions).start();
  const kube = await new FakeKubernetes({
    stepMs: 60,
    frontendUrl: frontend.url,
    token: 'sekret-token-123',
    ...kubeOptions,
  }).start();
  const job = new SimulatedJob({ runId: 4242, runAttempt: 2, repository: 'ai-dynamo/dynamo' });
  mkdirSync(join(job.workspace, dirname(PROFILE_PATH)), { recursive: true });
  writeFileSync(join(job.workspace, PROFILE_PATH), PROFILE);
  const inputs: Record<string, InputValue> = {
    kubeconfig: Buffer.from(kube.kubeconfig()).toString('base64'),
    profile: PROFILE_PATH,
    image: IMAGE,
    'poll-interval': '100ms',
    'timeout-minutes': '20s',
    'cleanup-timeout': '5s',
    'model-load-interval': '100ms',
  };
  const created = { kube, frontend, job, inputs };
  worlds.push(created);
  return created;
}

export function errorText(result: StepResult): string {
  return result.errors.map((error) => error.message).join('\n');
}

export function expectNoStack(result: StepResult) {
  expect(result.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

export async function waitUntil(condition: () => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

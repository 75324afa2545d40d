#!/usr/bin/env node
// A stand-in Kubernetes cluster for this repository's CI job that runs deploy-profile with
// `uses: ./actions/deploy-profile`: the testkit's fake API server (DynamoGraphDeployment, pods that
// become Ready, the service proxy) in front of its fake OpenAI-compatible frontend. Hosted runners
// have no cluster with the Dynamo operator; the action's README shows the kind setup for a real one.
//
// node scripts/pipeline/fake-cluster.mjs --out DIR   starts the servers in the background, writes
// DIR/kubeconfig and prints `kubeconfig=DIR/kubeconfig` (GITHUB_OUTPUT format). The servers live
// until the job ends (the runner stops orphan processes).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeKubernetes, FakeOpenAIFrontend } from '../../packages/testkit/dist/index.js';

const args = process.argv.slice(2);
const option = (name) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};

const serve = option('--serve');
if (serve) {
  const frontend = await new FakeOpenAIFrontend().start();
  const cluster = await new FakeKubernetes({ frontendUrl: frontend.url }).start();
  writeFileSync(join(serve, 'kubeconfig.tmp'), cluster.kubeconfig());
  // Renamed into place only when complete, so the parent never reads half a file.
  renameSync(join(serve, 'kubeconfig.tmp'), join(serve, 'kubeconfig'));
} else {
  const out = resolve(option('--out') ?? 'fake-cluster');
  mkdirSync(out, { recursive: true });
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', out], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  const kubeconfig = join(out, 'kubeconfig');
  for (let waited = 0; !existsSync(kubeconfig); waited += 50) {
    if (waited > 15_000 || child.exitCode !== null) {
      console.error('::error::the fake cluster did not start');
      process.exit(1);
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  console.log(`kubeconfig=${kubeconfig}\npid=${child.pid}`);
}

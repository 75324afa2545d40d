#!/usr/bin/env node
// status-aggregate: the whole gate process (the bundle as a runner step, node start to exit) over a
// 1000-job run, against bare `node -e 0` measured in the same run:
//   (a) `jobs-from-api: true` over 1000 matrix legs read from the testkit's fake GitHub (10 pages),
//       judged with the graph of a pr.yaml-sized workflow (the real-world shape: legs come from the API);
//   (b) a stress case: `needs` of 1000 jobs with the graph read from a 1000-job workflow file
//       (mostly YAML parsing; no real workflow is that large).
// Medians of several interleaved runs. Prints "target met/missed"; always exits 0.
//
// Usage (after `pnpm build`): node scripts/bench/status-aggregate.mjs [--runs N]
import { NODE } from './lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FakeGitHub, SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Math.max(3, Number(values.runs));
const JOBS = 1000;
/** Target: the gate adds at most this much to a bare Node start. */
const TARGET_EXTRA_MS = { api: 400, graph: 800 };

function floorMs() {
  const started = process.hrtime.bigint();
  spawnSync(NODE, ['-e', '0'], { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

// A fan-out graph like pr.yaml at scale: build-N needs changed-files, test-N needs build-N.
const ids = ['changed-files'];
const lines = ['jobs:', '  changed-files: {runs-on: x}'];
for (let index = 0; ids.length < JOBS; index++) {
  lines.push(
    `  build-${index}: {needs: changed-files, if: "needs.changed-files.outputs.b${index % 7} == 'true'", runs-on: x}`,
  );
  lines.push(`  test-${index}: {needs: build-${index}, runs-on: x}`);
  ids.push(`build-${index}`, `test-${index}`);
}
ids.length = JOBS;
lines.push(`  gate: {needs: [${ids.join(', ')}], if: always(), runs-on: x}`);
const needs = JSON.stringify(
  Object.fromEntries(ids.map((id, index) => [id, { result: index % 3 === 0 ? 'skipped' : 'success', outputs: {} }])),
);

const github = await FakeGitHub.start();
github.setJobs(
  77,
  Array.from({ length: JOBS }, (_, index) => ({ name: index === 0 ? 'changed-files' : `test (${index}, cuda)` })),
);
const job = new SimulatedJob({
  apiUrl: github.url,
  runId: 77,
  token: 'ghs_bench',
  job: 'gate',
  workflowRef: 'ai-dynamo/dynamo/.github/workflows/ci.yml@refs/heads/main',
});
mkdirSync(join(job.workspace, '.github/workflows'), { recursive: true });
const big = `${lines.join('\n')}\n`;
const small = [
  'jobs:',
  '  changed-files: {runs-on: x}',
  ...Array.from({ length: 28 }, (_, index) => `  job-${index}: {needs: changed-files, runs-on: x}`),
  "  test: {needs: changed-files, name: 'test (${{ matrix.n }})', runs-on: x}",
  '  gate: {needs: [changed-files, test], if: always(), runs-on: x}',
].join('\n');
const workflow = join(job.workspace, '.github/workflows/ci.yml');

const samples = { floor: [], graph: [], api: [] };
let apiRequests = 0;
try {
  for (let run = 0; run < RUNS; run++) {
    samples.floor.push(floorMs());
    writeFileSync(workflow, big);
    const graph = await job.run('status-aggregate', { inputs: { needs } });
    if (graph.exitCode !== 0) throw new Error(`graph run failed: ${graph.stdout}`);
    samples.graph.push(graph.durationMs);
    github.requests.length = 0;
    writeFileSync(workflow, small);
    const api = await job.run('status-aggregate', {
      inputs: {
        needs: JSON.stringify({ 'changed-files': { result: 'success' }, test: { result: 'success' } }),
        'jobs-from-api': true,
      },
    });
    if (api.exitCode !== 0) throw new Error(`api run failed: ${api.stdout}`);
    samples.api.push(api.durationMs);
    apiRequests = github.requests.length;
  }
} finally {
  job.cleanup();
  await github.close();
}

const floor = median(samples.floor);
console.log(`status-aggregate over ${JOBS} jobs, medians of ${RUNS} runs`);
console.log(`  node -e 0 (floor)                     ${floor.toFixed(0).padStart(6)} ms`);
for (const [name, label] of [
  ['api', `1000 legs via jobs API (${apiRequests} requests)`],
  ['graph', 'stress: 1000-job workflow file'],
]) {
  const ms = median(samples[name]);
  const extra = ms - floor;
  const verdict = extra <= TARGET_EXTRA_MS[name] ? 'target met' : 'target missed';
  console.log(
    `  ${label.padEnd(37)} ${ms.toFixed(0).padStart(6)} ms  ratio ${(ms / floor).toFixed(2)}x  +${extra.toFixed(0)} ms (target +${TARGET_EXTRA_MS[name]} ms: ${verdict})`,
  );
}

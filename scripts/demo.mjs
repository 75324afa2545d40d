#!/usr/bin/env node
// `pnpm demo`: the pipeline on the bundled example repository, locally. Makes a change on a copy of
// examples/dynamo-example, then lets the testkit's workflow engine run the example's real workflow
// files for the event - for a PR its pull_request checks, then the push to pull-request/<N> made by
// copy-pr - with the real action bundles, and prints each run like a CI run page: which jobs ran
// and why, the gates, the images, the test selection and the Slack payload. Options:
// --change <docs|vllm|core|uncovered|missing-header|failing-test>,
// --event <pull-request|dispatch|post-merge|nightly>, --plan-only (never build images).
import {
  detectTools,
  painter,
  renderDigest,
  renderHeader,
  renderRun,
  runPipeline,
} from '../packages/testkit/dist/index.js';
import { applyChange, createExampleRepo } from './pipeline/example-repo.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const change = option('--change', 'vllm');
const event = option('--event', 'pull-request');
const tools = detectTools();
if (args.includes('--plan-only')) tools.build = false;
const paint = painter(Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);

const { repo, base } = createExampleRepo();
const head = applyChange(repo, change);
const description =
  event === 'pull-request'
    ? `PR #123 (${change} change): pull_request checks, then copy-pr pushes the vetted head to pull-request/123`
    : `${event} run after a ${change} change`;

const started = Date.now();
const result = await runPipeline({
  repo: repo.dir,
  event,
  base,
  head,
  tools,
  build: tools.build ? 'real' : 'plan',
  ...(process.env.DYNAMO_CI_ACTIONS_DIR ? { actionsDir: process.env.DYNAMO_CI_ACTIONS_DIR } : {}),
  onRun: (run) => console.log(renderRun(run, paint)),
}).catch((error) => {
  console.error(`demo failed: ${error.stack ?? error}`);
  process.exit(1);
});
console.log(`\n${renderHeader(result, description, paint)}`);
console.log(`\n${renderDigest(result, paint)}`);
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; example repository at ${repo.dir})`);

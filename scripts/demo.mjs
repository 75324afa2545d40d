#!/usr/bin/env node
// `pnpm demo`: the pipeline on the bundled example repository, locally. Makes a vLLM change on a
// copy of examples/dynamo-example, then runs what the workflows run for that PR - the pull_request
// checks and the push to pull-request/<N> made by copy-pr - with the real action bundles, and prints
// it like a CI run page. Options: --change <docs|vllm|core|uncovered|missing-header|failing-test>,
// --event <pull-request|dispatch|post-merge|nightly>, --plan-only (never build images).
import { applyChange, createExampleRepo } from './pipeline/example-repo.mjs';
import { runPipeline } from './pipeline/pipeline.mjs';
import { bold, renderDigest, renderGates, renderHeader, renderJob } from './pipeline/render.mjs';
import { detectTools } from './pipeline/tools.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const change = option('--change', 'vllm');
const event = option('--event', 'pull-request');
const tools = detectTools();
if (args.includes('--plan-only')) tools.build = false;

const { repo, base } = createExampleRepo();
const head = applyChange(repo, change);
const description =
  event === 'pull-request'
    ? `PR #123 (${change} change): pull_request checks, then copy-pr pushes the vetted head to pull-request/123`
    : `${event} run after a ${change} change`;

const started = Date.now();
let workflow = '';
const result = await runPipeline({
  repo: repo.dir,
  event,
  base,
  head,
  tools,
  build: tools.build ? 'real' : 'plan',
  actionsDir: process.env.DYNAMO_CI_ACTIONS_DIR,
  onJob(job) {
    if (job.workflowName !== workflow) {
      workflow = job.workflowName;
      const trigger =
        job.event === 'pull_request'
          ? 'on pull_request: every PR, before anyone vetted it; no secrets'
          : {
              'pull-request': 'on push to pull-request/123: copy-pr pushed the head a maintainer vetted',
              dispatch: 'on workflow_dispatch: a maintainer started it; deployment tests included',
              'post-merge': 'on push to main: everything, no change detection',
              nightly: 'on schedule: every framework, every lifecycle marker',
            }[event];
      console.log(`\n${bold(`── ${workflow}`)} (${job.workflow}) ${trigger}`);
    }
    console.log(renderJob(job));
  },
}).catch((error) => {
  console.error(`demo failed: ${error.stack ?? error}`);
  process.exit(1);
});
console.log(`\n${renderHeader(result, description)}`);
console.log(`\n${renderDigest(result)}`);
console.log(`\n${renderGates(result)}`);
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; example repository at ${repo.dir})`);

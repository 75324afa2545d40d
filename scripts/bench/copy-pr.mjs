#!/usr/bin/env node
// copy-pr: how long one gate decision takes, end to end (the bundle as a runner step against the
// testkit's fake GitHub), against a floor measured in the same run: a bare Node process that makes
// the same number of sequential HTTP requests to the same server. Also prints the API calls each
// decision costs (they count against the token's rate limit). Medians of several runs.
//
// Usage (after `pnpm build`): node scripts/bench/copy-pr.mjs [--runs N]
import { NODE } from './lib/node-env.mjs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FakeGitHub, SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Math.max(3, Number(values.runs));
/** Target: a decision adds at most this much to the floor (process start + the same requests). */
const TARGET_EXTRA_MS = 400;
const REPO = 'ai-dynamo/dynamo';
const sha = (seed) => createHash('sha1').update(seed).digest('hex');

/**
 * A PR from a branch of the repository with 100 signed commits (one page of the commits list),
 * head last, all written by the opener.
 */
function seed(fake, author) {
  const commits = Array.from({ length: 100 }, (_, index) => ({ sha: sha(`c${index}`), verified: true, author }));
  fake.pulls.clear();
  fake.refs.clear();
  fake.comments.length = 0;
  fake.addPull(
    {
      number: 7,
      user: { login: author },
      head: { sha: commits.at(-1).sha, ref: 'f', repo: { full_name: REPO } },
      base: { sha: sha('base'), ref: 'main', repo: { full_name: REPO } },
      commits: commits.length,
    },
    [],
    commits,
  );
  return commits.at(-1).sha;
}

const scenarios = {
  'approve (full SHA)': (fake) => {
    const head = seed(fake, 'outsider');
    const comment = { id: 1, body: `/ok to test ${head}`, user: { login: 'maintainer' } };
    fake.comments.push({ ...comment, issue: 7, reactions: [] });
    return {
      eventName: 'issue_comment',
      event: { action: 'created', issue: { number: 7, pull_request: {} }, comment },
      expect: 'synced',
    };
  },
  'trusted push (auto sync)': (fake) => {
    seed(fake, 'maintainer');
    return { eventName: 'pull_request_target', event: { action: 'synchronize', number: 7 }, expect: 'synced' };
  },
  'untrusted push (vetting)': (fake) => {
    seed(fake, 'outsider');
    return { eventName: 'pull_request_target', event: { action: 'synchronize', number: 7 }, expect: 'refused' };
  },
  'untrusted push, asked': (fake) => {
    const head = seed(fake, 'outsider');
    // The request for this head is already there, so the gate must find out who it comments as.
    fake.comments.push({
      id: 2,
      issue: 7,
      body: `<!-- copy-pr:needs-vetting:${head} -->`,
      user: { login: 'github-actions[bot]' },
      reactions: [],
    });
    return { eventName: 'pull_request_target', event: { action: 'synchronize', number: 7 }, expect: 'refused' };
  },
};

/**
 * The floor: node start-up plus `count` sequential GETs to the same server. Spawned asynchronously:
 * the fake server lives in this process and must keep answering.
 */
function floorOnce(url, count) {
  const script = `for (let i = 0; i < ${count}; i++) await (await fetch(${JSON.stringify(`${url}/repos/${REPO}/pulls/7`)})).text();`;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
  });
}

const fake = await FakeGitHub.start();
fake.setPermission('maintainer', 'write');
let missed = false;
try {
  console.log(`copy-pr: one decision, bundle in the simulated runner vs floor; median of ${runs} runs`);
  console.log(
    `${'scenario'.padEnd(26)} ${'calls'.padStart(5)} ${'action'.padStart(9)} ${'floor'.padStart(9)} ${'ratio'.padStart(6)} ${'+ms'.padStart(7)}`,
  );
  for (const [name, build] of Object.entries(scenarios)) {
    const actionMs = [];
    const floorMs = [];
    let calls = 0;
    for (let run = 0; run < runs; run++) {
      const scenario = build(fake);
      const before = fake.requests.length;
      const job = new SimulatedJob({
        eventName: scenario.eventName,
        event: scenario.event,
        apiUrl: fake.url,
        token: 'ghs_bench',
        repository: REPO,
      });
      const result = await job.run('copy-pr');
      job.cleanup();
      if (result.outputs.action !== scenario.expect) {
        throw new Error(`${name}: expected ${scenario.expect}, got ${JSON.stringify(result.outputs)} ${result.stdout}`);
      }
      actionMs.push(result.durationMs);
      calls = fake.requests.length - before;
      floorMs.push(await floorOnce(fake.url, calls));
    }
    const action = median(actionMs);
    const floor = median(floorMs);
    const extra = action - floor;
    if (extra > TARGET_EXTRA_MS) missed = true;
    console.log(
      `${name.padEnd(26)} ${String(calls).padStart(5)} ${`${action.toFixed(0)} ms`.padStart(9)} ${`${floor.toFixed(0)} ms`.padStart(9)} ${(action / floor).toFixed(2).padStart(6)} ${extra.toFixed(0).padStart(7)}`,
    );
  }
  console.log(
    `target: each decision within ${TARGET_EXTRA_MS} ms of the floor: ${missed ? 'target missed' : 'target met'}`,
  );
} finally {
  await fake.close();
}

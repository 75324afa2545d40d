#!/usr/bin/env node
// `pnpm bench`: every bundle's size and cold start (the whole process, start to exit, on a missing
// input) against bare `node -e 0` measured in the same run, then every scripts/bench/*.mjs.
// Medians of several runs: these machines are shared and noisy.
//
// Usage: node scripts/bench.mjs [--only startup|<bench name>] [--runs N]
import { NODE } from './bench/lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './bench/lib/median.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { only: { type: 'string' }, runs: { type: 'string', default: '11' } } });
const runs = Number(values.runs);
/** The issue's target: each action starts within this much of bare Node. */
const STARTUP_BUDGET_MS = 150;

function timeProcess(args, env) {
  const started = process.hrtime.bigint();
  spawnSync(NODE, args, { env, cwd: env.GITHUB_WORKSPACE, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function dirSize(dir) {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (total, entry) =>
      total + (entry.isDirectory() ? dirSize(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  );
}

function startup() {
  const temp = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  // An empty workspace that is not a repository: every action stops at its first check (a missing
  // input, or no repository), so this measures start-up, not work.
  const env = {
    PATH: process.env.PATH,
    HOME: temp,
    RUNNER_TEMP: temp,
    GITHUB_WORKSPACE: temp,
    GITHUB_EVENT_NAME: 'push',
  };
  for (const file of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_ENV']) {
    env[file] = join(temp, file);
    writeFileSync(env[file], '');
  }
  const actions = readdirSync(join(root, 'actions')).filter((name) =>
    existsSync(join(root, 'actions', name, 'dist', 'index.js')),
  );
  // Interleave the floor with the actions so drift in machine load hits both alike.
  const floor = [];
  const samples = Object.fromEntries(actions.map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    floor.push(timeProcess(['-e', '0'], env));
    for (const name of actions) samples[name].push(timeProcess([join(root, 'actions', name, 'dist', 'index.js')], env));
  }
  const floorMs = median(floor);
  console.log(`startup: median of ${runs} runs; floor \`node -e 0\` = ${floorMs.toFixed(1)} ms`);
  console.log(
    `${'action'.padEnd(18)} ${'bundle'.padStart(9)} ${'start'.padStart(9)} ${'ratio'.padStart(6)} ${'+ms'.padStart(7)}`,
  );
  let missed = 0;
  for (const name of actions) {
    const ms = median(samples[name]);
    const over = ms - floorMs;
    if (over > STARTUP_BUDGET_MS) missed++;
    const size = `${(dirSize(join(root, 'actions', name, 'dist')) / 1024).toFixed(0)} KiB`;
    console.log(
      `${name.padEnd(18)} ${size.padStart(9)} ${`${ms.toFixed(1)} ms`.padStart(9)} ${`${(ms / floorMs).toFixed(2)}x`.padStart(6)} ${`+${over.toFixed(0)}`.padStart(7)}`,
    );
  }
  console.log(
    missed === 0
      ? `startup target met: every action within ${STARTUP_BUDGET_MS} ms of bare node`
      : `startup target missed by ${missed} action(s) (budget ${STARTUP_BUDGET_MS} ms over bare node)`,
  );
}

if (!values.only || values.only === 'startup') startup();

const benches = existsSync(join(root, 'scripts', 'bench'))
  ? readdirSync(join(root, 'scripts', 'bench'))
      .filter((file) => file.endsWith('.mjs'))
      .sort()
  : [];
for (const file of benches) {
  if (values.only && values.only !== 'startup' && values.only !== file.replace(/\.mjs$/, '')) continue;
  if (values.only === 'startup') continue;
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'bench', file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.log(`${file} exited with ${result.status}`);
    process.exitCode = 1;
  }
}

#!/usr/bin/env node
// spdx-check: a full scan (`scope: all`) of a generated repository of 10,000 files of mixed types,
// whole process (node start to exit) under the simulated runner, against the I/O floor measured in
// the same run: `git ls-files -z | xargs -0 head -q -c 4096`. Also the same scan with the
// `last-commit` year rule (one git log pass), peak memory (GNU time), and, where Debian's `reuse`
// is installed, `reuse lint` on the same tree. Medians of several runs; prints target met/missed.
//
// Usage (after `pnpm build`): node scripts/bench/spdx-check.mjs [--files N] [--runs N] [--no-reuse]
import { NODE, NODE_VERSION } from './lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '5' },
    'no-reuse': { type: 'boolean', default: false },
  },
});
const FILES = Number(values.files);
const RUNS = Math.max(3, Number(values.runs));
const TARGET_RATIO = 3; // at most 3x the head -c floor
const TARGET_REUSE = 20; // at least 20x faster than reuse lint
const TARGET_RSS_MB = 150;

const HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';

function git(cwd, args) {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
      GIT_CONFIG_NOSYSTEM: '1',
    },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Deterministic pseudo-random numbers, so every run generates the same tree. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

// Weights roughly as in NVIDIA/cccl plus Dynamo's Python/Rust/YAML.
const KINDS = [
  { weight: 30, name: (i) => `src/m${i % 40}/f${i}.cpp`, leader: '//', body: 'int f() { return 0; }\n' },
  { weight: 18, name: (i) => `include/m${i % 40}/f${i}.h`, leader: '//', body: '#pragma once\nint f();\n' },
  { weight: 12, name: (i) => `kernels/k${i % 20}/f${i}.cu`, leader: '//', body: '__global__ void k() {}\n' },
  { weight: 5, name: (i) => `kernels/k${i % 20}/f${i}.cuh`, leader: '//', body: '#pragma once\n' },
  { weight: 8, name: (i) => `python/p${i % 30}/f${i}.py`, leader: '#', body: 'import os\n\nprint(os.getcwd())\n' },
  { weight: 6, name: (i) => `lib/r${i % 20}/src/f${i}.rs`, leader: '//', body: 'pub fn f() {}\n' },
  { weight: 4, name: (i) => `docs/d${i % 10}/f${i}.md`, block: ['<!--', '', '-->'], body: '# Title\n\nText.\n' },
  { weight: 4, name: (i) => `docs/d${i % 10}/f${i}.rst`, leader: '..', body: 'Title\n=====\n' },
  { weight: 3, name: (i) => `deploy/y${i % 10}/f${i}.yaml`, leader: '#', body: 'a: 1\nb: [1, 2]\n' },
  {
    weight: 2,
    name: (i) => `scripts/s${i % 10}/f${i}.sh`,
    leader: '#',
    shebang: '#!/bin/bash',
    body: 'set -e\necho hi\n',
  },
  { weight: 2, name: (i) => `deploy/op/f${i}.go`, leader: '//', body: 'package op\n' },
  { weight: 2, name: (i) => `web/src/f${i}.ts`, leader: '//', body: 'export const x = 1;\n' },
  { weight: 1, name: (i) => `container/f${i}.Dockerfile`, leader: '#', body: 'FROM ubuntu\n' },
  { weight: 1, name: (i) => `cfg/f${i}.toml`, leader: '#', body: '[x]\na = 1\n' },
  { weight: 1, name: (i) => `data/f${i}.json`, body: '{"a": 1}\n' },
  { weight: 1, name: (i) => `assets/f${i}.png`, binary: true },
];
const TOTAL_WEIGHT = KINDS.reduce((sum, kind) => sum + kind.weight, 0);

function pick(next) {
  let roll = next() * TOTAL_WEIGHT;
  for (const kind of KINDS) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return KINDS[0];
}

function headerFor(kind, years) {
  const copyright = `SPDX-FileCopyrightText: Copyright (c) ${years} ${HOLDER}`;
  const license = 'SPDX-License-Identifier: Apache-2.0';
  if (kind.block) return `${kind.block[0]}\n${copyright}\n${license}\n${kind.block[2]}\n`;
  return `${kind.leader} ${copyright}\n${kind.leader} ${license}\n`;
}

/** 10,000 files: ~93% with a valid header, ~4% without, ~3% stale; 6-8 KB on average. */
function generate(dir) {
  const next = random(42);
  const binary = Buffer.alloc(2048);
  for (let i = 0; i < binary.length; i++) binary[i] = Math.floor(next() * 256);
  binary[10] = 0;
  for (let i = 0; i < FILES; i++) {
    const kind = pick(next);
    const path = join(dir, kind.name(i));
    mkdirSync(dirname(path), { recursive: true });
    if (kind.binary) {
      writeFileSync(path, binary);
      continue;
    }
    const roll = next();
    const header =
      kind.leader || kind.block ? (roll < 0.04 ? '' : headerFor(kind, roll < 0.07 ? '2023' : '2024-2026')) : '';
    // Sizes like NVIDIA/cccl's (6.3 KB on average): mostly a few KB, a tail to ~24 KB, 1% near 150 KB.
    const size = next() < 0.01 ? 100_000 + next() * 100_000 : 200 + 24_000 * next() ** 2.5;
    const body = kind.body.repeat(Math.max(1, Math.round(size / kind.body.length)));
    writeFileSync(path, `${kind.shebang ? `${kind.shebang}\n` : ''}${header}${body}`);
  }
}

const HAVE_TIME = existsSync('/usr/bin/time');

/** Wall time of a shell pipeline, and its CPU time (user+sys of all its processes) when GNU time is here. */
function timeShell(command, cwd, env = {}) {
  const cpuFile = join(tmpdir(), `spdx-bench-cpu-${process.pid}`);
  const args = HAVE_TIME
    ? ['/usr/bin/time', '-f', '%U %S', '-o', cpuFile, 'bash', '-c', command]
    : ['bash', '-c', command];
  const started = process.hrtime.bigint();
  const result = spawnSync(args[0], args.slice(1), { cwd, stdio: 'ignore', env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, status: result.status, cpuMs: HAVE_TIME ? readCpu(cpuFile).cpuMs : undefined };
}

/** GNU time's `%U %S [%M]` line: CPU ms and peak RSS in MB. */
function readCpu(file) {
  const [user, system, rss] = readFileSync(file, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  rmSync(file, { force: true });
  return { cpuMs: (user + system) * 1000, rssMb: rss === undefined ? undefined : rss / 1024 };
}

async function main() {
  const workspace = mkdtempSync(join(tmpdir(), 'bench-spdx-'));
  try {
    const t0 = Date.now();
    generate(workspace);
    git(workspace, ['init', '--quiet', '--initial-branch=main']);
    git(workspace, ['add', '--all']);
    git(workspace, ['commit', '--quiet', '--no-verify', '-m', 'generated tree']);
    const tracked = git(workspace, ['ls-files', '-z']).split('\0').filter(Boolean).length;
    console.log(`generated ${tracked} tracked files in ${((Date.now() - t0) / 1000).toFixed(1)} s (${workspace})`);
    // Warm the page cache so every contender reads from memory.
    timeShell('git ls-files -z | xargs -0 cat > /dev/null', workspace);

    // Every action run starts the bundle under GNU time (when present) for its CPU time and peak RSS.
    const statsFile = join(tmpdir(), `spdx-bench-stats-${process.pid}`);
    const wrapper = join(tmpdir(), `spdx-bench-node-${process.pid}.sh`);
    // The wall time is the process's own, from just before it starts to just after it exits (as
    // changed-files' benchmark measures it): not the simulated runner's reading of its outputs.
    const wallFile = join(tmpdir(), `spdx-bench-wall-${process.pid}`);
    writeFileSync(
      wrapper,
      [
        '#!/bin/bash',
        'start=$(date +%s%N)',
        HAVE_TIME ? `/usr/bin/time -f '%U %S %M' -o '${statsFile}' '${NODE}' "$@"` : `'${NODE}' "$@"`,
        'code=$?',
        `echo $(( $(date +%s%N) - start )) > '${wallFile}'`,
        'exit $code',
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    // A second, Node-specific floor: the same bounded reads from a bare Node process (no runner,
    // no parsing), to show how much of the gap to `head` is Node itself.
    const nodeFloorScript = [
      "const { execFileSync } = require('node:child_process');",
      "const { openSync, readSync, closeSync } = require('node:fs');",
      "const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\\0').filter(Boolean);",
      'const buffer = Buffer.allocUnsafe(4097);',
      "for (const file of files) { try { const fd = openSync(file, 'r'); readSync(fd, buffer, 0, 4097, 0); closeSync(fd); } catch {} }",
    ].join('\n');
    const nodeFloor = [];
    const nodeFloorCpu = [];
    const floor = [];
    const floorCpu = [];
    const scan = [];
    const scanCpu = [];
    const history = [];
    const historyCpu = [];
    let rssMb = 0;
    let outputs;
    const job = new SimulatedJob({ workspace, eventName: 'schedule', node: wrapper });
    const inputs = { scope: 'all', 'year-rule': 'changed', 'unknown-types': 'ignore', token: '' };
    const runAction = async (stepInputs, wall, cpu) => {
      const result = await job.run('spdx-check', { inputs: stepInputs });
      if (result.exitCode !== 1 && result.exitCode !== 0) {
        throw new Error(`spdx-check crashed:\n${result.stdout}\n${result.stderr}`);
      }
      wall.push(Number(readFileSync(wallFile, 'utf8')) / 1e6);
      if (HAVE_TIME) {
        const stats = readCpu(statsFile);
        cpu.push(stats.cpuMs);
        rssMb = Math.max(rssMb, stats.rssMb);
      }
      return result;
    };
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, so drift in machine load hits the floor and the action alike.
      const measured = timeShell('git ls-files -z | xargs -0 head -q -c 4096 > /dev/null', workspace);
      floor.push(measured.ms);
      if (measured.cpuMs !== undefined) floorCpu.push(measured.cpuMs);
      const bare = timeShell(`'${NODE}' -e "$SPDX_BENCH_NODE_FLOOR"`, workspace, {
        SPDX_BENCH_NODE_FLOOR: nodeFloorScript,
      });
      nodeFloor.push(bare.ms);
      if (bare.cpuMs !== undefined) nodeFloorCpu.push(bare.cpuMs);
      outputs = (await runAction(inputs, scan, scanCpu)).outputs;
      await runAction({ ...inputs, 'year-rule': 'last-commit' }, history, historyCpu);
    }
    job.cleanup();
    rmSync(wrapper, { force: true });
    rmSync(wallFile, { force: true });

    const floorMs = median(floor);
    const scanMs = median(scan);
    const historyMs = median(history);
    const ratio = scanMs / floorMs;
    const cpu = (samples) => (samples.length > 0 ? `  cpu ${median(samples).toFixed(0).padStart(5)} ms` : '');
    console.log(
      `outputs: checked ${outputs.checked}, passed ${outputs.passed}, failed ${outputs.failed}, skipped ${outputs.skipped}`,
    );
    console.log(
      `load average ${loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')} on ${cpus().length} cores`,
    );
    console.log(`medians of ${RUNS} runs (whole process, start to exit; Node ${NODE_VERSION}; cpu = user+sys):`);
    console.log(
      `  floor: git ls-files -z | xargs -0 head -q -c 4096   ${floorMs.toFixed(0).padStart(6)} ms${cpu(floorCpu)}`,
    );
    console.log(
      `  node floor: git ls-files + the same 4 KiB reads     ${median(nodeFloor).toFixed(0).padStart(6)} ms${cpu(nodeFloorCpu)}  ${(median(nodeFloor) / floorMs).toFixed(2)}x floor`,
    );
    console.log(
      `  spdx-check scope=all year-rule=changed             ${scanMs.toFixed(0).padStart(6)} ms${cpu(scanCpu)}  ${ratio.toFixed(2)}x floor`,
    );
    console.log(
      `  spdx-check scope=all year-rule=last-commit         ${historyMs.toFixed(0).padStart(6)} ms${cpu(historyCpu)}  ${(historyMs / floorMs).toFixed(2)}x floor`,
    );
    if (HAVE_TIME)
      console.log(`  peak RSS of spdx-check (any run)                   ${rssMb.toFixed(0).padStart(6)} MB`);
    console.log(
      ratio <= TARGET_RATIO
        ? `target met: ${ratio.toFixed(2)}x <= ${TARGET_RATIO}x the floor`
        : `target missed: ${ratio.toFixed(2)}x > ${TARGET_RATIO}x the floor`,
    );
    if (HAVE_TIME) {
      console.log(
        rssMb < TARGET_RSS_MB
          ? `target met: peak RSS ${rssMb.toFixed(0)} MB < ${TARGET_RSS_MB} MB`
          : `target missed: peak RSS ${rssMb.toFixed(0)} MB`,
      );
    }

    const reuse = spawnSync('sh', ['-c', 'command -v reuse'], { encoding: 'utf8' }).stdout.trim();
    if (reuse && !values['no-reuse']) {
      // reuse is slow (tens of seconds on 10k files): one run, and it is printed as such.
      const { ms, cpuMs } = timeShell(`'${reuse}' lint > /dev/null 2>&1`, workspace);
      const speedup = ms / scanMs;
      const cpuNote =
        cpuMs !== undefined && scanCpu.length > 0
          ? `  cpu ${cpuMs.toFixed(0).padStart(5)} ms (${(cpuMs / median(scanCpu)).toFixed(1)}x spdx-check's)`
          : '';
      console.log(
        `  reuse lint (${reuse}, 1 run)                    ${ms.toFixed(0).padStart(6)} ms${cpuNote}  spdx-check is ${speedup.toFixed(1)}x faster`,
      );
      console.log(
        speedup >= TARGET_REUSE
          ? `target met: ${speedup.toFixed(1)}x >= ${TARGET_REUSE}x faster than reuse lint`
          : `target missed: ${speedup.toFixed(1)}x < ${TARGET_REUSE}x faster than reuse lint`,
      );
    } else {
      console.log('reuse lint: skipped (reuse not installed, or --no-reuse)');
    }
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

await main();

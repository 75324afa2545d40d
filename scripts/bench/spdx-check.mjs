#!/usr/bin/env node
// spdx-check: a full scan (`scope: all`) of two generated repositories of 10,000 files, whole
// process (node start to exit) under the simulated runner, against the I/O floor measured in the
// same run on the same tree: `git ls-files -z | xargs -0 head -q -c 4096`.
// - the clean tree: mixed types shaped like NVIDIA/cccl plus Dynamo, nearly every header valid;
// - the failing tree: a mixed C++/CUDA/Python/Markdown repository on the day it turns the check
//   on: about half its files fail (LLVM-style license blocks and Apache notices without SPDX tags,
//   no header at all, third-party code), the holder written with and without `All rights
//   reserved.`, binaries (videos, images, weights, a Git LFS pointer).
// Each tree: the scan with the `changed` and the `last-commit` year rule, peak memory (GNU time),
// and, where Debian's `reuse` is installed, `reuse lint`. Medians of several runs; prints target
// met/missed. Last, one `fix: true` run on the failing tree and a second one that must change
// nothing.
//
// `--compare label=dir` (repeatable) times another build of the action too, next to this one in
// every run (year-rule changed), taking turns at going first: `dir` holds its action.yml and dist/
// (say, a copy made before a change).
//
// Usage (after `pnpm build`): node scripts/bench/spdx-check.mjs [--files N] [--runs N]
//   [--reuse-runs N] [--no-reuse] [--compare label=dir ...]
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
    'reuse-runs': { type: 'string', default: '3' },
    'no-reuse': { type: 'boolean', default: false },
    compare: { type: 'string', multiple: true, default: [] },
  },
});
const FILES = Number(values.files);
const RUNS = Math.max(3, Number(values.runs));
const REUSE_RUNS = Math.max(1, Number(values['reuse-runs']));
const TARGET_RATIO = 3; // at most 3x the head -c floor
const TARGET_REUSE = 20; // at least 20x faster than reuse lint
const TARGET_RSS_MB = 150;
/** Other builds to time alongside this one: `label=dir`, each dir an action folder. */
const COMPARED = values.compare.map((spec) => {
  const at = spec.indexOf('=');
  const dir = spec.slice(at + 1);
  if (at < 1 || !existsSync(join(dir, 'dist', 'index.js'))) {
    throw new Error(`--compare ${spec}: expected label=dir, dir holding action.yml and dist/index.js`);
  }
  return { label: spec.slice(0, at), dir };
});

const HOLDER = 'NVIDIA CORPORATION & AFFILIATES. All rights reserved.';
const HOLDER_SHORT = 'NVIDIA CORPORATION & AFFILIATES.';

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

/** A body of about `size` bytes made of `text` repeated. */
function bodyOf(text, size) {
  return text.repeat(Math.max(1, Math.round(size / text.length)));
}

/** Sizes like NVIDIA/cccl's (6.3 KB on average): mostly a few KB, a tail to ~24 KB, 1% near 150 KB. */
function fileSize(next) {
  return next() < 0.01 ? 100_000 + next() * 100_000 : 200 + 24_000 * next() ** 2.5;
}

/** 10,000 files: ~93% with a valid header, ~4% without, ~3% stale; 6-8 KB on average. */
function generateClean(dir) {
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
    const body = bodyOf(kind.body, fileSize(next));
    writeFileSync(path, `${kind.shebang ? `${kind.shebang}\n` : ''}${header}${body}`);
  }
}

// The failing tree: what a real C++/CUDA/Python/Markdown repository looks like the first time it
// runs the check.
const LLVM_BLOCK = [
  '//===----------------------------------------------------------------------===//',
  '//',
  '// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.',
  '// See https://llvm.org/LICENSE.txt for license information.',
  '//',
  '//===----------------------------------------------------------------------===//',
  '',
  '',
].join('\n');

const APACHE_NOTICE = [
  'Licensed under the Apache License, Version 2.0 (the "License");',
  'you may not use this file except in compliance with the License.',
  'You may obtain a copy of the License at',
  '',
  '    http://www.apache.org/licenses/LICENSE-2.0',
  '',
  'Unless required by applicable law or agreed to in writing, software',
  'distributed under the License is distributed on an "AS IS" BASIS,',
  'WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.',
  'See the License for the specific language governing permissions and',
  'limitations under the License.',
];

/** A copyright line and the Apache notice in the file's comments (a C block for C-like files). */
function apacheNotice(kind, copyright) {
  const lines = [copyright, '', ...APACHE_NOTICE];
  if (kind.leader === '//') return `/*\n${lines.map((line) => ` *${line ? ` ${line}` : ''}`).join('\n')}\n */\n\n`;
  return `${lines.map((line) => `${kind.leader}${line ? ` ${line}` : ''}`).join('\n')}\n\n`;
}

function spdxHeader(kind, years, holder) {
  const copyright = `SPDX-FileCopyrightText: Copyright (c) ${years} ${holder}`;
  const license = 'SPDX-License-Identifier: Apache-2.0';
  if (kind.block) return `${kind.block[0]}\n${copyright}\n${license}\n${kind.block[2]}\n\n`;
  return `${kind.leader} ${copyright}\n${kind.leader} ${license}\n\n`;
}

const MIXED_KINDS = [
  {
    weight: 24,
    name: (i) => `libcudacxx/include/m${i % 40}/f${i}.cpp`,
    leader: '//',
    cxx: true,
    body: 'int f() { return 0; }\n',
  },
  {
    weight: 16,
    name: (i) => `cub/include/m${i % 40}/f${i}.h`,
    leader: '//',
    cxx: true,
    body: '#pragma once\nint f();\n',
  },
  { weight: 12, name: (i) => `kernels/k${i % 20}/f${i}.cu`, leader: '//', cxx: true, body: '__global__ void k() {}\n' },
  { weight: 5, name: (i) => `kernels/k${i % 20}/f${i}.cuh`, leader: '//', cxx: true, body: '#pragma once\n' },
  {
    weight: 15,
    name: (i) => `python/cuda/p${i % 30}/f${i}.py`,
    leader: '#',
    body: 'import os\n\nprint(os.getcwd())\n',
  },
  { weight: 9, name: (i) => `docs/d${i % 10}/f${i}.md`, block: ['<!--', '', '-->'], body: '# Title\n\nText.\n' },
  { weight: 3, name: (i) => `cmake/c${i % 5}/f${i}.cmake`, leader: '#', body: 'set(X 1)\n' },
  { weight: 3, name: (i) => `ci/y${i % 10}/f${i}.yaml`, leader: '#', body: 'a: 1\nb: [1, 2]\n' },
  { weight: 2, name: (i) => `ci/s${i % 10}/f${i}.sh`, leader: '#', body: 'set -e\necho hi\n' },
  { weight: 1, name: (i) => `data/f${i}.json`, body: '{"a": 1}\n' },
  { weight: 1, name: (i) => `assets/f${i}.png`, binary: 'png' },
  { weight: 1, name: (i) => `tests/media/f${i}.mp4`, binary: 'mp4' },
  { weight: 1, name: (i) => `models/f${i}.safetensors`, binary: 'weights' },
];
const MIXED_WEIGHT = MIXED_KINDS.reduce((sum, kind) => sum + kind.weight, 0);

function pickMixed(next) {
  let roll = next() * MIXED_WEIGHT;
  for (const kind of MIXED_KINDS) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return MIXED_KINDS[0];
}

function binaryOf(kind, next) {
  const random = Buffer.alloc(4096 + Math.floor(next() * 60_000));
  for (let i = 0; i < random.length; i++) random[i] = Math.floor(next() * 256);
  const magic = {
    png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d],
    mp4: [0x00, 0x00, 0x00, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d],
    weights: [0x58, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22],
  }[kind.binary];
  Buffer.from(magic).copy(random);
  return random;
}

/**
 * 10,000 files, about half failing: SPDX headers in both holder spellings (~48%), LLVM blocks
 * (C++/CUDA) or Apache notices (the rest) without SPDX tags (~20%), Apache notices under NVIDIA
 * copyright lines (~5%), third-party files under another holder (~3%), no header (~20%);
 * binaries and one Git LFS pointer.
 */
function generateFailing(dir) {
  const next = random(7);
  for (let i = 0; i < FILES; i++) {
    const kind = pickMixed(next);
    const roll = next();
    let name = kind.name(i);
    let content;
    if (kind.binary) {
      content = i === 0 ? 'version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 1\n' : binaryOf(kind, next);
    } else {
      let header = '';
      if (kind.leader || kind.block) {
        const year = 2019 + Math.floor(next() * 7);
        if (roll < 0.28) header = spdxHeader(kind, `${year}-2025`, HOLDER);
        else if (roll < 0.48) header = spdxHeader(kind, String(year), HOLDER_SHORT);
        else if (roll < 0.68 && kind.cxx) header = LLVM_BLOCK;
        else if (roll < 0.73 && kind.leader) header = apacheNotice(kind, `Copyright (c) ${year}, ${HOLDER}`);
        else if (roll < 0.76 && kind.leader) {
          name = `third_party/lib${i % 4}/${name}`;
          header = apacheNotice(kind, `Copyright ${year} The Abseil Authors.`);
        }
      }
      content = `${header}${bodyOf(kind.body, fileSize(next))}`;
    }
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
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

// A second, Node-specific floor: the same bounded reads from a bare Node process (no runner, no
// parsing), to show how much of the gap to `head` is Node itself.
const NODE_FLOOR_SCRIPT = [
  "const { execFileSync } = require('node:child_process');",
  "const { openSync, readSync, closeSync } = require('node:fs');",
  "const files = execFileSync('git', ['ls-files', '-z'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\\0').filter(Boolean);",
  'const buffer = Buffer.allocUnsafe(4097);',
  "for (const file of files) { try { const fd = openSync(file, 'r'); readSync(fd, buffer, 0, 4097, 0); closeSync(fd); } catch {} }",
].join('\n');

const INPUTS = { scope: 'all', 'year-rule': 'changed', 'unknown-types': 'ignore', token: '' };

/** Generate a tree, commit it, and time the floors, the scans and reuse on it. */
async function measureTree(label, generate) {
  const workspace = mkdtempSync(join(tmpdir(), 'bench-spdx-'));
  const t0 = Date.now();
  generate(workspace);
  git(workspace, ['init', '--quiet', '--initial-branch=main']);
  git(workspace, ['add', '--all']);
  git(workspace, ['commit', '--quiet', '--no-verify', '-m', 'generated tree']);
  const tracked = git(workspace, ['ls-files', '-z']).split('\0').filter(Boolean).length;
  console.log(`${label} tree: generated ${tracked} tracked files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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
  const samples = {
    floor: [],
    floorCpu: [],
    nodeFloor: [],
    nodeFloorCpu: [],
    scan: [],
    scanCpu: [],
    history: [],
    historyCpu: [],
    compared: {},
  };
  let rssMb = 0;
  let outputs;
  const job = new SimulatedJob({ workspace, eventName: 'schedule', node: wrapper });
  const runAction = async (stepInputs, wall, cpu, peak = true, action = 'spdx-check') => {
    const result = await job.run(action, { inputs: stepInputs });
    if (result.exitCode !== 1 && result.exitCode !== 0) {
      throw new Error(`spdx-check crashed:\n${result.stdout}\n${result.stderr}`);
    }
    wall?.push(Number(readFileSync(wallFile, 'utf8')) / 1e6);
    if (HAVE_TIME) {
      const stats = readCpu(statsFile);
      cpu?.push(stats.cpuMs);
      if (peak) rssMb = Math.max(rssMb, stats.rssMb);
      result.rssMb = stats.rssMb;
      result.cpuMs = stats.cpuMs;
    }
    return result;
  };
  let fix;
  try {
    for (let run = 0; run < RUNS; run++) {
      // Interleaved, so drift in machine load hits the floor and the action alike.
      const measured = timeShell('git ls-files -z | xargs -0 head -q -c 4096 > /dev/null', workspace);
      samples.floor.push(measured.ms);
      if (measured.cpuMs !== undefined) samples.floorCpu.push(measured.cpuMs);
      const bare = timeShell(`'${NODE}' -e "$SPDX_BENCH_NODE_FLOOR"`, workspace, {
        SPDX_BENCH_NODE_FLOOR: NODE_FLOOR_SCRIPT,
      });
      samples.nodeFloor.push(bare.ms);
      if (bare.cpuMs !== undefined) samples.nodeFloorCpu.push(bare.cpuMs);
      // This build and the compared ones take turns at going first, so neither gains from the order.
      const builds = [undefined, ...COMPARED];
      let result;
      for (let turn = 0; turn < builds.length; turn++) {
        const other = builds[(run + turn) % builds.length];
        if (other === undefined) {
          result = await runAction(INPUTS, samples.scan, samples.scanCpu);
          continue;
        }
        samples.compared[other.label] ??= { wall: [], cpu: [] };
        const theirs = samples.compared[other.label];
        const otherResult = await runAction(INPUTS, theirs.wall, theirs.cpu, false, other.dir);
        if (run === 0) theirs.outputs = otherResult.outputs;
      }
      outputs = result.outputs;
      if (run === 0)
        console.log(
          `  annotations of one scan: ${result.errors.length} errors, ${result.warnings.length} warnings; log ${result.stdout.length} bytes`,
        );
      await runAction({ ...INPUTS, 'year-rule': 'last-commit' }, samples.history, samples.historyCpu);
    }
    const reuse = reuseLint(workspace);
    if (label === 'failing') {
      // One fix run (it rewrites the tree, so it comes last) and a second that must change nothing.
      const first = await runAction({ ...INPUTS, fix: 'true' }, undefined, undefined, false);
      const wallMs = Number(readFileSync(wallFile, 'utf8')) / 1e6;
      const changedAfterFirst = git(workspace, ['status', '--porcelain', '-z']).split('\0').filter(Boolean).length;
      git(workspace, ['commit', '--quiet', '--no-verify', '-am', 'fixed']);
      const second = await runAction({ ...INPUTS, fix: 'true' }, undefined, undefined, false);
      const changedAfterSecond = git(workspace, ['status', '--porcelain', '-z']).split('\0').filter(Boolean).length;
      fix = {
        wallMs,
        rssMb: first.rssMb,
        cpuMs: first.cpuMs,
        first: first.outputs,
        second: second.outputs,
        changedAfterFirst,
        changedAfterSecond,
      };
    }
    return { label, outputs, samples, rssMb, reuse, fix };
  } finally {
    job.cleanup();
    rmSync(wrapper, { force: true });
    rmSync(wallFile, { force: true });
    rmSync(workspace, { recursive: true, force: true });
  }
}

/** `reuse lint` on the tree, REUSE_RUNS times (it is slow: seconds per run), or undefined. */
function reuseLint(workspace) {
  const reuse = spawnSync('sh', ['-c', 'command -v reuse'], { encoding: 'utf8' }).stdout.trim();
  if (!reuse || values['no-reuse']) return undefined;
  const wall = [];
  const cpu = [];
  for (let run = 0; run < REUSE_RUNS; run++) {
    const { ms, cpuMs } = timeShell(`'${reuse}' lint > /dev/null 2>&1`, workspace);
    wall.push(ms);
    if (cpuMs !== undefined) cpu.push(cpuMs);
  }
  return { path: reuse, ms: median(wall), cpuMs: cpu.length > 0 ? median(cpu) : undefined };
}

function report(tree) {
  const { samples, outputs, rssMb, reuse, label } = tree;
  const floorMs = median(samples.floor);
  const scanMs = median(samples.scan);
  const historyMs = median(samples.history);
  const ratio = scanMs / floorMs;
  const cpu = (list) => (list.length > 0 ? `  cpu ${median(list).toFixed(0).padStart(5)} ms` : '');
  console.log(`${label} tree (medians of ${RUNS} runs):`);
  console.log(
    `  outputs: checked ${outputs.checked}, passed ${outputs.passed}, failed ${outputs.failed}, skipped ${outputs.skipped}`,
  );
  console.log(
    `  floor: git ls-files -z | xargs -0 head -q -c 4096   ${floorMs.toFixed(0).padStart(6)} ms${cpu(samples.floorCpu)}`,
  );
  console.log(
    `  node floor: git ls-files + the same 4 KiB reads     ${median(samples.nodeFloor).toFixed(0).padStart(6)} ms${cpu(samples.nodeFloorCpu)}  ${(median(samples.nodeFloor) / floorMs).toFixed(2)}x floor`,
  );
  console.log(
    `  spdx-check scope=all year-rule=changed             ${scanMs.toFixed(0).padStart(6)} ms${cpu(samples.scanCpu)}  ${ratio.toFixed(2)}x floor`,
  );
  console.log(
    `  spdx-check scope=all year-rule=last-commit         ${historyMs.toFixed(0).padStart(6)} ms${cpu(samples.historyCpu)}  ${(historyMs / floorMs).toFixed(2)}x floor`,
  );
  for (const { label: other } of COMPARED) {
    const theirs = samples.compared[other];
    const same = ['checked', 'passed', 'failed', 'skipped'].every((key) => theirs.outputs?.[key] === outputs[key]);
    // Run by run against this build, which ran next to it: less noisy than two medians.
    const paired = median(theirs.wall.map((ms, run) => ms / samples.scan[run]));
    console.log(
      `  ${`${other} (compared), year-rule=changed`.padEnd(50)} ${median(theirs.wall).toFixed(0).padStart(6)} ms${cpu(theirs.cpu)}  ` +
        `${paired.toFixed(2)}x this build's, run by run${same ? '' : '; OUTPUTS DIFFER'}`,
    );
  }
  if (HAVE_TIME) console.log(`  peak RSS of spdx-check (any run)                   ${rssMb.toFixed(0).padStart(6)} MB`);
  if (reuse) {
    const cpuNote =
      reuse.cpuMs !== undefined && samples.scanCpu.length > 0
        ? `  cpu ${reuse.cpuMs.toFixed(0).padStart(5)} ms (${(reuse.cpuMs / median(samples.scanCpu)).toFixed(1)}x spdx-check's)`
        : '';
    console.log(
      `  reuse lint (${reuse.path}, ${REUSE_RUNS} run(s))            ${reuse.ms.toFixed(0).padStart(6)} ms${cpuNote}  spdx-check is ${(reuse.ms / scanMs).toFixed(1)}x faster`,
    );
  }
  if (tree.fix) {
    const { fix } = tree;
    console.log(
      `  fix: true, one run: ${fix.wallMs.toFixed(0)} ms${fix.cpuMs !== undefined ? ` (cpu ${fix.cpuMs.toFixed(0)} ms)` : ''}${fix.rssMb ? `, peak RSS ${fix.rssMb.toFixed(0)} MB` : ''}; fixed ${JSON.parse(fix.first['fixed-files']).length} files (${fix.changedAfterFirst} changed in git), ${fix.first.failed} still failing; ` +
        `a second run fixed ${JSON.parse(fix.second['fixed-files']).length} and changed ${fix.changedAfterSecond}`,
    );
  }
  return { ratio, rssMb, speedup: reuse ? reuse.ms / scanMs : undefined };
}

function verdicts(label, { ratio, rssMb, speedup }, reuseTarget) {
  console.log(
    ratio <= TARGET_RATIO
      ? `target met: ${label} tree ${ratio.toFixed(2)}x <= ${TARGET_RATIO}x the floor`
      : `target missed: ${label} tree ${ratio.toFixed(2)}x > ${TARGET_RATIO}x the floor`,
  );
  if (HAVE_TIME) {
    console.log(
      rssMb < TARGET_RSS_MB
        ? `target met: ${label} tree peak RSS ${rssMb.toFixed(0)} MB < ${TARGET_RSS_MB} MB`
        : `target missed: ${label} tree peak RSS ${rssMb.toFixed(0)} MB`,
    );
  }
  if (reuseTarget && speedup !== undefined) {
    console.log(
      speedup >= TARGET_REUSE
        ? `target met: ${speedup.toFixed(1)}x >= ${TARGET_REUSE}x faster than reuse lint`
        : `target missed: ${speedup.toFixed(1)}x < ${TARGET_REUSE}x faster than reuse lint`,
    );
  }
}

async function main() {
  const clean = await measureTree('clean', generateClean);
  const failing = await measureTree('failing', generateFailing);
  console.log(
    `load average ${loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')} on ${cpus().length} cores; whole process, start to exit; Node ${NODE_VERSION}; cpu = user+sys`,
  );
  const cleanFigures = report(clean);
  const failingFigures = report(failing);
  verdicts('clean', cleanFigures, true);
  verdicts('failing', failingFigures, false);
  if (!clean.reuse) console.log('reuse lint: skipped (reuse not installed, or --no-reuse)');
}

await main();

#!/usr/bin/env node
// changed-files: a synthetic repository of 100,000 files laid out like Dynamo's, and a push whose
// diff touches 50,000 of them (edits, adds, deletes, exact and edited renames), matched against
// upstream's filters.yaml (14 groups). It times the action's whole process (the bundle, node start
// to exit, under the simulated runner) against the floor measured in the same run: a bare
// `node -e 0` plus `git diff --name-status -z -M` of the same two commits. Also peak memory (GNU
// time), a 20-file push on the same repository, and a bare-Node reference (the diff, split, one
// JSON list written: see BARE_NODE_SCRIPT). Medians of several interleaved runs.
//
// The repository is built with `git fast-import` and cached under .bench/changed-files/.
//
// `--compare label=dir` (repeatable) times another build of the action too, interleaved with this
// one in every run: `dir` holds its action.yml and dist/ (say, a copy made before a change).
//
// Usage (after `pnpm build`): node scripts/bench/changed-files.mjs [--runs N] [--files N] [--changed N]
//   [--compare label=dir ...]
import { NODE, NODE_VERSION } from './lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    files: { type: 'string', default: '100000' },
    changed: { type: 'string', default: '50000' },
    compare: { type: 'string', multiple: true, default: [] },
  },
});
const RUNS = Math.max(3, Number(values.runs));
const FILES = Number(values.files);
const CHANGED = Number(values.changed);
const TARGET_RATIO = 1.5;
const TARGET_RSS_MB = 300;
const TARGET_SMALL_MS = 300;
/** Upstream's filter groups, as the example repository holds them. */
const FILTERS_FILE = join(root, 'examples', 'dynamo-example', '.github', 'filters.yaml');

function git(cwd, args, input) {
  const result = spawnSync('git', args, { cwd, input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Deterministic pseudo-random numbers, so every run generates the same repository. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Paths shaped like Dynamo's tree, so every filter group has something to match. */
function makePaths(count, next) {
  const frameworks = ['vllm', 'sglang', 'trtllm'];
  const components = ['router', 'frontend', 'planner', 'profiler', 'mocker', 'common', ...frameworks];
  const extensions = ['py', 'rs', 'md', 'yaml', 'txt', 'json', 'sh', 'go', 'toml', 'rst'];
  const pick = (list) => list[Math.floor(next() * list.length)];
  const shapes = [
    (i) => `lib/crate_${i % 40}/src/mod_${i % 97}/file_${i}.${pick(['rs', 'rs', 'rs', 'md', 'toml'])}`,
    (i) => `components/src/dynamo/${pick(components)}/pkg_${i % 53}/file_${i}.${pick(['py', 'py', 'md'])}`,
    (i) => `docs/section_${i % 31}/page_${i}.${pick(['md', 'md', 'rst', 'png'])}`,
    (i) => `examples/backends/${pick(frameworks)}/deploy/ex_${i}.${pick(['yaml', 'md', 'py'])}`,
    (i) => `deploy/${pick(['operator', 'helm', 'utils', 'snapshot'])}/dir_${i % 29}/f_${i}.${pick(extensions)}`,
    (i) => `tests/${pick(['deploy', 'serve', 'router', 'kvbm'])}/test_${i}.py`,
    (i) => `container/${pick(['deps', 'templates', 'compliance', 'dev'])}/c_${i}.${pick(['txt', 'Dockerfile', 'sh'])}`,
    (i) => `.github/${pick(['workflows', 'actions/a', 'scripts'])}/w_${i}.${pick(['yml', 'sh', 'py'])}`,
    (i) => `benchmarks/b_${i % 13}/bench_${i}.${pick(extensions)}`,
    (i) => `tools/misc_${i % 17}/.hidden_${i}/f_${i}.${pick(extensions)}`,
  ];
  return Array.from({ length: count }, (_, i) => shapes[i % shapes.length](i));
}

function content(i, version) {
  return `file ${i}\nline two of ${i}\nline three of ${i} with some words\nversion ${version}\n`;
}

/**
 * Build (or reuse) the repository: commit `base` with FILES files, `head` touching CHANGED of them
 * (40% edits, 15% adds, 15% deletes, 15% exact renames, 15% edited renames), and `small` on top of
 * `head` touching 20 files.
 */
function buildRepository() {
  const key = `v1-${FILES}-${CHANGED}`;
  const dir = join(root, '.bench', 'changed-files', key);
  const marker = join(dir, 'shas.json');
  if (existsSync(marker)) return { dir, ...JSON.parse(readFileSync(marker, 'utf8')) };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '--quiet', '--initial-branch=main']);
  const started = Date.now();
  const next = random(42);
  const paths = makePaths(FILES, next);
  const chunks = [];
  let mark = 0;
  const blob = (text) => {
    mark++;
    chunks.push(`blob\nmark :${mark}\ndata ${Buffer.byteLength(text)}\n${text}\n`);
    return mark;
  };
  const commit = (message, from, lines) => {
    mark++;
    const header = `commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.com> ${1700000000 + mark} +0000\ndata ${message.length}\n${message}\n`;
    chunks.push(`${header}${from ? `from :${from}\n` : ''}${lines.join('\n')}\n\n`);
    return mark;
  };
  const baseLines = paths.map((path, i) => `M 100644 :${blob(content(i, 0))} ${path}`);
  const baseMark = commit('base', undefined, baseLines);

  const order = paths.map((_, i) => i).sort(() => next() - 0.5);
  const touched = order.slice(0, CHANGED);
  const headLines = [];
  const share = (fraction) => Math.round(CHANGED * fraction);
  const [edits, adds, deletes, exact] = [share(0.4), share(0.15), share(0.15), share(0.15)];
  const editSet = touched.slice(0, edits);
  const deleteSet = touched.slice(edits, edits + deletes);
  const exactSet = touched.slice(edits + deletes, edits + deletes + exact);
  const editedRenameSet = touched.slice(edits + deletes + exact);
  for (const i of editSet) headLines.push(`M 100644 :${blob(content(i, 1))} ${paths[i]}`);
  for (const i of deleteSet) headLines.push(`D ${paths[i]}`);
  for (const i of exactSet) headLines.push(`R ${paths[i]} ${paths[i]}.moved`);
  for (const i of editedRenameSet) {
    headLines.push(
      `D ${paths[i]}`,
      `M 100644 :${blob(content(i, 2))} ${paths[i].replace(/\/([^/]+)$/, '/renamed_$1')}`,
    );
  }
  const added = makePaths(adds, next).map((path) => path.replace(/\/([^/]+)$/, '/new_$1'));
  for (const [k, path] of added.entries()) headLines.push(`M 100644 :${blob(content(FILES + k, 0))} ${path}`);
  const headMark = commit('head', baseMark, headLines);
  const smallLines = order.slice(CHANGED, CHANGED + 20).map((i) => `M 100644 :${blob(content(i, 3))} ${paths[i]}`);
  commit('small', headMark, smallLines);
  git(dir, ['fast-import', '--quiet', '--force'], chunks.join(''));
  const shas = {
    base: git(dir, ['rev-parse', 'main~2']).trim(),
    head: git(dir, ['rev-parse', 'main~1']).trim(),
    small: git(dir, ['rev-parse', 'main']).trim(),
  };
  writeFileSync(marker, JSON.stringify(shas));
  console.log(`built ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, ...shas };
}

const HAS_TIME = existsSync('/usr/bin/time');

/**
 * Every measured process (the floor's two and the action) runs under the same wrapper: wall time
 * from just before to just after the process (nanoseconds, by the shell), and GNU time's CPU
 * (user+sys, waited-for children included) and max RSS. The action's wall time is its process
 * only: the simulated runner's reading of the output files afterwards is not the action's cost.
 */
function makeTimer(dir) {
  const script = join(dir, 'timed.sh');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      'report="$1"; shift',
      'start=$(date +%s%N)',
      HAS_TIME ? `/usr/bin/time -f '%U %S %M' -o "$report.time" "$@"` : '"$@"',
      'code=$?',
      'end=$(date +%s%N)',
      'echo $((end - start)) > "$report.wall"',
      'exit $code',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  let count = 0;
  return {
    script,
    report: () => join(dir, `run-${++count}`),
    read(report) {
      const wallMs = Number(readFileSync(`${report}.wall`, 'utf8')) / 1e6;
      const [user, sys, rss] = HAS_TIME
        ? readFileSync(`${report}.time`, 'utf8').trim().split('\n').pop().split(' ').map(Number)
        : [NaN, NaN, NaN];
      return { wallMs, cpuMs: (user + sys) * 1000, rssMb: rss / 1024 };
    },
  };
}

function timed(timer, command, args, options = {}) {
  const report = timer.report();
  const result = spawnSync(timer.script, [report, command, ...args], options);
  return { result, ...timer.read(report) };
}

function timeFloor(timer, dir, base, head) {
  const node = timed(timer, NODE, ['-e', '0'], { stdio: 'ignore' });
  const diff = timed(timer, 'git', ['diff', '--name-status', '-z', '-M', base, head], {
    cwd: dir,
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return {
    wallMs: node.wallMs + diff.wallMs,
    cpuMs: node.cpuMs + diff.cpuMs,
    nodeMs: node.wallMs,
    gitMs: diff.wallMs,
    entries: diff.result.stdout.toString().split('\0').filter(Boolean).length,
  };
}

/**
 * A second, Node-specific reference (as spdx-check's benchmark has): a bare Node process that only
 * runs the diff the action runs by default (the paths alone, no renames: see change-types.ts),
 * splits it into paths and writes them as one JSON list. No filters, no 14 other lists, no runner
 * protocol: what any Node implementation pays before matching a single path.
 */
const BARE_NODE_SCRIPT = [
  "const { spawn } = require('node:child_process');",
  "const { writeFileSync } = require('node:fs');",
  'const [base, head, out] = process.argv.slice(1);',
  "const child = spawn('git', ['diff-tree', '-r', '--name-only', '-z', '--no-renames', base, head, '--'], { stdio: ['ignore', 'pipe', 'ignore'] });",
  'const chunks = [];',
  "child.stdout.on('data', (chunk) => chunks.push(chunk));",
  "child.on('close', () => {",
  "  const paths = Buffer.concat(chunks).toString().split('\\0');",
  '  paths.pop();',
  '  writeFileSync(out, JSON.stringify(paths));',
  '});',
].join('\n');

function timeBareNode(timer, dir, base, head, out) {
  return timed(timer, NODE, ['-e', BARE_NODE_SCRIPT, base, head, out], { cwd: dir, stdio: 'ignore' });
}

const repository = buildRepository();
const bundle = join(root, 'actions', 'changed-files', 'dist', 'index.js');
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`pnpm build\` first`);

const temp = mkdtempSync(join(tmpdir(), 'bench-changed-files-'));
// A snapshot of the action, so a concurrent `pnpm build` cannot pull the bundle away mid-run.
const actionDir = join(temp, 'changed-files');
cpSync(join(root, 'actions', 'changed-files', 'action.yml'), join(actionDir, 'action.yml'));
cpSync(join(root, 'actions', 'changed-files', 'dist'), join(actionDir, 'dist'), { recursive: true });
const timer = makeTimer(temp);
// The simulated runner starts the bundle through this `node`: the timing wrapper around Node,
// writing to the report named in `current-report`.
const timedNode = join(temp, 'node-timed.sh');
const reportLink = join(temp, 'current-report');
writeFileSync(timedNode, `#!/bin/bash\nexec '${timer.script}' "$(cat '${reportLink}')" '${NODE}' "$@"\n`);
chmodSync(timedNode, 0o755);

/** Other builds to time alongside this one: `label=dir`, each dir an action folder. */
const compared = values.compare.map((spec) => {
  const at = spec.indexOf('=');
  const dir = spec.slice(at + 1);
  if (at < 1 || !existsSync(join(dir, 'dist', 'index.js'))) {
    throw new Error(`--compare ${spec}: expected label=dir, dir holding action.yml and dist/index.js`);
  }
  return { label: spec.slice(0, at), dir, wall: [], cpu: [], smallWall: [] };
});

async function runAction(before, after, dir = actionDir) {
  const job = new SimulatedJob({
    workspace: repository.dir,
    eventName: 'push',
    ref: 'refs/heads/main',
    sha: after,
    event: { ref: 'refs/heads/main', before, after, repository: { default_branch: 'main' } },
    token: '',
    node: timedNode,
  });
  const actionReport = timer.report();
  writeFileSync(reportLink, actionReport);
  try {
    const result = await job.run(dir, { inputs: { filters: FILTERS_FILE, uncovered: 'ignore' } });
    return { ...result, ...timer.read(actionReport), stepMs: result.durationMs };
  } finally {
    job.cleanup();
  }
}

// Warm the page cache and check the result once.
const check = await runAction(repository.base, repository.head);
if (check.exitCode !== 0) throw new Error(`the action failed:\n${check.stdout}\n${check.stderr}`);
const floorCheck = timeFloor(timer, repository.dir, repository.base, repository.head);
console.log(
  `repository: ${FILES} files; diff base..head: ${JSON.parse(check.outputs.files).length} changed paths ` +
    `(${floorCheck.entries} name-status fields); true filters: ${JSON.parse(check.outputs.changes).join(' ')}`,
);

// The reference must do the real work: its list is the action's `files` (same paths, same order).
timeBareNode(timer, repository.dir, repository.base, repository.head, join(temp, 'paths.json'));
if (readFileSync(join(temp, 'paths.json'), 'utf8') !== check.outputs.files) {
  throw new Error('the bare Node reference did not list the paths the action did');
}

const samples = {
  floorWall: [],
  floorCpu: [],
  node: [],
  git: [],
  bareNode: [],
  wall: [],
  step: [],
  cpu: [],
  rss: [],
  smallWall: [],
  smallCpu: [],
};
for (let run = 0; run < RUNS; run++) {
  const floor = timeFloor(timer, repository.dir, repository.base, repository.head);
  samples.floorWall.push(floor.wallMs);
  samples.floorCpu.push(floor.cpuMs);
  samples.node.push(floor.nodeMs);
  samples.git.push(floor.gitMs);
  samples.bareNode.push(
    timeBareNode(timer, repository.dir, repository.base, repository.head, join(temp, 'paths.json')).wallMs,
  );
  // This build and the compared ones take turns at going first, so neither gains from the order.
  const builds = [undefined, ...compared];
  for (let turn = 0; turn < builds.length; turn++) {
    const other = builds[(run + turn) % builds.length];
    if (other === undefined) {
      const result = await runAction(repository.base, repository.head);
      samples.wall.push(result.wallMs);
      samples.step.push(result.stepMs);
      samples.cpu.push(result.cpuMs);
      samples.rss.push(result.rssMb);
      continue;
    }
    const otherResult = await runAction(repository.base, repository.head, other.dir);
    if (otherResult.exitCode !== 0 || otherResult.outputs.files !== check.outputs.files) {
      throw new Error(`${other.label} did not list the paths this build did`);
    }
    other.wall.push(otherResult.wallMs);
    other.cpu.push(otherResult.cpuMs);
  }
}
for (let run = 0; run < Math.max(5, RUNS); run++) {
  const builds = [undefined, ...compared];
  for (let turn = 0; turn < builds.length; turn++) {
    const other = builds[(run + turn) % builds.length];
    const result = await runAction(repository.head, repository.small, other?.dir);
    if (other === undefined) {
      samples.smallWall.push(result.wallMs);
      samples.smallCpu.push(result.cpuMs);
    } else {
      other.smallWall.push(result.wallMs);
    }
  }
}
rmSync(temp, { recursive: true, force: true });

const m = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, median(list)]));
const ratio = m.wall / m.floorWall;
const cpuRatio = m.cpu / m.floorCpu;
const peakMb = Math.max(...samples.rss);
const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
console.log(
  `median of ${RUNS} runs (interleaved; Node ${NODE_VERSION}; load average ${load} on ${availableParallelism()} CPUs):`,
);
console.log(
  `  floor: node -e 0 ${m.node.toFixed(0)} ms + git diff -M ${m.git.toFixed(0)} ms = ${m.floorWall.toFixed(0)} ms wall, ${m.floorCpu.toFixed(0)} ms CPU`,
);
console.log(
  `  changed-files, 50k-file diff, 14 filter groups: ${m.wall.toFixed(0)} ms wall (${ratio.toFixed(2)}x the floor), ` +
    `${m.cpu.toFixed(0)} ms CPU (${cpuRatio.toFixed(2)}x)`,
);
console.log(
  `  bare Node reference: the same diff (paths only, no renames), split, one JSON list written: ${m.bareNode.toFixed(0)} ms ` +
    `(${(m.bareNode / m.floorWall).toFixed(2)}x the floor)`,
);
console.log(`  (the simulated runner's whole step, reading the output files included: ${m.step.toFixed(0)} ms)`);
console.log(`  peak memory (max RSS): ${peakMb.toFixed(0)} MB`);
for (const other of compared) {
  const wall = median(other.wall);
  const cpu = median(other.cpu);
  // Run by run against this build, which ran next to it: less noisy than two medians.
  const paired = median(other.wall.map((ms, run) => ms / samples.wall[run]));
  const small = median(other.smallWall);
  const smallPaired = median(other.smallWall.map((ms, run) => ms / samples.smallWall[run]));
  console.log(
    `  ${other.label} (compared): ${wall.toFixed(0)} ms wall (${(wall / m.floorWall).toFixed(2)}x the floor), ` +
      `${cpu.toFixed(0)} ms CPU (${(cpu / m.floorCpu).toFixed(2)}x); ${paired.toFixed(2)}x this build's wall, run by run; ` +
      `20-file diff ${small.toFixed(0)} ms (${smallPaired.toFixed(2)}x)`,
  );
}
console.log(`  changed-files, 20-file diff: ${m.smallWall.toFixed(0)} ms wall, ${m.smallCpu.toFixed(0)} ms CPU`);
const verdicts = [
  [`ratio <= ${TARGET_RATIO}x (wall)`, ratio <= TARGET_RATIO],
  [`peak memory < ${TARGET_RSS_MB} MB`, peakMb < TARGET_RSS_MB],
  [`20-file diff < ${TARGET_SMALL_MS} ms (wall)`, m.smallWall < TARGET_SMALL_MS],
];
for (const [label, met] of verdicts) console.log(`  ${met ? 'target met' : 'target missed'}: ${label}`);

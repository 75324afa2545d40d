#!/usr/bin/env node
// Why two packages the project was asked for are replaced (the README's "Dependencies" table):
//
// globs: the example repository's filters file over its own paths (and a few hostile ones), each
// verdict of picomatch (what core's filters use, with dorny/paths-filter's options) and of
// minimatch compared with micromatch's, the matcher tj-actions/changed-files runs (`dot: true`,
// `noext: true`). Disagreements are verdicts a filter would flip if it moved to that package.
//
// output: collecting a large output (the --name-only diff of a 50,000-file change) through
// @actions/exec's getExecOutput against a spawn that keeps Buffers and decodes once, the way core's
// process runner collects; the floor is the program run with its output discarded.
//
// Usage: node scripts/bench/dependencies.mjs [--files N] [--runs N]
import { NODE } from './lib/node-env.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getExecOutput } from '@actions/exec';
import micromatch from 'micromatch';
import { Minimatch } from 'minimatch';
import { parse } from 'yaml';
import { median } from './lib/median.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The picomatch core's filters use, as core resolves it.
const picomatch = createRequire(join(root, 'packages', 'core', 'package.json'))('picomatch');
const { values } = parseArgs({
  options: { files: { type: 'string', default: '50000' }, runs: { type: 'string', default: '9' } },
});
const fileCount = Number(values.files);
const runs = Number(values.runs);

// --- globs
const example = join(root, 'examples', 'dynamo-example');
const filters = parse(readFileSync(join(example, '.github', 'filters.yaml'), 'utf8'));
const globs = [...new Set(Object.values(filters).flat())].filter((glob) => typeof glob === 'string');
// The example's paths as they are in its repository, and this repository's (many more, other shapes).
const listed = (cwd) => spawnSync('git', ['ls-files', '-z', '--', '.'], { cwd, encoding: 'utf8' }).stdout.split('\0');
const paths = [
  ...new Set([...listed(example), ...listed(root)].filter(Boolean)),
  '.github/workflows/ci.yml',
  'deploy/.hidden/values.yaml',
  'lib/a/.cargo/config.toml',
  'docs/+(x).md',
  'components/src/dynamo/vllm/main.py',
  'a b/c.md',
];
const positive = (glob) => (glob.startsWith('!') ? glob.slice(1) : glob);
const reference = (glob, path) => micromatch.isMatch(path, positive(glob), { dot: true, noext: true });
const candidates = {
  picomatch: (glob) => {
    const isMatch = picomatch(positive(glob), { dot: true, noextglob: true });
    return (path) => isMatch(path);
  },
  minimatch: (glob) => {
    const compiled = new Minimatch(positive(glob), { dot: true, noext: true });
    return (path) => compiled.match(path);
  },
};
console.log(
  `globs: ${globs.length} patterns of the example's filters.yaml x ${paths.length} paths (the example's, this repository's), verdicts against micromatch (tj-actions/changed-files)`,
);
const expected = globs.map((glob) => paths.map((path) => reference(glob, path)));
for (const [name, compile] of Object.entries(candidates)) {
  const verdicts = [];
  const started = process.hrtime.bigint();
  for (const glob of globs) {
    const isMatch = compile(glob);
    verdicts.push(paths.map((path) => isMatch(path)));
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const differing = [];
  for (const [g, glob] of globs.entries()) {
    for (const [p, path] of paths.entries()) if (verdicts[g][p] !== expected[g][p]) differing.push(`${glob} ~ ${path}`);
  }
  console.log(
    `  ${name.padEnd(10)} ${String(differing.length).padStart(5)} differing verdict(s)${differing.length ? `, e.g. ${differing.slice(0, 3).join('; ')}` : ''} (${ms.toFixed(0)} ms)`,
  );
}

// --- output
const program = [
  '-e',
  `const line = 'components/src/dynamo/some/deeper/path/file_name_';` +
    `let out = ''; for (let i = 0; i < ${fileCount}; i++) out += line + i + '.py\\n'; process.stdout.write(out);`,
];
function discard() {
  return new Promise((resolve) => spawn(NODE, program, { stdio: 'ignore' }).on('close', resolve));
}
function collectBuffers() {
  return new Promise((resolve) => {
    const child = spawn(NODE, program, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
const execOutput = () => getExecOutput(NODE, program, { silent: true }).then((result) => result.stdout);
const timings = { floor: [], buffers: [], '@actions/exec': [] };
const time = async (name, body) => {
  const started = process.hrtime.bigint();
  await body();
  timings[name].push(Number(process.hrtime.bigint() - started) / 1e6);
};
for (let run = 0; run < runs; run++) {
  await time('floor', discard);
  await time('buffers', collectBuffers);
  await time('@actions/exec', execOutput);
}
const floorMs = median(timings.floor);
console.log(
  `output: ${fileCount} paths on stdout, median of ${runs} runs; floor (output discarded) ${floorMs.toFixed(1)} ms`,
);
for (const name of ['buffers', '@actions/exec']) {
  const ms = median(timings[name]);
  console.log(`  ${name.padEnd(14)} ${`${ms.toFixed(1)} ms`.padStart(9)}  ${(ms / floorMs).toFixed(2)}x`);
}
console.log(
  'no target: these numbers explain a choice; @actions/exec also has no deadline and no process-group kill, which core needs',
);

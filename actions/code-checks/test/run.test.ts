/** runChecks with scripted tools: the deadline, cancellation, fail-fast, docker, missing tools. */
import type { SpawnOptions, SpawnResult } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { type Context, type Ports, runChecks } from '../src/run.js';

interface Call {
  command: string;
  args: string[];
  options: SpawnOptions;
}

/** A tool's scripted behaviour: its output lines and exit code, or how long it hangs. */
interface Script {
  lines?: string[];
  exitCode?: number;
  /** Run until the deadline or the abort signal. */
  hang?: boolean;
  /** The run is cancelled while this tool runs. */
  cancelDuring?: boolean;
  missing?: boolean;
}

function harness(scripts: Record<string, Script>, files: Record<string, string> = {}) {
  const calls: Call[] = [];
  const execs: string[][] = [];
  const written: Record<string, string> = {};
  const sections: string[] = [];
  const shown: string[] = [];
  const made: string[] = [];
  const removed: string[] = [];
  let clock = 1_000_000;
  const abort = new AbortController();
  const ports: Ports = {
    async spawn(command, args, options) {
      calls.push({ command, args, options });
      const tool = command === 'docker' ? (args[args.indexOf('img') + 1] as string) : command;
      const check = command === 'docker' ? args.slice(args.indexOf('img') + 1).join(' ') : [command, ...args].join(' ');
      const script = Object.entries(scripts).find(([prefix]) => check.startsWith(prefix))?.[1] ?? {};
      if (script.missing) throw new Error(`spawn ${tool} ENOENT`);
      for (const line of script.lines ?? []) options.onLine?.(line, 'stdout');
      if (script.cancelDuring) {
        abort.abort();
        return result(130, false, 5);
      }
      if (script.hang) {
        if (options.signal?.aborted) return result(143, false, 5);
        // Nothing aborts: the deadline passes.
        clock += options.timeoutMs ?? 0;
        return result(143, true, options.timeoutMs ?? 0);
      }
      clock += 1500;
      return result(script.exitCode ?? 0, false, 1500);
    },
    async exec(command, args) {
      execs.push([command, ...args]);
      return { exitCode: 0, stdout: '', stderr: '' };
    },
    exists: (relative) => relative in files,
    read: (relative) => files[relative],
    writeFile: (path, content) => {
      written[path] = content;
    },
    appendFile: (path, content) => {
      written[path] = (written[path] ?? '') + content;
    },
    makeDir: (path) => {
      made.push(path);
    },
    removeDir: (path) => {
      removed.push(path);
    },
    async section(title, body) {
      sections.push(title);
      return body((text) => shown.push(text));
    },
    signal: abort.signal,
    now: () => clock,
  };
  return { ports, calls, execs, written, sections, shown, abort, made, removed };
}

function result(exitCode: number, timedOut: boolean, durationMs: number): SpawnResult {
  return { exitCode, stdout: '', stderr: '', timedOut, durationMs };
}

const context: Context = {
  workspace: '/w',
  runId: '7',
  runAttempt: '1',
  job: 'rust-checks',
  runnerUser: '1001:121',
  hostEnv: { PATH: '/usr/bin', HOME: '/home/runner' },
  tempDir: '/t',
};

const inputs = (values: Record<string, string>) => parseInputs((name) => values[name], { temp: '/t' });

describe('runChecks', () => {
  it('runs each check on the runner in the project folder, with the fixed and given environment', async () => {
    const h = harness({ 'cargo fmt': {}, 'cargo clippy': {} });
    const report = await runChecks(
      inputs({
        checks: 'cargo-fmt, cargo-clippy',
        engine: 'none',
        'working-directory': 'lib',
        env: 'NATS_SERVER=nats://n:4222',
        features: 'x',
      }),
      context,
      h.ports,
    );
    expect(report.result).toBe('success');
    expect(h.calls.map((call) => [call.command, ...call.args].join(' '))).toEqual([
      'cargo fmt --all --check -- --color never',
      'cargo clippy --locked --all-targets --message-format=json --features x -- -D warnings',
    ]);
    expect(h.calls[0]?.options.cwd).toBe('/w/lib');
    expect(h.calls[0]?.options.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      TMPDIR: '/t/code-checks-tmp-0-cargo-fmt',
      GOTMPDIR: '/t/code-checks-tmp-0-cargo-fmt',
      NATS_SERVER: 'nats://n:4222',
      CARGO_TERM_COLOR: 'never',
    });
    expect(h.calls[0]?.options.timeoutMs).toBe(30 * 60_000);
    expect(h.calls[1]?.options.timeoutMs).toBe(30 * 60_000 - 1500);
    expect(h.sections).toEqual(['cargo fmt', 'cargo clippy']);
    expect(Object.keys(h.written)).toEqual([
      '/t/code-checks/cargo-fmt.log',
      '/t/code-checks/cargo-clippy.log',
      '/t/code-checks/report.json',
    ]);
  });

  it('runs each check in the image with the checkout mounted, env values only in the environment', async () => {
    const h = harness({ mypy: {} });
    const report = await runChecks(
      inputs({
        checks: 'mypy',
        image: 'img',
        user: 'runner',
        env: 'ETCD_ENDPOINTS=http://e:2379',
        'docker-options': '--network=host',
      }),
      context,
      h.ports,
    );
    expect(report.result).toBe('success');
    const call = h.calls[0] as Call;
    expect(call.command).toBe('docker');
    expect(call.args).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'code-checks-7-1-rust-checks-0-mypy',
      '--mount',
      'type=bind,source=/w,target=/workspace',
      '--workdir',
      '/workspace',
      '--user',
      '1001:121',
      '--env',
      'HOME=/tmp',
      '--env',
      'ETCD_ENDPOINTS',
      '--network=host',
      'img',
      'mypy',
      '--show-column-numbers',
      '--no-color-output',
    ]);
    expect(call.args.join(' ')).not.toContain('http://e:2379');
    expect(call.options.env?.ETCD_ENDPOINTS).toBe('http://e:2379');
    expect(call.options.cwd).toBeUndefined();
  });

  it('places findings in the repository and shows the log lines the parser keeps', async () => {
    const h = harness(
      { mypy: { exitCode: 1, lines: ['ringbuf/__init__.py:4:5: error: Bad  [misc]', 'Found 1 error in 1 file'] } },
      { 'py/ringbuf/__init__.py': '' },
    );
    const report = await runChecks(
      inputs({ checks: 'mypy', engine: 'none', 'working-directory': 'py' }),
      context,
      h.ports,
    );
    expect(report.result).toBe('failure');
    expect(report.checks[0]).toMatchObject({
      result: 'failure',
      exitCode: 1,
      errors: 1,
      warnings: 0,
      durationSeconds: 1.5,
    });
    expect(report.checks[0]?.findings).toEqual([
      { file: 'py/ringbuf/__init__.py', line: 4, column: 5, level: 'error', title: 'mypy [misc]', message: 'Bad' },
    ]);
    expect(h.shown).toEqual(['ringbuf/__init__.py:4:5: error: Bad  [misc]', 'Found 1 error in 1 file']);
    expect(h.written['/t/code-checks/mypy.log']).toBe(
      'ringbuf/__init__.py:4:5: error: Bad  [misc]\nFound 1 error in 1 file\n',
    );
  });

  it('writes a large output to the log file a megabyte at a time, all of it', async () => {
    const lines = Array.from({ length: 30_000 }, (_, index) => `line ${index} ${'x'.repeat(60)}`);
    const h = harness({ mypy: { lines } });
    const appends: number[] = [];
    const append = h.ports.appendFile;
    h.ports.appendFile = (path, content) => {
      appends.push(content.length);
      append(path, content);
    };
    await runChecks(inputs({ checks: 'mypy', engine: 'none' }), context, h.ports);
    expect(appends.length).toBe(3);
    expect(Math.max(...appends)).toBeLessThan(1.1 * 2 ** 20);
    expect(h.written['/t/code-checks/mypy.log']).toBe(`${lines.join('\n')}\n`);
  });

  it('keeps a finding outside the repository, its place in the message', async () => {
    const h = harness({ mypy: { exitCode: 1, lines: ['/usr/lib/python3/typing.py:9: error: Odd'] } });
    const report = await runChecks(inputs({ checks: 'mypy', engine: 'none' }), context, h.ports);
    expect(report.checks[0]?.findings).toEqual([
      { level: 'error', title: 'mypy', message: 'Odd (/usr/lib/python3/typing.py:9)' },
    ]);
  });

  it('runs every check after a failure, unless fail-fast', async () => {
    const scripts = { 'cargo fmt': { exitCode: 1 }, 'cargo clippy': {}, 'cargo test': {} };
    const all = await runChecks(
      inputs({ checks: 'cargo-fmt, cargo-clippy, cargo-test', engine: 'none' }),
      context,
      harness(scripts).ports,
    );
    expect(all.checks.map((check) => check.result)).toEqual(['failure', 'success', 'success']);
    const fast = await runChecks(
      inputs({ checks: 'cargo-fmt, cargo-clippy, cargo-test', engine: 'none', 'fail-fast': 'true' }),
      context,
      harness(scripts).ports,
    );
    expect(fast.checks.map((check) => [check.result, check.note])).toEqual([
      ['failure', undefined],
      ['not-run', 'not run: cargo fmt failed (fail-fast)'],
      ['not-run', 'not run: cargo fmt failed (fail-fast)'],
    ]);
  });

  it('stops a check at the deadline, removes its container, and runs nothing after it', async () => {
    const h = harness({ 'cargo test': { hang: true }, mypy: {} });
    const report = await runChecks(
      inputs({ checks: 'cargo-test, mypy', image: 'img', 'timeout-minutes': '2' }),
      context,
      h.ports,
    );
    expect(report.result).toBe('timed-out');
    expect(report.checks.map((check) => [check.result, check.note])).toEqual([
      ['timed-out', 'stopped at the deadline (timeout-minutes: 2)'],
      ['not-run', 'not run: the deadline (timeout-minutes) had passed'],
    ]);
    expect(h.execs).toEqual([['docker', 'rm', '--force', 'code-checks-7-1-rust-checks-0-cargo-test']]);
  });

  it('gives each tool on the runner a temporary folder of its own and removes it, also after the deadline', async () => {
    const h = harness({ 'go vet': {}, 'go test': { hang: true } });
    await runChecks(inputs({ checks: 'go-vet, go-test', engine: 'none', 'timeout-minutes': '2' }), context, h.ports);
    const folders = ['/t/code-checks-tmp-0-go-vet', '/t/code-checks-tmp-1-go-test'];
    expect(h.calls.map((call) => [call.options.env?.TMPDIR, call.options.env?.GOTMPDIR])).toEqual(
      folders.map((folder) => [folder, folder]),
    );
    expect(h.made).toEqual(['/t/code-checks', ...folders]);
    expect(h.removed).toEqual(folders);
  });

  it("leaves the temporary folder to env when it names TMPDIR, and to the image's with docker", async () => {
    const own = harness({ mypy: {} });
    await runChecks(inputs({ checks: 'mypy', engine: 'none', env: 'TMPDIR=/scratch' }), context, own.ports);
    expect([own.calls[0]?.options.env?.TMPDIR, own.calls[0]?.options.env?.GOTMPDIR]).toEqual(['/scratch', undefined]);
    const docker = harness({ mypy: {} });
    await runChecks(inputs({ checks: 'mypy', image: 'img' }), context, docker.ports);
    expect(docker.calls[0]?.args.join(' ')).not.toMatch(/TMPDIR/);
    expect([own.removed, docker.removed]).toEqual([[], []]);
  });

  it('reports a run cancelled during a check as cancelled, removes its container, runs nothing after it', async () => {
    const h = harness({ 'go vet': { cancelDuring: true }, 'go test': {} });
    const report = await runChecks(inputs({ checks: 'go-vet, go-test', image: 'img' }), context, h.ports);
    expect(report.result).toBe('cancelled');
    expect(report.checks.map((check) => [check.result, check.note])).toEqual([
      ['cancelled', undefined],
      ['not-run', 'not run: the run was cancelled'],
    ]);
    expect(h.execs).toEqual([['docker', 'rm', '--force', 'code-checks-7-1-rust-checks-0-go-vet']]);
  });

  it('reports a run cancelled before it started as cancelled, and runs nothing', async () => {
    const h = harness({ 'go vet': { hang: true }, 'go test': {} });
    h.abort.abort();
    const report = await runChecks(inputs({ checks: 'go-vet, go-test', engine: 'none' }), context, h.ports);
    expect(report.result).toBe('cancelled');
    expect(report.checks.map((check) => check.result)).toEqual(['not-run', 'not-run']);
    expect(h.calls).toEqual([]);
  });

  it('says what to install when a tool cannot be started, on the runner or in the image', async () => {
    const none = await runChecks(
      inputs({ checks: 'go-vet', engine: 'none' }),
      context,
      harness({ 'go vet': { missing: true } }).ports,
    );
    expect(none.checks[0]).toMatchObject({
      result: 'failure',
      note: 'go could not be started (spawn go ENOENT): install go on the runner, or run the checks in an image with engine: docker',
    });
    const image = await runChecks(
      inputs({ checks: 'go-vet', image: 'img' }),
      context,
      harness({ 'go vet': { exitCode: 127 } }).ports,
    );
    expect(image.checks[0]?.note).toBe('go is not installed in the image img');
  });

  it("passes go test the module path from the project's go.mod", async () => {
    const event = JSON.stringify({
      Action: 'output',
      Package: 'example.com/op/ctl',
      Test: 'TestA',
      Output: '    a_test.go:3: no\n',
    });
    const h = harness(
      {
        'go test': {
          exitCode: 1,
          lines: [event, JSON.stringify({ Action: 'fail', Package: 'example.com/op/ctl', Test: 'TestA' })],
        },
      },
      {
        'deploy/operator/go.mod': 'module example.com/op // the operator\n\ngo 1.19\n',
        'deploy/operator/ctl/a_test.go': '',
      },
    );
    const report = await runChecks(
      inputs({ checks: 'go-test', engine: 'none', 'working-directory': 'deploy/operator' }),
      context,
      h.ports,
    );
    expect(report.checks[0]?.findings[0]).toMatchObject({ file: 'deploy/operator/ctl/a_test.go', line: 3 });
  });

  it('fails gofmt on a diff although gofmt exits 0', async () => {
    const h = harness({ gofmt: { lines: ['--- a.go.orig', '+++ a.go', '@@ -1,1 +1,1 @@', '-x', '+y'] } });
    const report = await runChecks(inputs({ checks: 'go-fmt', engine: 'none' }), context, h.ports);
    expect(report.checks[0]).toMatchObject({ result: 'failure', exitCode: 0, errors: 1 });
  });
});

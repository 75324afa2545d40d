/**
 * The bundle as the runner starts it (engine none), running the real cargo, clippy, rustfmt,
 * mypy, go and pre-commit on small fixture projects: a clean project passes; a planted clippy
 * warning, mypy error and failing Go test each fail with an annotation on the right line.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, SimulatedJob, type StepOptions, scratchDir } from '@dynamo-ci/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../src/run.js';
import { activeCommands, hasTool, requireTools } from './tools.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const rust = requireTools(
  { cargo: hasTool('cargo'), 'cargo clippy': hasTool('cargo', ['clippy', '--version']), rustfmt: hasTool('rustfmt') },
  'cargo rustfmt rust-clippy',
);
const go = requireTools({ go: hasTool('go', ['version']), gofmt: hasTool('gofmt', [], '') }, 'golang-go');
const mypy = requireTools({ mypy: hasTool('mypy') }, 'mypy');
const preCommit = requireTools(
  {
    'pre-commit': hasTool('pre-commit'),
    black: hasTool('black'),
    isort: hasTool('isort'),
    yamllint: hasTool('yamllint'),
    git: hasTool('git'),
  },
  'pre-commit black isort yamllint git',
);

// One home for the tools' caches across tests (pre-commit's store, Go's build cache).
const home = scratchDir('code-checks-home-');

let job: SimulatedJob | undefined;
afterEach(() => {
  job?.cleanup();
  job = undefined;
});

/** A job whose workspace holds `fixture` under `dir`, with `edit` applied to it. */
function workspaceWith(fixture: string, dir: string, edit?: (root: string) => void): SimulatedJob {
  const current = new SimulatedJob({ runId: 77 });
  job = current;
  cpSync(join(FIXTURES, fixture), join(current.workspace, dir), { recursive: true });
  edit?.(join(current.workspace, dir));
  return current;
}

async function run(current: SimulatedJob, inputs: Record<string, string>, step: StepOptions = {}) {
  const result = await current.run('code-checks', {
    timeoutMs: 240_000,
    ...step,
    inputs: { engine: 'none', 'timeout-minutes': '4', ...inputs },
    env: {
      GOCACHE: join(home, 'go-build'),
      PRE_COMMIT_HOME: join(home, 'pre-commit'),
      PYTHONDONTWRITEBYTECODE: '1',
      ...step.env,
    },
  });
  const report = JSON.parse(result.outputs.report ?? '{}') as Report;
  return { ...result, report };
}

describe.skipIf(!rust)('rust checks with the real cargo, clippy and rustfmt', () => {
  it('pass a clean workspace, features included', async () => {
    const current = workspaceWith('rust', 'lib/rust');
    const result = await run(current, {
      checks: 'cargo-fmt, cargo-clippy, cargo-test',
      'working-directory': 'lib/rust',
      features: 'wide',
    });
    expect(result.errors).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(result.outputs).toMatchObject({ result: 'success', 'failed-checks': '[]', findings: '0' });
    expect(result.report.checks.map((check) => [check.name, check.result])).toEqual([
      ['cargo-fmt', 'success'],
      ['cargo-clippy', 'success'],
      ['cargo-test', 'success'],
    ]);
    expect(result.report.checks[1]?.command).toContain('--features');
    expect(result.summary).toContain('### ✅ Code checks: success');
    // The full output is kept for the artifact.
    expect(readFileSync(join(current.temp, 'code-checks', 'cargo-test.log'), 'utf8')).toContain(
      'keeps_the_last_values',
    );
  });

  it('fail on a planted clippy warning, a misformatted line and a failing test, each annotated where it is', async () => {
    const current = workspaceWith('rust', 'lib/rust', (root) => {
      const lib = join(root, 'crates', 'ring', 'src', 'lib.rs');
      // Line 30: `return` where the value would do (clippy::needless_return), misformatted too.
      appendFileSync(lib, '\n/// The capacity.\npub fn capacity() -> usize {\n    return   CAPACITY;\n}\n');
      writeFileSync(
        join(root, 'crates', 'ring', 'tests', 'ring.rs'),
        `${readFileSync(join(root, 'crates', 'ring', 'tests', 'ring.rs'), 'utf8')}\n#[test]\nfn starts_full() {\n    assert_eq!(Ring::default().values().len(), CAPACITY, "a new ring is empty");\n}\n`,
      );
    });
    const result = await run(current, {
      checks: 'cargo-fmt, cargo-clippy, cargo-test',
      'working-directory': 'lib/rust',
    });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.outputs['failed-checks'] as string)).toEqual(['cargo-fmt', 'cargo-clippy', 'cargo-test']);
    const lib = 'lib/rust/crates/ring/src/lib.rs';
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: lib, line: 33, title: 'cargo fmt' }),
        expect.objectContaining({ file: lib, line: 33, title: 'cargo clippy: clippy::needless_return' }),
        expect.objectContaining({
          file: 'lib/rust/crates/ring/tests/ring.rs',
          line: 15,
          title: 'cargo test: starts_full',
          message: expect.stringContaining('a new ring is empty'),
        }),
      ]),
    );
    expect(result.errors.at(-1)?.message).toMatch(
      /^Code checks failed: cargo fmt, cargo clippy, cargo test \(\d+ errors?; see the annotations\)\.$/,
    );
    expect(result.summary).toContain('| `cargo clippy` | ❌ failure (exit 101)');
    expect(result.summary).toContain('`lib/rust/crates/ring/src/lib.rs:33` **cargo clippy: clippy::needless_return**');
  });
});

describe.skipIf(!mypy)('mypy with the real mypy', () => {
  it('passes a clean package and fails a type error on its line', async () => {
    const clean = await run(workspaceWith('python', 'py'), { checks: 'mypy', 'working-directory': 'py' });
    expect(clean.errors).toEqual([]);
    expect(clean.outputs.result).toBe('success');

    const current = workspaceWith('python', 'py', (root) =>
      appendFileSync(
        join(root, 'ringbuf', '__init__.py'),
        '\n\ndef newest(ring: Ring) -> int:\n    return ring.values()\n',
      ),
    );
    const result = await run(current, { checks: 'mypy', 'working-directory': 'py' });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]).toMatchObject({
      file: 'py/ringbuf/__init__.py',
      line: 18,
      col: 12,
      title: 'mypy [return-value]',
      message: expect.stringContaining('Incompatible return value type'),
    });
  });

  it('narrows to the targets given, after --', async () => {
    const current = workspaceWith('python', 'py', (root) =>
      writeFileSync(join(root, 'stray.py'), 'x: int = "not checked"\n'),
    );
    const result = await run(current, { checks: 'mypy', 'working-directory': 'py', 'mypy-targets': 'ringbuf' });
    expect(result.outputs.result).toBe('success');
    expect(result.report.checks[0]?.command.slice(-2)).toEqual(['--', 'ringbuf']);
  });
});

describe.skipIf(!go)('go checks with the real go', () => {
  it('pass a clean module', async () => {
    const result = await run(workspaceWith('go', 'deploy/operator'), {
      checks: 'go-fmt, go-vet, go-test',
      'working-directory': 'deploy/operator',
    });
    expect(result.errors).toEqual([]);
    expect(result.outputs.result).toBe('success');
  });

  it('fail a failing test on its t.Errorf line, a vet finding and an unformatted file; test output cannot issue commands', async () => {
    const current = workspaceWith('go', 'deploy/operator', (root) => {
      const test = join(root, 'ring', 'ring_test.go');
      writeFileSync(
        test,
        readFileSync(test, 'utf8')
          .replace(
            'if got := r.Values()',
            'fmt.Println("::error file=forged.go,line=1::forged by the test")\n\tif got := r.Values(); len(got) != 4 {\n\t\tt.Errorf("len = %d, want 4\\nsecond line", len(got))\n\t}\n\tif got := r.Values()',
          )
          .replace('import "testing"', 'import (\n\t"fmt"\n\t"testing"\n)'),
      );
      appendFileSync(
        join(root, 'ring', 'ring.go'),
        '\nfunc describe(r *Ring) string {\n\treturn fmt.Sprintf("%d", "ring")\n}\n',
      );
      const source = readFileSync(join(root, 'ring', 'ring.go'), 'utf8');
      writeFileSync(join(root, 'ring', 'ring.go'), source.replace('package ring\n', 'package ring\n\nimport "fmt"\n'));
      writeFileSync(join(root, 'ring', 'extra.go'), 'package ring\n\nfunc  extra( ) int { return 1 }\n');
    });
    const result = await run(current, { checks: 'go-fmt, go-vet, go-test', 'working-directory': 'deploy/operator' });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: 'deploy/operator/ring/extra.go', line: 3, title: 'gofmt' }),
        expect.objectContaining({
          file: 'deploy/operator/ring/ring.go',
          line: 31,
          title: 'go vet',
          message: expect.stringContaining('fmt.Sprintf format %d has arg "ring" of wrong type string'),
        }),
      ]),
    );
    // go test's own vet pass stops the package from building: fix the vet finding and rerun.
    writeFileSync(
      join(current.workspace, 'deploy/operator/ring/ring.go'),
      readFileSync(join(current.workspace, 'deploy/operator/ring/ring.go'), 'utf8').replace(
        '"%d", "ring"',
        '"%s", "ring"',
      ),
    );
    const tests = await run(current, { checks: 'go-test', 'working-directory': 'deploy/operator' });
    expect(tests.exitCode).toBe(1);
    expect(tests.errors).toContainEqual(
      expect.objectContaining({
        file: 'deploy/operator/ring/ring_test.go',
        line: 15,
        title: 'go test: TestKeepsTheLastValues',
        message: 'len = 3, want 4\nsecond line',
      }),
    );
    expect(tests.stdout).toContain('forged by the test');
    // The forged command is printed, but only inside a stop-commands block: it becomes no annotation
    // (the test's own finding quotes it as a message).
    expect(activeCommands(tests.stdout).filter((line) => line.startsWith('::error file=forged.go'))).toEqual([]);
    expect(tests.stdout).toContain('\n::error file=forged.go,line=1::forged by the test\n');
  });
});

describe.skipIf(!go)('the deadline and cancellation with the real go', () => {
  const sleeping = (root: string) =>
    writeFileSync(
      join(root, 'ring', 'sleep_test.go'),
      'package ring\n\nimport (\n\t"testing"\n\t"time"\n)\n\nfunc TestSleeps(t *testing.T) {\n\ttime.Sleep(120 * time.Second)\n}\n',
    );
  // Stopped test binaries (zombies the machine's init has not reaped yet are dead: <defunct>).
  const running = () =>
    execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /ring\.test/.test(line) && !line.includes('<defunct>'));

  it('stops the tests at timeout-minutes, reports them timed out, and skips the rest', async () => {
    const current = workspaceWith('go', 'op', sleeping);
    // The temporary folder the runner's processes get: go test, stopped, would leave its build there.
    const runnerTmp = scratchDir('code-checks-runner-tmp-');
    const result = await run(
      current,
      { checks: 'go-test, go-vet', 'working-directory': 'op', 'timeout-minutes': '0.1' },
      { env: { TMPDIR: runnerTmp } },
    );
    expect(result.exitCode).toBe(1);
    expect(result.outputs.result).toBe('timed-out');
    expect(result.report.checks.map((check) => check.result)).toEqual(['timed-out', 'not-run']);
    expect(result.errors.at(-1)?.message).toBe(
      'Code checks stopped at the deadline (go test); raise timeout-minutes or speed them up.',
    );
    expect(running()).toEqual([]);
    // go test's work folder (its build of the test binary) went with the tool's own temporary folder.
    expect(readdirSync(current.temp).filter((name) => name.startsWith('code-checks-tmp-'))).toEqual([]);
    expect(readdirSync(runnerTmp)).toEqual([]);
  });

  it('stops the tests when the run is cancelled and still reports', async () => {
    const current = workspaceWith('go', 'op', sleeping);
    const result = await run(current, { checks: 'go-test', 'working-directory': 'op' }, { cancelAfterMs: 4000 });
    expect(result.cancelled).toBe(true);
    expect(result.outputs.result).toBe('cancelled');
    expect(result.summary).toContain('### 🚫 Code checks: cancelled');
    expect(running()).toEqual([]);
  });
});

describe.skipIf(!preCommit)('pre-commit with the example repository', () => {
  function exampleCopy(edit?: (root: string) => void): SimulatedJob {
    const current = new SimulatedJob({ runId: 78 });
    job = current;
    const root = current.workspace;
    cpSync(join(repoRoot, 'examples', 'dynamo-example'), root, { recursive: true });
    edit?.(root);
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    git('init', '-q');
    git('add', '--all');
    return current;
  }

  it('passes the example as it is committed', async () => {
    const result = await run(exampleCopy(), { checks: 'pre-commit' });
    expect(result.errors).toEqual([]);
    expect(result.outputs.result).toBe('success');
    expect(result.stdout).toMatch(/black\.+Passed/);
    expect(result.stdout).toMatch(/isort\.+Passed/);
    expect(result.stdout).toMatch(/yamllint\.+Passed/);
  });

  it('fails a badly formatted file and a broken YAML file, annotating what each hook found', async () => {
    const current = exampleCopy((root) => {
      writeFileSync(join(root, 'components/src/dynamo/common/names.py'), 'import sys, os\nNAMES = {  "a":1 }\n');
      writeFileSync(join(root, 'examples/backends/vllm/deploy/broken.yaml'), 'kind: [DynamoGraphDeployment\n');
    });
    const result = await run(current, { checks: 'pre-commit' });
    expect(result.exitCode).toBe(1);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'components/src/dynamo/common/names.py',
          line: 1,
          title: 'pre-commit: black, isort',
        }),
        expect.objectContaining({
          file: 'examples/backends/vllm/deploy/broken.yaml',
          line: 2,
          title: 'pre-commit: yamllint',
          message: expect.stringContaining('syntax error'),
        }),
      ]),
    );
  });
});

describe('tools that are missing', () => {
  it('fail with a sentence saying what to install', async () => {
    const current = workspaceWith('python', 'py');
    const result = await run(current, { checks: 'mypy' }, { env: { PATH: join(current.root, 'no-tools') } });
    expect(result.exitCode).toBe(1);
    expect(result.errors[0]?.message).toMatch(
      /^mypy could not be started \(.*ENOENT.*\): install mypy on the runner, or run the checks in an image with engine: docker$/,
    );
  });
});

/** Each parser on output captured from the real tools (Debian's and current releases). */
import { describe, expect, it } from 'vitest';
import { CargoCollector, CargoFmtCollector } from '../src/parsers/cargo.js';
import { GoCollector, GoFmtCollector, GoTestCollector } from '../src/parsers/go.js';
import { MypyCollector } from '../src/parsers/mypy.js';
import { PreCommitCollector } from '../src/parsers/pre-commit.js';
import type { Collector } from '../src/parsers/types.js';

function feed(collector: Collector, output: string, stream: 'stdout' | 'stderr' = 'stdout') {
  const shown: string[] = [];
  for (const line of output.split('\n')) {
    const display = collector.line(line, stream);
    if (display !== undefined) shown.push(display);
  }
  return { shown, findings: collector.finish() };
}

const clippyMessage = (code: string | null, level: string, file: string, line: number) =>
  JSON.stringify({
    reason: 'compiler-message',
    package_id: 'path+file:///w/lib/runtime#dynamo-runtime@0.1.0',
    manifest_path: '/w/lib/runtime/Cargo.toml',
    message: {
      rendered: `${level}: unneeded \`return\` statement\n  --> ${file}:${line}:5\n\n`,
      children: [],
      code: code ? { code, explanation: null } : null,
      level,
      message: 'unneeded `return` statement',
      spans: [
        { file_name: 'lib/other.rs', line_start: 1, line_end: 1, column_start: 1, is_primary: false },
        { file_name: file, line_start: line, line_end: line + 2, column_start: 5, is_primary: true },
      ],
    },
  });

describe('CargoCollector (clippy)', () => {
  it('turns JSON diagnostics into findings at their primary span, once each, and shows their rendered text', () => {
    const output = [
      JSON.stringify({ reason: 'compiler-artifact', package_id: 'x' }),
      clippyMessage('clippy::needless_return', 'error', 'lib/runtime/src/lib.rs', 33),
      // --all-targets builds the lib twice (lib and lib test): the same diagnostic comes twice.
      clippyMessage('clippy::needless_return', 'error', 'lib/runtime/src/lib.rs', 33),
      clippyMessage(null, 'warning', 'lib/llm/src/lib.rs', 7),
      JSON.stringify({
        reason: 'compiler-message',
        message: {
          level: 'error',
          message: 'aborting due to 1 previous error',
          spans: [],
          rendered: 'error: aborting due to 1 previous error\n\n',
        },
      }),
      JSON.stringify({ reason: 'build-finished', success: false }),
      'error: could not compile `dynamo-runtime` (lib) due to 1 previous error',
    ].join('\n');
    const { shown, findings } = feed(new CargoCollector('clippy'), output);
    expect(findings).toEqual([
      {
        file: 'lib/runtime/src/lib.rs',
        line: 33,
        endLine: 35,
        column: 5,
        level: 'error',
        title: 'clippy::needless_return',
        message: 'unneeded `return` statement',
      },
      {
        file: 'lib/llm/src/lib.rs',
        line: 7,
        endLine: 9,
        column: 5,
        level: 'warning',
        title: 'cargo clippy',
        message: 'unneeded `return` statement',
      },
    ]);
    expect(shown).toEqual([
      'error: unneeded `return` statement\n  --> lib/runtime/src/lib.rs:33:5',
      'error: unneeded `return` statement\n  --> lib/runtime/src/lib.rs:33:5',
      'warning: unneeded `return` statement\n  --> lib/llm/src/lib.rs:7:5',
      'error: aborting due to 1 previous error',
      'error: could not compile `dynamo-runtime` (lib) due to 1 previous error',
    ]);
  });

  it('shows a line that only looks like JSON as it is', () => {
    expect(feed(new CargoCollector('clippy'), '{not json').shown).toEqual(['{not json']);
  });
});

describe('CargoCollector (test)', () => {
  it('places a failing test at its panic (Rust 1.73+, with and without the thread id)', () => {
    const output = `running 3 tests
test keeps_the_last_values ... ok
test starts_full ... FAILED
test tests::zero ... FAILED

failures:

---- starts_full stdout ----
thread 'starts_full' (41) panicked at crates/ring/tests/ring.rs:15:5:
assertion \`left == right\` failed: a new ring is empty
  left: 0
 right: 4
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace

---- tests::zero stdout ----
thread 'tests::zero' panicked at crates/ring/src/lib.rs:40:9:
zero

failures:
    starts_full
    tests::zero

test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out`;
    expect(feed(new CargoCollector('test'), output).findings).toEqual([
      {
        file: 'crates/ring/tests/ring.rs',
        line: 15,
        column: 5,
        level: 'error',
        title: 'cargo test: starts_full',
        message: 'assertion `left == right` failed: a new ring is empty\n  left: 0\n right: 4',
      },
      {
        file: 'crates/ring/src/lib.rs',
        line: 40,
        column: 9,
        level: 'error',
        title: 'cargo test: tests::zero',
        message: 'zero',
      },
    ]);
  });

  it("places a failing test at its panic (Rust 1.63's quoted message over several lines)", () => {
    const output = `test starts_full ... FAILED

failures:

---- starts_full stdout ----
thread 'starts_full' panicked at 'assertion failed: \`(left == right)\`
  left: \`1\`,
 right: \`2\`: a new ring is empty', crates/ring/tests/ring.rs:15:5
stack backtrace:
   0: rust_begin_unwind`;
    expect(feed(new CargoCollector('test'), output).findings).toEqual([
      {
        file: 'crates/ring/tests/ring.rs',
        line: 15,
        column: 5,
        level: 'error',
        title: 'cargo test: starts_full',
        message: 'assertion failed: `(left == right)`\n  left: `1`,\n right: `2`: a new ring is empty',
      },
    ]);
  });

  it('reports a failed test it cannot place without a file', () => {
    expect(feed(new CargoCollector('test'), 'test aborts ... FAILED').findings).toEqual([
      { level: 'error', title: 'cargo test: aborts', message: 'aborts failed' },
    ]);
  });
});

describe('CargoFmtCollector', () => {
  it.each([
    ['rustfmt 1.5 (Debian)', 'Diff in /w/lib/runtime/src/lib.rs at line 30:'],
    ['later rustfmt', 'Diff in /w/lib/runtime/src/lib.rs:30:'],
  ])('places each diff on its first changed line (%s)', (_, header) => {
    const output = `${header}\n \n /// The capacity.\n pub fn capacity() -> usize {\n-    return   CAPACITY;\n+    return CAPACITY;\n }\n`;
    expect(feed(new CargoFmtCollector(), output).findings).toEqual([
      {
        file: '/w/lib/runtime/src/lib.rs',
        line: 33,
        level: 'error',
        title: 'cargo fmt',
        message: 'Not formatted as rustfmt formats it: run `cargo fmt --all` and commit the result.',
      },
    ]);
  });

  it('reports a file rustfmt cannot parse', () => {
    const output = 'error: expected item, found `}`\n --> /w/lib/llm/src/lib.rs:12:1\n  |\n12 | }\n';
    expect(feed(new CargoFmtCollector(), output).findings).toEqual([
      {
        file: '/w/lib/llm/src/lib.rs',
        line: 12,
        column: 1,
        level: 'error',
        title: 'rustfmt',
        message: 'expected item, found `}`',
      },
    ]);
  });
});

describe('MypyCollector', () => {
  it('reads errors with codes and columns, adds their notes, and reports run-level errors', () => {
    const output = `components/src/dynamo/common/nats.py:40:12: error: Incompatible return value type (got "List[int]", expected "int")  [return-value]
components/src/dynamo/common/nats.py:40:12: note: Maybe you forgot to use "await"?
tests/conftest.py:3: error: Cannot find implementation or library stub for module named "yaml"  [import]
tests/conftest.py:9: warning: unused "type: ignore" comment
mypy: can't read file 'missing': No such file or directory
Found 2 errors in 2 files (checked 20 source files)`;
    expect(feed(new MypyCollector(), output).findings).toEqual([
      {
        file: 'components/src/dynamo/common/nats.py',
        line: 40,
        column: 12,
        level: 'error',
        title: 'mypy [return-value]',
        message: 'Incompatible return value type (got "List[int]", expected "int")\nMaybe you forgot to use "await"?',
      },
      {
        file: 'tests/conftest.py',
        line: 3,
        column: undefined,
        level: 'error',
        title: 'mypy [import]',
        message: 'Cannot find implementation or library stub for module named "yaml"',
      },
      {
        file: 'tests/conftest.py',
        line: 9,
        column: undefined,
        level: 'warning',
        title: 'mypy',
        message: 'unused "type: ignore" comment',
      },
      { level: 'error', title: 'mypy', message: "can't read file 'missing': No such file or directory" },
    ]);
  });
});

describe('GoCollector', () => {
  it('reads go vet and compile errors', () => {
    const output = `# example.com/ring/ring
# [example.com/ring/ring]
vet: ring/ring.go:31:9: fmt.Sprintf format %d has arg "ring" of wrong type string
./main.go:12:2: undefined: missing`;
    expect(feed(new GoCollector('go vet'), output, 'stderr').findings).toEqual([
      {
        file: 'ring/ring.go',
        line: 31,
        column: 9,
        level: 'error',
        title: 'go vet',
        message: 'fmt.Sprintf format %d has arg "ring" of wrong type string',
      },
      { file: './main.go', line: 12, column: 2, level: 'error', title: 'go vet', message: 'undefined: missing' },
    ]);
  });
});

describe('GoTestCollector', () => {
  const event = (fields: Record<string, string | number>) =>
    JSON.stringify({ Time: '2026-01-01T00:00:00Z', ...fields });
  const pkg = 'github.com/ai-dynamo/dynamo/deploy/operator/internal/controller';

  it("places a failing test's messages in its package's folder, one finding each, and shows the test output", () => {
    const output = [
      event({ Action: 'run', Package: pkg, Test: 'TestReady' }),
      event({ Action: 'output', Package: pkg, Test: 'TestReady', Output: '=== RUN   TestReady\n' }),
      event({ Action: 'output', Package: pkg, Test: 'TestReady', Output: '    readiness_test.go:23: reason = "x"\n' }),
      event({ Action: 'output', Package: pkg, Test: 'TestReady', Output: '        second line\n' }),
      event({ Action: 'output', Package: pkg, Test: 'TestReady', Output: '    readiness_test.go:30: also wrong\n' }),
      event({ Action: 'output', Package: pkg, Test: 'TestReady', Output: '--- FAIL: TestReady (0.00s)\n' }),
      event({ Action: 'fail', Package: pkg, Test: 'TestReady', Elapsed: 0 }),
      event({ Action: 'output', Package: pkg, Output: 'FAIL\n' }),
      event({ Action: 'fail', Package: pkg, Elapsed: 0.01 }),
    ].join('\n');
    const { shown, findings } = feed(new GoTestCollector('github.com/ai-dynamo/dynamo/deploy/operator'), output);
    expect(findings).toEqual([
      {
        file: 'internal/controller/readiness_test.go',
        line: 23,
        level: 'error',
        title: 'go test: TestReady',
        message: 'reason = "x"\nsecond line',
      },
      {
        file: 'internal/controller/readiness_test.go',
        line: 30,
        level: 'error',
        title: 'go test: TestReady',
        message: 'also wrong',
      },
    ]);
    expect(shown).toEqual([
      '=== RUN   TestReady',
      '    readiness_test.go:23: reason = "x"',
      '        second line',
      '    readiness_test.go:30: also wrong',
      '--- FAIL: TestReady (0.00s)',
      'FAIL',
    ]);
  });

  it('reports the failing subtest, not its parent, and a package that fails without a test', () => {
    const output = [
      event({ Action: 'output', Package: 'm/a', Test: 'TestX/case_1', Output: '    x_test.go:9: bad\n' }),
      event({ Action: 'fail', Package: 'm/a', Test: 'TestX/case_1' }),
      event({ Action: 'fail', Package: 'm/a', Test: 'TestX' }),
      event({ Action: 'fail', Package: 'm/a' }),
      event({ Action: 'output', Package: 'm/b', Output: 'panic: init failed\n' }),
      event({ Action: 'fail', Package: 'm/b' }),
    ].join('\n');
    expect(feed(new GoTestCollector('m'), output).findings).toEqual([
      { file: 'a/x_test.go', line: 9, level: 'error', title: 'go test: TestX/case_1', message: 'bad' },
      { level: 'error', title: 'go test', message: 'm/b failed: panic: init failed' },
    ]);
  });

  it('reports build errors from the plain-text lines, and a package outside the module by file name', () => {
    const output = [
      '# github.com/x/y/pkg',
      'pkg/broken.go:2:17: undefined: undefinedThing',
      'FAIL\tgithub.com/x/y/pkg [build failed]',
      event({ Action: 'output', Package: 'other.org/z', Test: 'TestZ', Output: '    z_test.go:4: no\n' }),
      event({ Action: 'fail', Package: 'other.org/z', Test: 'TestZ' }),
    ].join('\n');
    expect(feed(new GoTestCollector('github.com/x/y'), output).findings).toEqual([
      {
        file: 'pkg/broken.go',
        line: 2,
        column: 17,
        level: 'error',
        title: 'go build',
        message: 'undefined: undefinedThing',
      },
      { file: 'z_test.go', line: 4, level: 'error', title: 'go test: TestZ', message: 'no' },
    ]);
  });
});

describe('GoFmtCollector', () => {
  it('places each hunk of gofmt -d on the first line it changes, and reports syntax errors', () => {
    const output = `diff internal/controller/bad.go.orig internal/controller/bad.go
--- internal/controller/bad.go.orig
+++ internal/controller/bad.go
@@ -1,5 +1,6 @@
 package controller
-func  Bad( ) {}
+
+func Bad() {}
 
 var x = 1
@@ -20,3 +21,3 @@
 a
 b
-c
+d
cmd/main.go:3:1: expected declaration, found 'EOF'`;
    expect(feed(new GoFmtCollector(), output).findings.map((f) => [f.file, f.line, f.title])).toEqual([
      ['internal/controller/bad.go', 2, 'gofmt'],
      ['internal/controller/bad.go', 22, 'gofmt'],
      ['cmd/main.go', 3, 'gofmt'],
    ]);
  });
});

describe('PreCommitCollector', () => {
  it("reads failed hooks' locations and the diff of what the hooks changed, naming the hooks", () => {
    const output = `black....................................................................Failed
- hook id: black
- files were modified by this hook

reformatted components/src/dynamo/common/bad.py

All done! ✨ 🍰 ✨
1 file reformatted, 20 files left unchanged.

isort....................................................................Failed
- hook id: isort
- files were modified by this hook

Fixing /runner/_work/dynamo/dynamo/components/src/dynamo/common/bad.py

yamllint.................................................................Failed
- hook id: yamllint
- exit code: 1

bad.yaml:2:1: [error] syntax error: expected ',' or ']', but got '<stream end>' (syntax)
ok.yaml:4:81: [warning] line too long (90 > 80 characters) (line-length)

check-json...........................................(no files to check)Skipped
flake8...................................................................Failed
- hook id: flake8
- exit code: 1

pre-commit hook(s) made changes.
If you are seeing this message in CI, reproduce locally with: \`pre-commit run --all-files\`.
All changes made by hooks:
diff --git a/components/src/dynamo/common/bad.py b/components/src/dynamo/common/bad.py
index 904622f..b2c91d0 100644
--- a/components/src/dynamo/common/bad.py
+++ b/components/src/dynamo/common/bad.py
@@ -1,2 +1,4 @@
-import os, sys
+import os
+import sys`;
    expect(feed(new PreCommitCollector(), output).findings).toEqual([
      {
        file: 'bad.yaml',
        line: 2,
        column: 1,
        level: 'error',
        title: 'pre-commit: yamllint',
        message: "syntax error: expected ',' or ']', but got '<stream end>' (syntax)",
      },
      {
        file: 'ok.yaml',
        line: 4,
        column: 81,
        level: 'warning',
        title: 'pre-commit: yamllint',
        message: 'line too long (90 > 80 characters) (line-length)',
      },
      {
        file: 'components/src/dynamo/common/bad.py',
        line: 1,
        level: 'error',
        title: 'pre-commit: black, isort',
        message: 'Changed by the pre-commit hooks: run `pre-commit run --all-files` and commit the result.',
      },
      { level: 'error', title: 'pre-commit: flake8', message: 'The flake8 hook failed; see the log.' },
    ]);
  });

  it('finds nothing when every hook passes', () => {
    expect(
      feed(new PreCommitCollector(), 'black....Passed\nisort....Passed\nyamllint.(no files to check)Skipped').findings,
    ).toEqual([]);
  });
});

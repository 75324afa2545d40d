import { describe, expect, it } from 'vitest';
import { annotations, failureMessage, renderSummary } from '../src/render.js';
import type { CheckResult, Report } from '../src/run.js';

const check = (fields: Partial<CheckResult>): CheckResult => ({
  name: 'cargo-clippy',
  title: 'cargo clippy',
  command: ['cargo', 'clippy'],
  result: 'success',
  durationSeconds: 1.2,
  findings: [],
  errors: 0,
  warnings: 0,
  ...fields,
});

const failed: Report = {
  result: 'failure',
  engine: 'docker',
  image: 'reg/dynamo:abc-dynamo-runtime-cuda12-amd64',
  workingDirectory: '',
  checks: [
    check({ name: 'cargo-fmt', title: 'cargo fmt' }),
    check({
      result: 'failure',
      exitCode: 101,
      errors: 1,
      warnings: 1,
      findings: [
        { file: 'lib/a.rs', line: 3, level: 'warning', title: 'clippy::len_zero', message: 'len() == 0' },
        {
          file: 'lib/a.rs',
          line: 9,
          column: 5,
          level: 'error',
          title: 'clippy::needless_return',
          message: 'unneeded `return` | <x>',
        },
      ],
    }),
    check({ name: 'cargo-test', title: 'cargo test', result: 'failure', exitCode: 101, note: undefined }),
    check({ name: 'mypy', title: 'mypy', result: 'not-run', note: 'not run: cargo clippy failed (fail-fast)' }),
  ],
};

describe('annotations', () => {
  it('gives errors first, one per finding and one per failed check without any, up to the limit', () => {
    expect(annotations(failed, 10)).toEqual({
      annotations: [
        {
          level: 'error',
          title: 'cargo clippy: clippy::needless_return',
          message: 'unneeded `return` | <x>',
          file: 'lib/a.rs',
          line: 9,
          endLine: undefined,
          column: 5,
        },
        { level: 'error', title: 'cargo test', message: 'cargo test failed (exit code 101); see the log.' },
        {
          level: 'warning',
          title: 'cargo clippy: clippy::len_zero',
          message: 'len() == 0',
          file: 'lib/a.rs',
          line: 3,
          endLine: undefined,
          column: undefined,
        },
      ],
      omitted: 0,
    });
    expect(annotations(failed, 1).omitted).toBe(2);
  });
});

describe('failureMessage', () => {
  it.each([
    [failed, 'Code checks failed: cargo clippy, cargo test (1 error; see the annotations).'],
    [
      { ...failed, result: 'timed-out' as const, checks: [check({ result: 'timed-out' })] },
      'Code checks stopped at the deadline (cargo clippy); raise timeout-minutes or speed them up.',
    ],
    [
      { ...failed, result: 'cancelled' as const, checks: [check({ result: 'cancelled' })] },
      'Code checks cancelled (cargo clippy).',
    ],
    [{ ...failed, result: 'success' as const, checks: [check({})] }, undefined],
  ])('%#', (report, expected) => {
    expect(failureMessage(report)).toBe(expected);
  });
});

describe('renderSummary', () => {
  it('tables every check and lists findings, escaping table characters', () => {
    const summary = renderSummary(failed);
    expect(summary).toContain('### ❌ Code checks: failure');
    expect(summary).toContain('Ran in `reg/dynamo:abc-dynamo-runtime-cuda12-amd64`, in `.`.');
    expect(summary).toContain('| `cargo fmt` | ✅ success | 1.2 s | 0 | 0 |');
    expect(summary).toContain('| `cargo clippy` | ❌ failure (exit 101) | 1.2 s | 1 | 1 |');
    expect(summary).toContain('| `mypy` | ⏭️ not-run | 1.2 s | 0 | 0 |');
    expect(summary).toContain('- `mypy`: not run: cargo clippy failed (fail-fast)');
    expect(summary).toContain(
      '- `lib/a.rs:9` **cargo clippy: clippy::needless_return**: unneeded `return` \\| \\<x\\>',
    );
    expect(renderSummary(failed, 1)).toContain('- … and 1 more (see the annotations and the logs)');
  });
});

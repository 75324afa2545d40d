import { describe, expect, it } from 'vitest';
import { annotations, failureMessage, MAX_ANNOTATIONS, renderSummary } from '../src/render.js';
import type { Report } from '../src/run.js';

function report(overrides: Partial<Report> = {}): Report {
  return {
    result: 'success',
    counts: { total: 3, passed: 3, failed: 0, skipped: 0, errors: 0, flaky: 0 },
    markerExpression: 'pre_merge and vllm and gpu_1',
    engine: 'docker',
    image: 'nvcr.io/acme/dynamo:abc',
    arch: 'amd64',
    gpus: { requested: '1', effective: '1', visible: 1, names: ['NVIDIA H100 80GB HBM3'], source: 'nvidia-smi' },
    durationSeconds: 12.5,
    phases: [
      {
        name: 'all',
        expression: 'pre_merge and vllm and gpu_1',
        workers: 0,
        exitCode: 0,
        durationSeconds: 12,
        tests: 3,
      },
    ],
    failures: [],
    flaky: [],
    killed: [],
    slowest: [{ test: 'tests/test_vllm.py::test_a', seconds: 9 }],
    unknownMarkers: [],
    problems: [],
    junitFiles: [],
    omitted: { failures: 0, flaky: 0 },
    ...overrides,
  };
}

describe('annotations', () => {
  it('puts failures and flaky tests at their file and line, under the path prefix, within the per-step limit', () => {
    const failures = Array.from({ length: 12 }, (_, index) => ({
      test: `tests/test_a.py::test_${index}`,
      file: 'tests/test_a.py',
      line: index + 1,
      outcome: 'failed' as const,
      message: 'assert 1 == 2',
      attempts: 1,
    }));
    const specs = annotations(
      report({
        failures,
        flaky: [
          {
            test: 'tests/test_b.py::test_f',
            file: 'tests/test_b.py',
            line: 7,
            firstFailure: 'port in use',
            attempts: 2,
          },
        ],
      }),
      'sub/',
    );
    expect(specs.filter((spec) => spec.level === 'error')).toHaveLength(MAX_ANNOTATIONS);
    expect(specs[0]).toEqual({
      level: 'error',
      title: 'Failed: tests/test_a.py::test_0',
      message: 'assert 1 == 2',
      file: 'sub/tests/test_a.py',
      line: 1,
    });
    expect(specs.at(-1)).toEqual({
      level: 'warning',
      title: 'Flaky: tests/test_b.py::test_f',
      message: 'Passed on attempt 2 after failing: port in use',
      file: 'sub/tests/test_b.py',
      line: 7,
    });
  });
});

describe('failureMessage', () => {
  it.each([
    [report(), true, undefined],
    [
      report({ result: 'empty', counts: { total: 0, passed: 0, failed: 0, skipped: 0, errors: 0, flaky: 0 } }),
      false,
      undefined,
    ],
    [
      report({ result: 'failure', counts: { total: 5, passed: 2, failed: 2, skipped: 0, errors: 1, flaky: 1 } }),
      true,
      '2 failed, 1 error(s), 1 flaky of 5 test(s) selected by -m "pre_merge and vllm and gpu_1".',
    ],
    [
      report({
        result: 'failure',
        problems: [
          'pytest rejected its command line in all (exit 4: usage error; check markers and pytest-args):\nERROR: x',
        ],
      }),
      true,
      'pytest rejected its command line in all (exit 4: usage error; check markers and pytest-args):\nERROR: x',
    ],
    [report({ result: 'cancelled' }), true, 'The test run was cancelled (3 test(s) had results).'],
  ] as [Report, boolean, string | undefined][])('%#', (input, failOnEmpty, expected) => {
    expect(failureMessage(input, failOnEmpty)).toBe(expected);
  });
});

describe('renderSummary', () => {
  it('shows the verdict, the selection, counts, failures, flaky and the phases', () => {
    const markdown = renderSummary(
      report({
        result: 'failure',
        counts: { total: 3, passed: 2, failed: 1, skipped: 0, errors: 0, flaky: 1 },
        failures: [{ test: 'tests/test_a.py::test_x[a|b]', outcome: 'failed', message: 'assert <b> | c', attempts: 2 }],
        flaky: [{ test: 'tests/test_b.py::test_f', firstFailure: 'port in use', attempts: 2 }],
        shard: {
          index: 1,
          count: 4,
          tests: 10,
          collected: 40,
          plannedSeconds: 55,
          estimated: 2,
          fingerprint: 'abc',
          durationsRestored: true,
        },
      }),
    );
    expect(markdown).toContain('### ❌ GPU tests: failure · shard 2/4');
    expect(markdown).toContain('| 3 | 2 | 1 | 0 | 0 | 1 |');
    expect(markdown).toContain('| `tests/test_a.py::test_x[a\\|b]` | failed | 2 | assert &lt;b&gt; \\| c |');
    expect(markdown).toContain('#### Flaky (failed, then passed on a rerun)');
    expect(markdown).toContain('Shard 2 of 4: 10 of 40 collected tests');
    expect(markdown).toContain('NVIDIA H100 80GB HBM3');
  });
});

import { describe, expect, it } from 'vitest';
import { appendRun, flakyRates, HISTORY_SCHEMA, type History, parseHistory, standing, testId } from '../src/history.js';
import { countTests, type Leg, type TestResult } from '../src/legs.js';

const scope = { repository: 'o/r', workflow: '.github/workflows/nightly.yml', branch: 'main' };
const limits = { runs: 30, tests: 1000 };

function leg(
  name: string,
  tests: Record<string, 'passed' | 'failed' | 'flaky' | 'skipped'>,
  state: Leg['state'] = 'reported',
): Leg {
  const results: TestResult[] = Object.entries(tests).map(([key, outcome]) => ({
    key,
    outcome: outcome === 'flaky' ? 'passed' : outcome,
    time: 1,
    flaky: outcome === 'flaky',
    attempts: outcome === 'flaky' ? 2 : 1,
  }));
  return { name, state, tests: results, counts: countTests(results), problems: [] };
}

const run = (id: number) => ({ id, number: id, attempt: 1, at: '2026-01-01T00:00:00Z', legs: [] });

/** Feed runs through the history, as consecutive reports would. */
function play(...runs: Leg[][]): History | undefined {
  let history: History | undefined;
  runs.forEach((legs, index) => {
    history = appendRun(history, scope, run(index + 1), legs, limits);
  });
  return history;
}

describe('standing', () => {
  it('is unknown without history, new after a pass, known since the first failure of the streak', () => {
    expect(standing(undefined, 'vllm', 't::a')).toEqual({ status: 'unknown' });
    const history = play(
      [leg('vllm', { 't::a': 'passed', 't::b': 'failed' })],
      [leg('vllm', { 't::a': 'passed', 't::b': 'failed' })],
    );
    expect(standing(history, 'vllm', 't::a')).toEqual({ status: 'new' });
    expect(standing(history, 'vllm', 't::b')).toEqual({ status: 'known', since: 1, streak: 2, sinceAtLeast: true });
  });

  it('looks past runs where the leg did not report, and a flake breaks the streak', () => {
    const history = play(
      [leg('vllm', { 't::a': 'passed' })],
      [leg('vllm', { 't::a': 'flaky' })],
      [leg('vllm', { 't::a': 'failed' })],
      [leg('vllm', {}, 'never-ran')],
      [leg('vllm', { 't::a': 'failed' })],
    );
    expect(history?.tests[testId('vllm', 't::a')]).toBe('.KF-F');
    expect(standing(history, 'vllm', 't::a')).toEqual({ status: 'known', since: 3, streak: 2 });
    expect(standing(history, 'sglang', 't::a')).toEqual({ status: 'unknown' });
  });
});

describe('appendRun', () => {
  it('stores only tests that failed or flaked in the window, and forgets them once the window passes', () => {
    const history = play(
      [leg('vllm', { 't::a': 'failed', 't::b': 'passed' })],
      ...Array.from({ length: 3 }, () => [leg('vllm', { 't::a': 'passed', 't::b': 'passed' })]),
    );
    expect(history?.tests).toEqual({ [testId('vllm', 't::a')]: 'F...' });
    const later = appendRun(history, scope, run(5), [leg('vllm', { 't::a': 'passed' })], { runs: 4, tests: 1000 });
    expect(later.runs.map((entry) => entry.id)).toEqual([2, 3, 4, 5]);
    expect(later.tests).toEqual({});
  });

  it('replaces a re-run of the same run instead of counting it twice', () => {
    const first = play([leg('vllm', { 't::a': 'failed' })]);
    const again = appendRun(first, scope, { ...run(1), attempt: 2 }, [leg('vllm', { 't::a': 'passed' })], limits);
    expect(again.runs).toHaveLength(1);
    expect(again.runs[0]?.attempt).toBe(2);
    expect(again.tests).toEqual({});
  });

  it('keeps at most `tests` entries, the most recently bad first, so a broken suite cannot grow it without bound', () => {
    const failing = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`t::old${index}`, 'failed' as const]));
    const history = appendRun(
      appendRun(undefined, scope, run(1), [leg('vllm', failing)], limits),
      scope,
      run(2),
      [leg('vllm', { 't::new': 'failed' })],
      { runs: 30, tests: 10 },
    );
    expect(Object.keys(history.tests)).toHaveLength(10);
    expect(history.tests[testId('vllm', 't::new')]).toBe('.F');
    expect(JSON.stringify(history).length).toBeLessThan(2000);
  });
});

describe('flakyRates', () => {
  it('counts flaky runs over the runs its leg reported in', () => {
    const history = play(
      [leg('sglang', { 't::p': 'flaky' })],
      [leg('sglang', { 't::p': 'passed' })],
      [leg('sglang', {}, 'never-ran')],
      [leg('sglang', { 't::p': 'flaky' })],
    ) as History;
    expect(flakyRates(history)).toEqual([{ leg: 'sglang', key: 't::p', flaky: 2, runs: 3, now: true }]);
  });
});

describe('parseHistory', () => {
  const valid = JSON.stringify({
    schema: HISTORY_SCHEMA,
    ...scope,
    runs: [{ id: 1, number: 1, attempt: 1, at: '', legs: ['vllm'] }],
    tests: {
      [testId('vllm', 't::a')]: 'F',
      [testId('vllm', 't::b')]: 'FF',
      noseparator: 'F',
      [testId('vllm', 't::c')]: 'X',
    },
  });

  it('reads a valid file and drops entries that do not fit its runs', () => {
    expect(parseHistory(valid, scope).tests).toEqual({ [testId('vllm', 't::a')]: 'F' });
  });

  it.each([
    ['not json', 'it is not JSON'],
    ['{"schema":"other"}', 'its schema is "other", expected "dynamo-ci/pipeline-report-history@1"'],
    [valid.replace('"main"', '"feature"'), 'it is for branch "feature", not "main"'],
    [JSON.stringify({ schema: HISTORY_SCHEMA, ...scope, runs: 'x' }), 'its runs are not a list'],
  ])('refuses %s', (text, message) => {
    expect(() => parseHistory(text, scope)).toThrow(message);
  });
});

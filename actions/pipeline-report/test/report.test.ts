import { describe, expect, it } from 'vitest';
import { countTests, type Leg, type LegState, type TestResult } from '../src/legs.js';
import type { JobFacts, RunFacts } from '../src/model.js';
import { buildReport, duration, slowestTests } from '../src/report.js';

const run: RunFacts = {
  id: 1,
  workflow: 'Nightly CI',
  workflowId: 3,
  path: '.github/workflows/nightly.yml',
  number: 7,
  attempt: 1,
  event: 'schedule',
  branch: 'main',
  sha: 'a'.repeat(40),
  headRepository: 'o/r',
  status: 'in_progress',
  conclusion: null,
  createdAt: 0,
  url: 'https://github.com/o/r/actions/runs/1',
};

function leg(name: string, state: LegState, conclusion = 'success', tests: TestResult[] = []): Leg {
  const job: JobFacts = { id: name.length, name, status: 'completed', conclusion, labels: [], steps: [] };
  return { name, job, state, tests, counts: countTests(tests), problems: [] };
}

const passing: TestResult = { key: 't::a', outcome: 'passed', time: 3, flaky: false, attempts: 1 };
const report = (legs: Leg[], problems: string[] = []) =>
  buildReport({ repository: 'o/r', run, jobs: [], legs, historyNotes: [], gpuRules: [], slowest: 3, problems });

describe('the result', () => {
  it.each([
    ['all legs reported and passed', [leg('a', 'reported', 'success', [passing])], 'success'],
    [
      'a leg skipped by its condition',
      [leg('a', 'reported', 'success', [passing]), leg('b', 'never-ran', 'skipped')],
      'success',
    ],
    [
      'a leg cancelled before it ran',
      [leg('a', 'reported', 'success', [passing]), leg('b', 'never-ran', 'cancelled')],
      'failure',
    ],
    ['a leg that ran and left nothing', [leg('a', 'no-results', 'failure')], 'failure'],
    ['a failed test', [leg('a', 'reported', 'failure', [{ ...passing, outcome: 'error' }])], 'failure'],
  ])('%s: %s', (_, legs, result) => {
    expect(report(legs as Leg[]).result).toBe(result);
  });

  it('fails a report that found no leg for a reason it lists, not one that had nothing to find', () => {
    expect(report([], ["No artifact matched 'artifacts'"]).result).toBe('failure');
    expect(report([]).result).toBe('success');
  });
});

describe('helpers', () => {
  it('keeps the slowest tests without sorting them all', () => {
    const tests = Array.from({ length: 1000 }, (_, index) => ({
      ...passing,
      key: `t::${index}`,
      time: (index * 7919) % 1000,
    }));
    expect(slowestTests([leg('a', 'reported', 'success', tests)], 3).map((slow) => slow.seconds)).toEqual([
      999, 998, 997,
    ]);
  });

  it.each([
    [45, '45s'],
    [845, '14m 05s'],
    [8040, '2h 14m'],
  ])('duration(%i) is %s', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });
});

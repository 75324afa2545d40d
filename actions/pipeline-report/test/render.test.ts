import { SUMMARY_LIMIT_BYTES } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { countTests, type Leg, type TestResult } from '../src/legs.js';
import type { JobFacts, RunFacts } from '../src/model.js';
import { FILE_LIMITS, link, renderReport, SUMMARY_LIMITS } from '../src/render.js';
import { buildReport, pipelineSummary } from '../src/report.js';

const run: RunFacts = {
  id: 17_000_000_001,
  workflow: 'Nightly CI',
  workflowId: 3,
  path: '.github/workflows/nightly.yml',
  number: 42,
  attempt: 1,
  event: 'schedule',
  branch: 'main',
  sha: 'a'.repeat(40),
  headRepository: 'o/r',
  status: 'in_progress',
  conclusion: null,
  createdAt: Date.parse('2026-03-01T00:00:00Z'),
  url: 'https://github.com/o/r/actions/runs/17000000001',
};

/** 50 legs of 2,000 tests, every one failing with a long, hostile name and message. */
function hugeRun(): { legs: Leg[]; jobs: JobFacts[] } {
  const jobs: JobFacts[] = [];
  const legs: Leg[] = [];
  for (let index = 0; index < 50; index++) {
    const job: JobFacts = {
      id: 1000 + index,
      name: `test (leg-${index}) | <script>`,
      status: 'completed',
      conclusion: 'failure',
      createdAt: run.createdAt,
      startedAt: run.createdAt + 60_000,
      completedAt: run.createdAt + 3_600_000,
      labels: ['gpu-8'],
      url: `https://github.com/o/r/actions/runs/1/job/${1000 + index}`,
      steps: [],
    };
    jobs.push(job);
    const tests: TestResult[] = Array.from({ length: 2000 }, (_, test) => ({
      key: `tests.test_${'x'.repeat(300)}::test_${test}[${'|'.repeat(50)}]`,
      outcome: 'failed',
      time: test / 100,
      flaky: false,
      attempts: 1,
      message: `AssertionError: ${'<b>&'.repeat(200)}`,
    }));
    legs.push({ name: job.name, job, state: 'reported', tests, counts: countTests(tests), problems: [] });
  }
  return { legs, jobs };
}

describe('renderReport', () => {
  it('keeps the summary far under 1 MiB for 50 legs x 2,000 failing tests; the file holds more', () => {
    const { legs, jobs } = hugeRun();
    const report = buildReport({
      repository: 'o/r',
      run,
      jobs,
      legs,
      historyNotes: [],
      gpuRules: [],
      slowest: 10,
    });
    const summary = renderReport(report, SUMMARY_LIMITS);
    expect(Buffer.byteLength(summary)).toBeLessThan(SUMMARY_LIMIT_BYTES / 4);
    expect(summary).toContain('… and 99,900 more failures');
    expect(summary).not.toContain('<script>');
    expect(summary).not.toContain('<b>');
    const file = renderReport(report, FILE_LIMITS);
    expect(file.length).toBeGreaterThan(summary.length);
    expect(report.line).toBe(
      '❌ 100,000 failed (0 new), 0 passed in 50 legs · 1h 00m wall · 2,950 runner-min · 23,600 GPU-min',
    );
    const json = pipelineSummary(report);
    expect(json.failures).toHaveLength(20);
    expect(JSON.stringify(json).length).toBeLessThan(20_000);
  });

  it('makes links whose URL cannot end the markdown link early, and plain text for other schemes', () => {
    expect(link('https://x/a (b)', 'job [1]')).toBe('[job \\[1\\]](https://x/a%20%28b%29)');
    expect(link('javascript:alert(1)', 'job')).toBe('job');
  });
});

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jobGlob, parseJunit } from '@dynamo-ci/core';
import { scratchDir } from '@dynamo-ci/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { readArtifactFolder } from '../src/junit-files.js';
import { attemptOf, buildLegs, type JunitFile, jobOfArtifact, mergeAttempts, stableArtifactName } from '../src/legs.js';
import type { JobFacts } from '../src/model.js';
import { pytestAvailable, pytestLeg } from './pytest-legs.js';

const job = (id: number, name: string, extra: Partial<JobFacts> = {}): JobFacts => ({
  id,
  name,
  status: 'completed',
  conclusion: 'success',
  createdAt: 0,
  startedAt: 1000,
  completedAt: 2000,
  labels: [],
  steps: [{ number: 1, name: 'Run actions/upload-artifact@v4', status: 'completed', conclusion: 'success' }],
  ...extra,
});

const file = (path: string, xml: string, truncated = false): JunitFile => ({
  path,
  attempt: attemptOf(path),
  cases: parseJunit(xml),
  truncated,
});

const suite = (cases: string) => `<testsuites><testsuite name="pytest">${cases}</testsuite></testsuites>`;
const failing = (name: string, message: string) =>
  `<testcase classname="t" name="${name}" time="1.5"><failure message="${message}">trace</failure></testcase>`;
const passing = (name: string, time = '0.1') => `<testcase classname="t" name="${name}" time="${time}"/>`;

describe('mergeAttempts', () => {
  it('turns a failure that passed on a rerun into a flaky pass, and keeps a failure that failed again', () => {
    const merged = mergeAttempts([
      file('junit-rerun-1.xml', suite(passing('a') + failing('b', 'second'))),
      file('junit-all.xml', suite(failing('a', 'port in use') + failing('b', 'first') + passing('c'))),
    ]);
    expect(merged).toEqual([
      { key: 't::a', outcome: 'passed', time: 0.1, flaky: true, attempts: 2, firstFailure: 'port in use' },
      { key: 't::b', outcome: 'failed', time: 1.5, flaky: false, attempts: 2, message: 'second' },
      { key: 't::c', outcome: 'passed', time: 0.1, flaky: false, attempts: 1 },
    ]);
  });

  it('keeps the worse outcome of two first-attempt files and reads surefire flakyFailure', () => {
    const merged = mergeAttempts([
      file('junit-parallel.xml', suite(passing('a'))),
      file('junit-serial.xml', suite(failing('a', 'boom'))),
      file(
        'junit-other.xml',
        suite('<testcase classname="t" name="f" time="1"><flakyFailure message="once">x</flakyFailure></testcase>'),
      ),
    ]);
    expect(merged.map((test) => [test.key, test.outcome, test.flaky]).sort()).toEqual([
      ['t::a', 'failed', false],
      ['t::f', 'passed', true],
    ]);
  });

  it('reads the attempt from run-gpu-tests file names', () => {
    expect(
      ['junit-all.xml', 'a/junit-rerun-2.xml', 'junit-rerun-1-killed.xml', 'junit-all-killed.xml'].map(attemptOf),
    ).toEqual([0, 2, 1, 0]);
  });
});

describe('linking artifacts to jobs', () => {
  const jobs = [
    job(1, 'build (vllm)', { steps: [] }),
    job(2, 'test (vllm)'),
    job(3, 'test (vllm, arm64)'),
    job(17_234_567_890, 'test (sglang)'),
  ];

  it('takes a job id in the name first, then the job whose name holds every word', () => {
    expect(jobOfArtifact('test-results-x-17234567890', jobs, 'test-results-')?.id).toBe(17_234_567_890);
    expect(jobOfArtifact('test-results-vllm-17000000001', jobs, 'test-results-')?.id).toBe(2);
    expect(jobOfArtifact('test-results-vllm-arm64', jobs, 'test-results-')?.id).toBe(3);
    expect(jobOfArtifact('test-results-trtllm', jobs, 'test-results-')).toBeUndefined();
  });

  it('drops run and job ids so a leg keeps its name across runs', () => {
    expect(stableArtifactName('test-results-vllm-gpu1-17000000001-1')).toBe('test-results-vllm-gpu1-1');
    expect(stableArtifactName('test-results-vllm-gpu-4')).toBe('test-results-vllm-gpu-4');
  });
});

describe('buildLegs', () => {
  it('reports a missing artifact, a leg that never ran and an unreadable artifact, without failing', () => {
    const legs = buildLegs({
      artifacts: [
        { name: 'test-results-vllm', files: [file('junit-all.xml', suite(passing('a')))] },
        { name: 'test-results-sglang', files: [], error: 'download failed: HTTP 410' },
      ],
      jobs: [
        job(1, 'test (vllm)'),
        job(2, 'test (sglang)'),
        job(3, 'test (trtllm)', { conclusion: 'skipped', steps: [] }),
        job(4, 'test (mocker)', { conclusion: 'failure' }),
        job(5, 'lint'),
      ],
      testJobs: [jobGlob('test *')],
      prefix: 'test-results-',
    });
    expect(legs.map((leg) => [leg.name, leg.state, leg.problems])).toEqual([
      ['test (mocker)', 'no-results', ['test (mocker) ran (failure) but uploaded no results artifact']],
      ['test (sglang)', 'no-results', ['artifact test-results-sglang could not be read: download failed: HTTP 410']],
      ['test (trtllm)', 'never-ran', ['test (trtllm) never ran (skipped)']],
      ['test (vllm)', 'reported', []],
    ]);
  });
});

describe('reading an artifact folder', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!pytestAvailable)(
    'reads real pytest JUnit, flags a truncated file and ignores XML that is not JUnit',
    async () => {
      const dir = scratchDir('pipeline-report-folder-');
      dirs.push(dir);
      const files = pytestLeg({ fail: ['test_router_drops'], flaky: true });
      const whole = files['junit-all.xml'] as string;
      mkdirSync(join(dir, 'nested'));
      writeFileSync(join(dir, 'junit-all.xml'), whole.slice(0, Math.floor(whole.length * 0.6)));
      writeFileSync(join(dir, 'nested', 'junit-rerun-1.xml'), files['junit-rerun-1.xml'] as string);
      writeFileSync(join(dir, 'coverage.xml'), '<?xml version="1.0"?><coverage line-rate="0.9"></coverage>');
      writeFileSync(join(dir, 'report.json'), '{}');
      const read = await readArtifactFolder(dir);
      expect(read.map((entry) => [entry.path, entry.attempt, entry.truncated])).toEqual([
        ['junit-all.xml', 0, true],
        ['nested/junit-rerun-1.xml', 1, false],
      ]);
      expect(read[0]?.cases.length).toBeGreaterThan(0);
      expect(read[0]?.cases.length).toBeLessThan(9);
      const legs = buildLegs({
        artifacts: [{ name: 'test-results-vllm', files: read }],
        jobs: [],
        testJobs: [],
        prefix: 'test-results-',
      });
      expect(legs[0]?.problems).toEqual([
        expect.stringMatching(
          /^junit-all.xml in test-results-vllm is truncated \(\d testcase\(s\) read before it ends\)$/,
        ),
      ]);
    },
  );
});

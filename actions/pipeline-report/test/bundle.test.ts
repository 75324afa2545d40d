/**
 * The bundle as the runner starts it, against the fake GitHub (runs, jobs with steps and timing,
 * artifacts served as zips through a redirect, driven by Octokit and @actions/artifact unchanged)
 * and a fake OpenSearch, with JUnit from real pytest runs. Three nightly runs on `main` in a row:
 * a green one without history, one with new failures, a flaky test and a leg that never ran, and
 * one where a failure is known.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIPELINE_SUMMARY_SCHEMA, parsePipelineSummary } from '@dynamo-ci/core';
import { FakeGitHub, type FakeJob, FakeSearch, SimulatedJob, type StepResult } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LegShape, pytestAvailable, pytestLeg } from './pytest-legs.js';

const REPO = 'ai-dynamo/dynamo';
const WORKFLOW = { workflow_id: 31, path: '.github/workflows/nightly-ci.yml', name: 'Nightly CI' };
const DAY = 86_400_000;
/** Run ids as long as GitHub's, so names holding them read as ids. */
const R = (n: number) => 17_000_000_000 + n * 10;
const iso = (ms: number) => new Date(ms).toISOString();

interface RunShape {
  id: number;
  legs: Record<'vllm' | 'sglang', LegShape>;
  /** trtllm's test job was skipped: a leg that never ran. */
  trtllmSkipped?: boolean;
}

function jobsOf(runId: number, start: number, shape: RunShape): FakeJob[] {
  const minute = 60_000;
  let next = 0;
  const job = (
    name: string,
    from: number,
    queued: number,
    ran: number,
    labels: string[],
    extra: Partial<FakeJob> = {},
  ): FakeJob => ({
    id: runId * 100 + ++next,
    name,
    created_at: iso(start + from),
    started_at: iso(start + from + queued),
    completed_at: iso(start + from + queued + ran),
    labels,
    runner_name: `${labels[0]}-${name.length}`,
    steps: [
      {
        name: 'Set up job',
        number: 1,
        status: 'completed',
        conclusion: 'success',
        started_at: iso(start + from + queued),
        completed_at: iso(start + from + queued + 2000),
      },
      {
        name: 'Run org/dynamo-ci-actions/run-gpu-tests@v1',
        number: 2,
        status: 'completed',
        conclusion: 'success',
        started_at: iso(start + from + queued + 2000),
        completed_at: iso(start + from + queued + ran - 3000),
      },
      {
        name: 'Run actions/upload-artifact@v4',
        number: 3,
        status: 'completed',
        conclusion: 'success',
        started_at: iso(start + from + queued + ran - 3000),
        completed_at: iso(start + from + queued + ran),
      },
    ],
    ...extra,
  });
  const failed = (leg: 'vllm' | 'sglang') => ((shape.legs[leg].fail ?? []).length > 0 ? 'failure' : 'success');
  return [
    job('plan', 0, 5000, minute, ['ubuntu-24.04']),
    job('build (vllm)', minute + 2000, 30_000, 20 * minute, ['cpu-builder']),
    job('test (vllm)', 22 * minute, 5 * minute, 20 * minute, ['linux-amd64-gpu-4'], { conclusion: failed('vllm') }),
    job('test (sglang)', 22 * minute, 60_000, 8 * minute, ['linux-amd64-gpu-1'], { conclusion: failed('sglang') }),
    shape.trtllmSkipped
      ? {
          id: runId * 100 + 99,
          name: 'test (trtllm)',
          conclusion: 'skipped',
          created_at: iso(start + 22 * minute),
          started_at: iso(start + 22 * minute),
          completed_at: iso(start + 22 * minute),
          labels: ['linux-amd64-gpu-1'],
          runner_name: null,
          steps: [],
        }
      : job('test (trtllm)', 22 * minute, 60_000, 6 * minute, ['linux-amd64-gpu-1']),
    // The reporting job itself: still running, on the simulated runner.
    {
      id: runId * 100 + 98,
      name: 'report',
      status: 'in_progress',
      conclusion: null,
      created_at: iso(start + 43 * minute),
      started_at: iso(start + 43 * minute),
      completed_at: null,
      labels: ['ubuntu-24.04'],
      runner_name: 'simulated-runner',
      steps: [],
    },
  ];
}

describe.skipIf(!pytestAvailable)('pipeline-report bundle', () => {
  let github: FakeGitHub;
  let search: FakeSearch;
  const results: Record<number, StepResult> = {};
  /** `<run id>:<output>` -> the content of the file that output named. */
  const files = new Map<string, string>();

  function addRun(shape: RunShape, number: number, branch = 'main'): void {
    const start = Date.parse('2026-03-01T02:00:00Z') + number * DAY;
    github.addRun(
      {
        id: shape.id,
        ...WORKFLOW,
        run_number: number,
        head_branch: branch,
        head_sha: `${number}`.repeat(40).slice(0, 40),
        event: 'schedule',
        status: 'in_progress',
        conclusion: null,
        created_at: iso(start),
        head_repository: { full_name: REPO },
      },
      jobsOf(shape.id, start, shape),
    );
    github.addArtifact(shape.id, { name: `test-results-vllm-${shape.id}`, files: pytestLeg(shape.legs.vllm) });
    github.addArtifact(shape.id, { name: `test-results-sglang-${shape.id}`, files: pytestLeg(shape.legs.sglang) });
    if (!shape.trtllmSkipped)
      github.addArtifact(shape.id, { name: `test-results-trtllm-${shape.id}`, files: pytestLeg({}) });
  }

  function complete(id: number, conclusion: 'success' | 'failure'): void {
    Object.assign(github.actions.runs.get(id) as object, { status: 'completed', conclusion });
  }

  /** Run the report as the last job of run `id`, then keep its history as upload-artifact would. */
  async function report(id: number, inputs: Record<string, string> = {}, keep = true): Promise<StepResult> {
    const job = new SimulatedJob({
      apiUrl: github.url,
      token: 'ghs_report_token',
      runId: id,
      repository: REPO,
      workflow: 'Nightly CI',
      eventName: 'schedule',
      job: 'report',
    });
    try {
      const result = await job.run('pipeline-report', { inputs: { 'test-jobs': 'test *', ...inputs } });
      // The files go with the job's folder: keep what the tests read.
      for (const output of ['history-file', 'bulk-file', 'report-file', 'json-file']) {
        const path = result.outputs[output];
        if (path) files.set(`${id}:${output}`, readFileSync(path, 'utf8'));
      }
      const history = files.get(`${id}:history-file`);
      if (keep && history) {
        github.addArtifact(id, { name: 'pipeline-report-history', files: { 'pipeline-report-history.json': history } });
      }
      return result;
    } finally {
      job.cleanup();
    }
  }

  beforeAll(async () => {
    github = await FakeGitHub.start();
    search = await FakeSearch.start();
    search.auth = `Basic ${Buffer.from('ci-writer:s3cr3t-pass').toString('base64')}`;
    addRun({ id: R(1), legs: { vllm: {}, sglang: {} } }, 1);
    addRun(
      {
        id: R(2),
        legs: { vllm: { fail: ['test_router_drops', 'test_kv_cache_hit'] }, sglang: { flaky: true } },
        trtllmSkipped: true,
      },
      2,
    );
    addRun(
      {
        id: R(3),
        legs: { vllm: { fail: ['test_router_drops'] }, sglang: { fail: ['test_kv_cache_hit'], flaky: true } },
      },
      3,
    );
    // A pull request from a branch named main runs on head_branch main too: its history is not the
    // nightly's, and says every test failed since run 99.
    const poisoned = R(1) + 5;
    github.addRun({
      id: poisoned,
      ...WORKFLOW,
      run_number: 99,
      head_branch: 'main',
      event: 'pull_request',
      status: 'completed',
      conclusion: 'success',
      created_at: iso(Date.parse('2026-03-02T12:00:00Z')),
      head_repository: { full_name: REPO },
    });
    github.addArtifact(poisoned, {
      name: 'pipeline-report-history',
      files: {
        'pipeline-report-history.json': JSON.stringify({
          schema: 'dynamo-ci/pipeline-report-history@1',
          repository: REPO,
          workflow: WORKFLOW.path,
          branch: 'main',
          runs: [{ id: poisoned, number: 99, attempt: 1, at: '', legs: ['test (vllm)'] }],
          tests: {
            'test (vllm)\u001ftests.test_serving::test_router_drops': 'F',
            'test (vllm)\u001ftests.test_serving::test_kv_cache_hit': 'F',
          },
        }),
      },
    });
    // A run on another branch never feeds main's history.
    addRun({ id: R(4), legs: { vllm: { fail: ['test_router_drops'] }, sglang: {} } }, 4, 'feature');
    // The bulk endpoint answers 503 once: the post retries.
    search.fault({ method: 'POST', path: '/_bulk', status: 503, times: 1 });
    results[R(1)] = await report(R(1), { 'metrics-url': `http://ci-writer:s3cr3t-pass@127.0.0.1:${search.port}` });
    // Each run has finished (the report job aside) by the time the next one reports.
    complete(R(1), 'success');
    results[R(2)] = await report(R(2));
    complete(R(2), 'failure');
    results[R(3)] = await report(R(3));
    complete(R(3), 'failure');
  }, 120_000);
  afterAll(async () => {
    await github?.close();
    await search?.close();
  });

  it('reports a green run without history: tables per leg and in total, the Gantt, and a new history', () => {
    const result = results[R(1)] as StepResult;
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.result).toBe('success');
    expect(result.outputs.summary).toMatch(
      /^✅ 24 passed, 3 skipped in 3 legs · 47m 00s wall · 55 runner-min · 94 GPU-min$/,
    );
    expect(result.summary).toContain('No history: no earlier completed run of this workflow on this branch');
    expect(result.summary).toMatch(
      /\| ✅ \[test \(vllm\)\]\(https:\/\/github.com\/ai-dynamo\/dynamo\/actions\/runs\/17000000010\/job\/\d+\) \| 9 \| 8 \| 0 \| 1 \| 0 \|/,
    );
    expect(result.summary).toContain('| **Total** | **27** | **24** | **0** | **3** | **0** |');
    expect(result.summary).toContain('```mermaid\ngantt\n');
    expect(result.summary).toMatch(/test \(vllm\) queued :done, q\d+, \d+, \d+/);
    expect(result.summary).toMatch(
      /\*\*Critical path:\*\* plan \(5s queued, 1m 00s\) → build \(vllm\) .* → test \(vllm\) \(5m 00s queued, 20m 00s\)/,
    );
    expect(result.summary).toContain('| linux-amd64-gpu-4 | 1 | 20.0 | 80.0 |');
    const summary = parsePipelineSummary(result.outputs.report as string);
    expect(summary).toMatchObject({
      schema: PIPELINE_SUMMARY_SCHEMA,
      result: 'success',
      failureCount: 0,
      counts: { legs: 3, tests: 27 },
    });
    expect(summary.url).toMatch(/actions\/runs\/17000000010\/attempts\/1#summary-1700000001098$/);
    expect(JSON.parse(files.get(`${R(1)}:history-file`) as string)).toMatchObject({
      schema: 'dynamo-ci/pipeline-report-history@1',
      workflow: '.github/workflows/nightly-ci.yml',
      branch: 'main',
      runs: [{ id: R(1), number: 1, legs: ['test (sglang)', 'test (trtllm)', 'test (vllm)'] }],
      tests: {},
    });
  });

  it('posts the metrics once the retry got past a 503, with the credentials only in the header', () => {
    const result = results[R(1)] as StepResult;
    expect(result.outputs['metrics-posted']).toBe('true');
    expect(result.log.join('\n')).toMatch(/HTTP 503 .*retry 1/);
    expect(search.documents('dynamo-ci-workflows')).toEqual([
      expect.objectContaining({
        record: 'workflow',
        run_id: R(1),
        tests: 27,
        passed: 24,
        gpu_minutes: expect.any(Number),
      }),
    ]);
    expect(search.documents('dynamo-ci-jobs')).toHaveLength(5);
    expect(search.documents('dynamo-ci-steps')).toHaveLength(15);
    expect(search.documents('dynamo-ci-tests')).toHaveLength(27);
    const logged = result.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const text of [logged, result.stderr, result.summary, JSON.stringify(result.outputs)]) {
      expect(text).not.toContain('s3cr3t-pass');
    }
    expect(result.masks).toContain('s3cr3t-pass');
  });

  it('writes the bulk file as action and document line pairs with stable ids', () => {
    const lines = (files.get(`${R(1)}:bulk-file`) as string).split('\n');
    expect(lines.at(-1)).toBe('');
    const records = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(records.length % 2).toBe(0);
    const actions = records.filter((_, index) => index % 2 === 0);
    const documents = records.filter((_, index) => index % 2 === 1);
    expect(actions[0]).toEqual({ index: { _index: 'dynamo-ci-workflows', _id: `${REPO}/${R(1)}/1` } });
    expect(new Set(actions.map((action) => action.index._index))).toEqual(
      new Set(['dynamo-ci-workflows', 'dynamo-ci-jobs', 'dynamo-ci-steps', 'dynamo-ci-tests']),
    );
    expect(new Set(actions.map((action) => action.index._id)).size).toBe(actions.length);
    const test = documents.find(
      (document) =>
        document.record === 'test' && document.leg === 'test (vllm)' && document.test.endsWith('test_slow_startup'),
    );
    expect(test).toMatchObject({
      leg: 'test (vllm)',
      outcome: 'passed',
      run_id: R(1),
      workflow: 'Nightly CI',
      branch: 'main',
    });
    expect(test.duration_seconds).toBeGreaterThan(0.15);
    expect(
      documents.find((document) => document.record === 'job' && document.job_name === 'test (vllm)'),
    ).toMatchObject({
      queue_seconds: 300,
      duration_seconds: 1200,
      labels: ['linux-amd64-gpu-4'],
      gpus: 4,
      critical_path: true,
    });
  });

  it('marks new failures, the flaky test and the leg that never ran', () => {
    const result = results[R(2)] as StepResult;
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.outputs.result).toBe('failure');
    expect(result.outputs.summary).toMatch(
      /^❌ 2 failed \(2 new\), 14 passed, 2 skipped, 1 flaky in 3 legs \(1 without results\)/,
    );
    const newFailures = JSON.parse(result.outputs['new-failures'] as string);
    expect(newFailures).toEqual([
      expect.objectContaining({
        leg: 'test (vllm)',
        test: 'tests.test_serving::test_kv_cache_hit',
        status: 'new',
        message: 'RuntimeError: CUDA error: out of memory',
      }),
      expect.objectContaining({
        leg: 'test (vllm)',
        test: 'tests.test_serving::test_router_drops',
        status: 'new',
        message: 'AssertionError: request was dropped by the router',
        url: expect.stringMatching(/\/actions\/runs\/17000000020\/job\/\d+$/),
      }),
    ]);
    expect(result.summary).toContain('test (trtllm) never ran (skipped)');
    expect(result.summary).toMatch(/\| ❌ \[test \(trtllm\)\]\([^)]+\) \(never ran\) \| 0 \|/);
    expect(result.summary).toMatch(
      /\| test \(sglang\) \| tests.test_serving::test_port_flaky \| 1 of 2 \(50%\) \| flaky \|/,
    );
    expect(result.summary).toContain('judged against 1 earlier run(s) of this workflow on `main`');
    expect(result.warnings.map((warning) => warning.message)).toContain('test (trtllm) never ran (skipped)');
  });

  it('marks a failure that goes on as failing since its first run, and a new one as new', () => {
    const result = results[R(3)] as StepResult;
    const summary = parsePipelineSummary(result.outputs.report as string);
    expect(summary.newFailureCount).toBe(1);
    expect(
      summary.failures.map((failure) => [failure.leg, failure.test.split('::')[1], failure.status, failure.since]),
    ).toEqual([
      ['test (sglang)', 'test_kv_cache_hit', 'new', undefined],
      ['test (vllm)', 'test_router_drops', 'known', 2],
    ]);
    expect(result.summary).toMatch(/\| failing since #2 \| test \(vllm\) \| tests.test_serving::test_router_drops \|/);
    // Flaky in runs 2 and 3, of 3 runs its leg reported in.
    expect(result.summary).toMatch(
      /\| test \(sglang\) \| tests.test_serving::test_port_flaky \| 2 of 3 \(67%\) \| flaky \|/,
    );
    const history = JSON.parse(files.get(`${R(3)}:history-file`) as string);
    expect(history.runs.map((run: { id: number }) => run.id)).toEqual([R(1), R(2), R(3)]);
    expect(history.tests).toEqual({
      'test (sglang)\u001ftests.test_serving::test_kv_cache_hit': '..F',
      'test (sglang)\u001ftests.test_serving::test_port_flaky': '.KK',
      'test (vllm)\u001ftests.test_serving::test_kv_cache_hit': '.F.',
      'test (vllm)\u001ftests.test_serving::test_router_drops': '.FF',
    });
  });

  it('starts over when the only history has expired, and says so', async () => {
    github.addRun(
      {
        id: R(10),
        ...WORKFLOW,
        run_number: 10,
        head_branch: 'release',
        status: 'completed',
        conclusion: 'success',
        created_at: iso(Date.parse('2026-04-01T00:00:00Z')),
      },
      jobsOf(R(10), Date.parse('2026-04-01T00:00:00Z'), { id: R(10), legs: { vllm: {}, sglang: {} } }),
    );
    github.addArtifact(R(10), {
      name: 'pipeline-report-history',
      files: { 'pipeline-report-history.json': '{}' },
      expired: true,
    });
    github.addRun(
      {
        id: R(11),
        ...WORKFLOW,
        run_number: 11,
        head_branch: 'release',
        status: 'in_progress',
        created_at: iso(Date.parse('2026-04-02T00:00:00Z')),
      },
      jobsOf(R(11), Date.parse('2026-04-02T00:00:00Z'), {
        id: R(11),
        legs: { vllm: { fail: ['test_router_drops'] }, sglang: {} },
      }),
    );
    github.addArtifact(R(11), {
      name: `test-results-vllm-${R(11)}`,
      files: pytestLeg({ fail: ['test_router_drops'] }),
    });
    const result = await report(R(11), {}, false);
    expect(result.exitCode, result.stdout).toBe(0);
    expect(result.summary).toContain(
      "No history: none of the last 1 completed run(s) kept a readable 'pipeline-report-history' artifact (expired, or never uploaded)",
    );
    expect(result.summary).toMatch(/Skipped: run #10: .*expired/i);
    expect(parsePipelineSummary(result.outputs.report as string).failures[0]).toMatchObject({ status: 'unknown' });
    // sglang and trtllm ran but left no artifact in this run.
    expect(result.summary).toContain('test (sglang) ran (success) but uploaded no results artifact');
  });

  it('reads another run for a workflow_run caller, and refuses bad inputs naming them', async () => {
    const job = new SimulatedJob({
      apiUrl: github.url,
      token: 'ghs_report_token',
      runId: R(100),
      repository: REPO,
      eventName: 'workflow_run',
      event: { workflow_run: { id: R(2) } },
    });
    try {
      // Whatever report-dir already holds is left alone.
      mkdirSync(join(job.temp, 'pipeline-report', 'artifacts'), { recursive: true });
      writeFileSync(join(job.temp, 'pipeline-report', 'artifacts', 'keep.txt'), 'mine');
      const result = await job.run('pipeline-report', { inputs: { history: 'false', artifacts: 'nothing-*' } });
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.summary).toContain('Nightly CI #2');
      expect(result.summary).toMatch(
        /No artifact matched 'artifacts' \(nothing-\*\); the run has .*test-results-vllm-/,
      );
      expect(result.outputs.result).toBe('failure');
      expect(readFileSync(join(job.temp, 'pipeline-report', 'artifacts', 'keep.txt'), 'utf8')).toBe('mine');
      expect(result.outputs['history-file']).toBe('');
      const bad = await job.run('pipeline-report', { inputs: { 'metrics-url': 'ftp://user:hunter22@x' } });
      expect(bad.exitCode).toBe(1);
      expect(bad.errors.map((error) => error.message)).toEqual([
        "Input 'metrics-url' must be an http(s) URL of the Elasticsearch/OpenSearch endpoint.",
      ]);
      expect([...bad.log, ...bad.errors.map((error) => error.message)].join('\n')).not.toContain('hunter22');
      const badRun = await job.run('pipeline-report', { inputs: { 'run-id': '12; rm -rf /' } });
      expect(badRun.errors[0]?.message).toBe(`Input 'run-id' must be a workflow run id (digits), got "12; rm -rf /"`);
    } finally {
      job.cleanup();
    }
  });

  it('reports an artifact that cannot be downloaded and keeps a hostile one inside its folder', async () => {
    const start = Date.parse('2026-05-01T00:00:00Z');
    github.addRun(
      { id: R(20), ...WORKFLOW, run_number: 20, head_branch: 'hostile', status: 'in_progress', created_at: iso(start) },
      jobsOf(R(20), start, { id: R(20), legs: { vllm: {}, sglang: {} } }),
    );
    github.addArtifact(R(20), { name: `test-results-vllm-${R(20)}`, files: pytestLeg({}) });
    github.addArtifact(R(20), {
      name: `test-results-sglang-${R(20)}`,
      files: { '../../../../escape.xml': pytestLeg({ fail: ['test_router_drops'] })['junit-all.xml'] as string },
    });
    const artifacts = (await (await fetch(`${github.url}/repos/${REPO}/actions/runs/${R(20)}/artifacts`)).json()) as {
      artifacts: { id: number; name: string }[];
    };
    const vllm = artifacts.artifacts.find((artifact) => artifact.name.includes('vllm'));
    github.fault({ path: `/repos/${REPO}/actions/artifacts/${vllm?.id}/zip`, status: 404 });
    const job = new SimulatedJob({ apiUrl: github.url, token: 'ghs_report_token', runId: R(20), repository: REPO });
    try {
      const result = await job.run('pipeline-report', { inputs: { 'test-jobs': 'test *', history: 'false' } });
      expect(result.exitCode, result.stdout).toBe(0);
      expect(result.summary).toMatch(
        new RegExp(`artifact test-results-vllm-${R(20)} could not be read: download failed: .*HTTP 404`),
      );
      expect(result.summary).toMatch(/\| ❌ \[test \(sglang\)\]\([^)]+\) \| 9 \| 7 \| 1 \| 1 \|/);
      const found = execFileSync('find', [job.root, '-name', 'escape.xml'], { encoding: 'utf8' }).trim().split('\n');
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/\/pipeline-report\/artifacts-[^/]+\/results-\d\/(\.\/)*escape\.xml$/);
    } finally {
      github.clearFaults();
      job.cleanup();
    }
  });

  it('fails with one sentence when the run cannot be read', async () => {
    const job = new SimulatedJob({ apiUrl: github.url, token: 'ghs_report_token', runId: 123, repository: REPO });
    try {
      const result = await job.run('pipeline-report');
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((error) => error.message)).toEqual([
        `GitHub API GET /repos/${REPO}/actions/runs/123 failed with HTTP 404: Not Found. Check the repository, number or SHA, and that the token can see it.`,
      ]);
    } finally {
      job.cleanup();
    }
  });
});

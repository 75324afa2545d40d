import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport } from '@dynamo-ci/core';
import { FakeGitHub, type FakeJob, SimulatedJob } from '@dynamo-ci/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixture = new URL('./fixtures/pr.yaml', import.meta.url).pathname;
const workflowRef = 'ai-dynamo/dynamo/.github/workflows/pr.yaml@refs/heads/pull-request/7';

function needs(results: Record<string, string>): string {
  return JSON.stringify(
    Object.fromEntries(Object.entries(results).map(([id, result]) => [id, { result, outputs: {} }])),
  );
}

function jobWithCheckout(options: ConstructorParameters<typeof SimulatedJob>[0] = {}): SimulatedJob {
  const job = new SimulatedJob({
    workflowRef,
    job: 'backend-status-check',
    runId: 77,
    token: 'ghs_gate_token',
    ...options,
  });
  mkdirSync(join(job.workspace, '.github/workflows'), { recursive: true });
  copyFileSync(fixture, join(job.workspace, '.github/workflows/pr.yaml'));
  return job;
}

describe('status-aggregate bundle', () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await FakeGitHub.start();
  });
  afterAll(() => github.close());

  it('fails on a dependency skip read from the checked-out workflow, with outputs, summary and report', async () => {
    const job = jobWithCheckout();
    try {
      const result = await job.run('status-aggregate', {
        inputs: {
          needs: needs({
            'changed-files': 'success',
            'vllm-build': 'failure',
            'vllm-test': 'skipped',
            'sglang-build': 'skipped',
          }),
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.outputs.result).toBe('failure');
      expect(JSON.parse(result.outputs['failed-jobs'] as string)).toEqual(['vllm-build', 'vllm-test']);
      const report = parseReport(result.outputs.report as string);
      expect(report.gate).toBe('backend-status-check');
      expect(report.run.url).toBe('https://github.com/ai-dynamo/dynamo/actions/runs/77');
      expect(report.jobs.find((row) => row.id === 'vllm-test')).toMatchObject({
        skip: 'dependency',
        cause: 'vllm-build',
      });
      expect(report.jobs.find((row) => row.id === 'sglang-build')).toMatchObject({
        skip: 'condition',
        verdict: 'pass',
      });
      expect(result.errors.map((error) => error.message)).toEqual([
        "The gate failed: vllm-build, vllm-test. See the job summary for each job's reason.",
      ]);
      expect(result.summary).toContain('## ❌ Gate `backend-status-check` failed');
      expect(result.summary).toContain(
        '| vllm-test | skipped | ❌ fail | skipped because vllm-build failed: a dependency skip counts as a failure |',
      );
      // No API call was needed: everything the skips depend on is in needs.
      expect(github.requests).toHaveLength(0);
      expect(result.masks).toContain('ghs_gate_token');
    } finally {
      job.cleanup();
    }
  });

  it('passes a docs-only run and warns when the gate job lacks if: always()', async () => {
    const job = jobWithCheckout({ job: 'unguarded-check' });
    try {
      const result = await job.run('status-aggregate', {
        inputs: { needs: needs({ 'changed-files': 'success', operator: 'skipped', 'planner-build': 'skipped' }) },
      });
      expect(result.exitCode).toBe(0);
      expect(result.outputs.result).toBe('success');
      expect(result.outputs['failed-jobs']).toBe('[]');
      expect(result.warnings.map((warning) => warning.message)).toEqual([
        expect.stringContaining("Job 'unguarded-check' runs this gate without `if: always()`"),
      ]);
      expect(result.summary).toContain('## ✅ Gate `unguarded-check` passed');
      expect(result.summary).toContain(
        '> Not covered by this gate (not in its needs, directly or through them): snapshot-agent, vllm-build,',
      );
    } finally {
      job.cleanup();
    }
  });

  it('reads the workflow through the contents API when it is not checked out', async () => {
    github.requests.length = 0;
    github.route('GET', '/repos/:owner/:repo/contents/*path', (request) => ({
      body: {
        type: 'file',
        encoding: 'base64',
        path: request.params.path,
        content: Buffer.from(
          'jobs:\n  build: {runs-on: x}\n  test: {needs: build, runs-on: x}\n  gate: {needs: [build, test], if: always(), runs-on: x}\n',
        ).toString('base64'),
      },
    }));
    const job = new SimulatedJob({
      workflowRef,
      job: 'gate',
      apiUrl: github.url,
      token: 't0k',
      env: { GITHUB_WORKFLOW_SHA: 'abc123' },
    });
    try {
      const result = await job.run('status-aggregate', {
        inputs: { needs: needs({ build: 'cancelled', test: 'skipped' }), 'allowed-cancels': 'build' },
      });
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.outputs['failed-jobs'] as string)).toEqual(['test']);
      const contents = github.seen('GET', /\/contents\//);
      expect(contents).toHaveLength(1);
      expect(contents[0]?.path).toBe('/repos/ai-dynamo/dynamo/contents/.github/workflows/pr.yaml');
      expect(contents[0]?.query.get('ref')).toBe('abc123');
      expect(result.summary).toContain(
        'skipped because build was cancelled: a dependency skip counts as a cancellation',
      );
    } finally {
      job.cleanup();
    }
  });

  it('judges 1000 matrix legs read through the jobs API in at most 10 requests', async () => {
    github.requests.length = 0;
    const legs: FakeJob[] = [{ name: 'changed-files' }];
    for (let index = 0; legs.length < 999; index++) {
      legs.push({
        name: `vllm-test (amd64, ${index})`,
        conclusion: index === 500 ? 'failure' : index === 997 ? 'cancelled' : 'success',
      });
    }
    legs.push({ name: 'backend-status-check', status: 'in_progress', conclusion: null });
    expect(legs).toHaveLength(1000);
    github.setJobs(77, legs);
    const job = jobWithCheckout({ apiUrl: github.url });
    try {
      const result = await job.run('status-aggregate', {
        inputs: {
          needs: needs({ 'changed-files': 'success', 'vllm-test': 'failure' }),
          'jobs-from-api': true,
          'allowed-failures': 'vllm-test (amd64, 500)',
        },
      });
      const pages = github.seen('GET', '/repos/ai-dynamo/dynamo/actions/runs/77/jobs');
      expect(pages.length).toBeLessThanOrEqual(10);
      expect(pages.map((page) => page.query.get('per_page'))).toEqual(Array(10).fill('100'));
      expect(github.requests).toHaveLength(pages.length);
      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.outputs['failed-jobs'] as string)).toEqual(['vllm-test (amd64, 997)']);
      const report = parseReport(result.outputs.report as string);
      expect(report.jobs).toHaveLength(999);
      expect(report.jobs.find((row) => row.name === 'vllm-test (amd64, 500)')).toMatchObject({
        verdict: 'pass',
        reason: 'failed; allowed by allowed-failures',
      });
      expect(report.jobs[0]?.url).toMatch(/^https:\/\/github.com\/ai-dynamo\/dynamo\/actions\/runs\/77\/job\//);
    } finally {
      job.cleanup();
    }
  });

  it('fails with one clear error on a policy typo, an empty needs, and an API failure', async () => {
    const typo = await new SimulatedJob().run('status-aggregate', {
      inputs: { needs: needs({ build: 'success' }), 'allowed-failures': 'biuld' },
    });
    expect(typo.exitCode).toBe(1);
    expect(typo.errors.map((error) => error.message)).toEqual([
      `Input 'allowed-failures' names "biuld", which matches no job in needs (build). Fix the name or add the job to this job's \`needs:\`.`,
    ]);
    expect(typo.outputs).toEqual({});

    const empty = await new SimulatedJob().run('status-aggregate', { inputs: { needs: '{}' } });
    expect(empty.exitCode).toBe(1);
    expect(empty.errors[0]?.message).toMatch(/^Input 'needs' is empty/);

    github.fault({
      path: /\/actions\/runs\/88\/jobs/,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    });
    const denied = await new SimulatedJob({ apiUrl: github.url, runId: 88, token: 't' }).run('status-aggregate', {
      inputs: { needs: needs({ build: 'success' }), 'jobs-from-api': true },
    });
    expect(denied.exitCode).toBe(1);
    expect(denied.errors.map((error) => error.message)).toEqual([
      expect.stringMatching(
        /^GitHub API GET .*\/actions\/runs\/88\/jobs.* failed with HTTP 403: Resource not accessible by integration\. Check the token and the workflow `permissions:`\.$/,
      ),
    ]);
    github.clearFaults();
  });
});

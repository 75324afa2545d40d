import { readFileSync } from 'node:fs';
import { InputError, parseReport, type RunJob } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { evaluateGate } from '../src/gate.js';
import { jobIdMatcher, parseWorkflow, ungatedJobs, workflowPathFromRef } from '../src/graph.js';
import { type NeedsResult, parseInputs, splitPolicy } from '../src/inputs.js';

const prYaml = parseWorkflow(readFileSync(new URL('./fixtures/pr.yaml', import.meta.url), 'utf8'), 'pr.yaml');

/** The dynamo-status-check graph of upstream's container-validation-dynamo.yml. */
const dynamoYaml = parseWorkflow(
  `jobs:
  changed-files: {runs-on: x}
  build: {needs: changed-files, if: "needs.changed-files.outputs.core == 'true'", runs-on: x}
  rust-checks: {needs: build, runs-on: x}
  mypy: {needs: build, runs-on: x}
  test-parallel: {needs: build, runs-on: x}
  test-sequential: {needs: build, runs-on: x}
  test-generic-gpu: {needs: build, runs-on: x}
  dynamo-status-check: {needs: [changed-files, build, rust-checks, mypy, test-parallel, test-sequential, test-generic-gpu], if: always(), runs-on: x}
`,
  'container-validation-dynamo.yml',
);

/** The pre-merge-status-check graph of pre-merge.yml. */
const preMergeYaml = parseWorkflow(
  `jobs:
  changed-files: {runs-on: x}
  pre-commit: {runs-on: x}
  rust-tests: {needs: changed-files, if: "needs.changed-files.outputs.rust == 'true'", runs-on: x}
  rust-clippy: {needs: changed-files, if: "needs.changed-files.outputs.rust == 'true'", runs-on: x}
  pre-merge-status-check: {needs: [changed-files, pre-commit, rust-tests, rust-clippy], if: always(), runs-on: x}
`,
  'pre-merge.yml',
);

const gateNeeds = (graph: ReturnType<typeof parseWorkflow>, gate: string) => graph.jobs.get(gate)?.needs ?? [];

function needsJson(ids: readonly string[], results: Record<string, NeedsResult>, fallback: NeedsResult) {
  return JSON.stringify(Object.fromEntries(ids.map((id) => [id, { result: results[id] ?? fallback, outputs: {} }])));
}

function gate(
  graph: ReturnType<typeof parseWorkflow> | undefined,
  ids: readonly string[],
  results: Record<string, NeedsResult>,
  options: { fallback?: NeedsResult; policy?: Record<string, string>; apiJobs?: RunJob[]; perLeg?: boolean } = {},
) {
  const raw: Record<string, string> = {
    needs: needsJson(ids, results, options.fallback ?? 'success'),
    'allowed-skips': '*',
    ...options.policy,
  };
  const inputs = parseInputs((name) => raw[name]);
  return evaluateGate({
    inputs,
    graph,
    apiJobs: options.apiJobs,
    perLeg: options.perLeg ?? false,
    run: {},
    gate: 'gate',
  });
}

const backend = gateNeeds(prYaml, 'backend-status-check');
const deploy = gateNeeds(prYaml, 'deploy-status-check');
const dynamo = gateNeeds(dynamoYaml, 'dynamo-status-check');
const preMerge = gateNeeds(preMergeYaml, 'pre-merge-status-check');
const deployInputs = Object.fromEntries(
  ['vllm', 'sglang', 'trtllm'].flatMap((fw) => [
    [`${fw}-copy-to-acr`, 'success'],
    [`${fw}-multi-gpu-test`, 'success'],
  ]),
);
const skippedAll = (ids: readonly string[], except: string[] = []) =>
  Object.fromEntries(ids.filter((id) => !except.includes(id)).map((id) => [id, 'skipped' as NeedsResult]));

describe('the upstream gates under the default policy', () => {
  const cases: {
    name: string;
    graph: ReturnType<typeof parseWorkflow>;
    ids: readonly string[];
    results: Record<string, NeedsResult>;
    policy?: Record<string, string>;
    /** Results of jobs outside needs, as the API reports them (the action reads them when a skip depends on them). */
    outside?: Record<string, string>;
    result: 'success' | 'failure';
    failed: string[];
  }[] = [
    {
      name: 'backend: docs-only PR, every framework job skipped by its path filter',
      graph: prYaml,
      ids: backend,
      results: skippedAll(backend, ['changed-files']),
      result: 'success',
      failed: [],
    },
    {
      name: 'backend: everything built and tested',
      graph: prYaml,
      ids: backend,
      results: {},
      result: 'success',
      failed: [],
    },
    {
      name: 'backend: vllm build failed, its tests are dependency skips, copy-to-acr (always()) a condition skip',
      graph: prYaml,
      ids: backend,
      results: {
        'vllm-build': 'failure',
        'vllm-test': 'skipped',
        'vllm-multi-gpu-test': 'skipped',
        'vllm-copy-to-acr': 'skipped',
      },
      result: 'failure',
      failed: ['vllm-build', 'vllm-test', 'vllm-multi-gpu-test'],
    },
    {
      name: 'backend: changed-files failed, so everything else is a dependency skip',
      graph: prYaml,
      ids: backend,
      results: { ...skippedAll(backend), 'changed-files': 'failure' },
      result: 'failure',
      failed: backend.filter((id) => !id.endsWith('copy-to-acr')),
    },
    {
      name: 'backend: a cancelled test fails the gate (upstream let nothing but success/skipped through either)',
      graph: prYaml,
      ids: backend,
      results: { 'sglang-test': 'cancelled', 'sglang-copy-to-acr': 'skipped' },
      result: 'failure',
      failed: ['sglang-test'],
    },
    {
      name: 'backend: planner-test skipped because planner-build was cancelled',
      graph: prYaml,
      ids: backend,
      results: { 'planner-build': 'cancelled', 'planner-test': 'skipped' },
      policy: { 'allowed-cancels': 'planner-build' },
      result: 'failure',
      failed: ['planner-test'],
    },
    {
      name: 'deploy: upstream tolerated cancels; the default no longer does',
      graph: prYaml,
      ids: deploy,
      results: { 'deploy-test-vllm': 'cancelled' },
      outside: deployInputs,
      result: 'failure',
      failed: ['deploy-test-vllm'],
    },
    {
      name: "deploy: upstream's policy spelled out (allowed-cancels: *)",
      graph: prYaml,
      ids: deploy,
      results: { 'deploy-test-vllm': 'cancelled', 'deploy-test-sglang': 'skipped' },
      outside: {
        ...deployInputs,
        'changed-files': 'success',
        'sglang build (amd64)': 'skipped',
        'sglang build (arm64)': 'skipped',
        'sglang-copy-to-acr': 'skipped',
        'sglang-multi-gpu-test': 'skipped',
      },
      policy: { 'allowed-cancels': '*' },
      result: 'success',
      failed: [],
    },
    {
      name: 'deploy: deploy-operator failed, the deploy tests are dependency skips',
      graph: prYaml,
      ids: deploy,
      results: { 'deploy-operator': 'failure', ...skippedAll(deploy, ['deploy-operator']) },
      outside: { 'changed-files': 'success', operator: 'success' },
      result: 'failure',
      failed: deploy,
    },
    {
      name: 'deploy: nothing to deploy on a PR (deploy-operator skipped by its condition)',
      graph: prYaml,
      ids: deploy,
      results: skippedAll(deploy),
      outside: { ...deployInputs, 'changed-files': 'success', operator: 'skipped' },
      result: 'success',
      failed: [],
    },
    {
      name: 'dynamo: build failed, every test job is a dependency skip',
      graph: dynamoYaml,
      ids: dynamo,
      results: { ...skippedAll(dynamo, ['changed-files']), build: 'failure' },
      result: 'failure',
      failed: dynamo.filter((id) => id !== 'changed-files'),
    },
    {
      name: 'dynamo: a non-core change skips build by condition and the rest by that skip',
      graph: dynamoYaml,
      ids: dynamo,
      results: skippedAll(dynamo, ['changed-files']),
      result: 'success',
      failed: [],
    },
    {
      name: 'dynamo: mypy allowed to fail',
      graph: dynamoYaml,
      ids: dynamo,
      results: { mypy: 'failure' },
      policy: { 'allowed-failures': 'mypy' },
      result: 'success',
      failed: [],
    },
    {
      name: 'pre-merge: no Rust change',
      graph: preMergeYaml,
      ids: preMerge,
      results: { 'rust-tests': 'skipped', 'rust-clippy': 'skipped' },
      result: 'success',
      failed: [],
    },
    {
      name: 'pre-merge: pre-commit required, and it failed',
      graph: preMergeYaml,
      ids: preMerge,
      results: { 'pre-commit': 'failure' },
      policy: { required: 'pre-commit', 'allowed-failures': 'pre-commit' },
      result: 'failure',
      failed: ['pre-commit'],
    },
    {
      name: 'pre-merge: rust-* required, so a skip is not enough',
      graph: preMergeYaml,
      ids: preMerge,
      results: { 'rust-tests': 'skipped', 'rust-clippy': 'skipped' },
      policy: { required: 'rust-*' },
      result: 'failure',
      failed: ['rust-tests', 'rust-clippy'],
    },
    {
      name: 'pre-merge: allowed-skips narrowed to rust-*, changed-files skipped is a failure',
      graph: preMergeYaml,
      ids: preMerge,
      results: { 'changed-files': 'skipped', 'rust-tests': 'skipped', 'rust-clippy': 'skipped' },
      policy: { 'allowed-skips': 'rust-*' },
      result: 'failure',
      failed: ['changed-files'],
    },
  ];
  it.each(cases)('$name', ({ graph, ids, results, policy, outside, result, failed }) => {
    const apiJobs = Object.entries(outside ?? {}).map(([name, conclusion]) => ({
      name,
      status: 'completed',
      conclusion,
    }));
    const outcome = gate(graph, ids, results, { policy, apiJobs });
    expect(outcome.report.result).toBe(result);
    expect(outcome.failedJobs).toEqual(failed);
    expect(outcome.warnings).toEqual([]);
    expect(outcome.report.jobs.map((job) => job.id)).toEqual(ids);
    // The report survives the round trip slack-notify does.
    expect(parseReport(JSON.stringify(outcome.report))).toEqual(JSON.parse(JSON.stringify(outcome.report)));
  });
});

describe('reasons and skip kinds', () => {
  it('names the failed dependency, also through a chain of skips', () => {
    const outcome = gate(prYaml, ['changed-files', 'vllm-build', 'vllm-test', 'deploy-test-vllm'], {
      'changed-files': 'failure',
      'vllm-build': 'skipped',
      'vllm-test': 'skipped',
      'deploy-test-vllm': 'skipped',
    });
    const byId = Object.fromEntries(outcome.report.jobs.map((job) => [job.id, job]));
    expect(byId['vllm-build']).toMatchObject({
      skip: 'dependency',
      cause: 'changed-files',
      verdict: 'fail',
      reason: 'skipped because changed-files failed: a dependency skip counts as a failure',
    });
    expect(byId['vllm-test']).toMatchObject({ skip: 'dependency', cause: 'changed-files' });
    expect(byId['vllm-test']?.reason).toContain('(through vllm-build)');
    // Outside needs: vllm-multi-gpu-test must have been skipped too (it needs vllm-build).
    expect(byId['deploy-test-vllm']).toMatchObject({ verdict: 'fail', skip: 'dependency', cause: 'changed-files' });
    expect(outcome.warnings).toEqual([]);
  });

  it('lets a dependency skip through only when the skipped job may itself fail', () => {
    const outcome = gate(
      prYaml,
      ['vllm-build', 'vllm-compliance'],
      { 'vllm-build': 'failure', 'vllm-compliance': 'skipped' },
      {
        policy: { 'allowed-failures': 'vllm-build, vllm-compliance' },
      },
    );
    expect(outcome.report.result).toBe('success');
    expect(outcome.report.jobs[1]?.reason).toBe('skipped because vllm-build failed; allowed by allowed-failures');
  });

  it('sees a failure outside needs through the API jobs (the hand-maintained list left vllm-build out)', () => {
    const apiJobs: RunJob[] = [
      { name: 'vllm build (amd64)', status: 'completed', conclusion: 'failure' },
      { name: 'vllm build (arm64)', status: 'completed', conclusion: 'success' },
      { name: 'gate', status: 'in_progress', conclusion: null },
    ];
    const outcome = gate(prYaml, ['changed-files', 'vllm-test'], { 'vllm-test': 'skipped' }, { apiJobs });
    expect(outcome.failedJobs).toEqual(['vllm-test']);
    expect(outcome.report.jobs[1]).toMatchObject({ skip: 'dependency', cause: 'vllm-build' });
  });

  it('warns and treats a skip as a condition skip when there is no graph', () => {
    const outcome = gate(
      undefined,
      ['a', 'b'],
      { a: 'failure', b: 'skipped' },
      { policy: { 'allowed-failures': 'a' } },
    );
    expect(outcome.report.result).toBe('success');
    expect(outcome.report.jobs[1]).toMatchObject({ skip: 'unknown', verdict: 'pass' });
    expect(outcome.warnings).toEqual([expect.stringContaining('Could not tell whether b was skipped')]);
  });

  it('fails a cancelled job by default and says which input would allow it', () => {
    const outcome = gate(undefined, ['a'], { a: 'cancelled' });
    expect(outcome.report.jobs[0]?.reason).toBe('cancelled, and it is not in allowed-cancels');
  });
});

describe('per-leg judgement from the API', () => {
  const legs = (conclusions: Record<string, string>): RunJob[] =>
    Object.entries(conclusions).map(([name, conclusion]) => ({
      name,
      status: 'completed',
      conclusion,
      url: `https://github.com/o/r/actions/runs/1/job/${encodeURIComponent(name)}`,
    }));

  it('allows one matrix leg to fail and not the others', () => {
    const apiJobs = legs({
      'changed-files': 'success',
      'vllm-test (amd64, 12.9)': 'success',
      'vllm-test (arm64, 13.0)': 'failure',
      'vllm-test (amd64, 13.0)': 'timed_out',
    });
    const outcome = gate(
      prYaml,
      ['changed-files', 'vllm-test'],
      { 'vllm-test': 'failure' },
      {
        apiJobs,
        perLeg: true,
        policy: { 'allowed-failures': 'vllm-test (arm64*)' },
      },
    );
    expect(outcome.failedJobs).toEqual(['vllm-test (amd64, 13.0)']);
    expect(outcome.report.jobs.map((job) => [job.name, job.verdict])).toEqual([
      ['changed-files', 'pass'],
      ['vllm-test (amd64, 12.9)', 'pass'],
      ['vllm-test (arm64, 13.0)', 'pass'],
      ['vllm-test (amd64, 13.0)', 'fail'],
    ]);
    expect(outcome.report.jobs[3]?.url).toContain('/job/');
  });

  it('maps legs of a job with a `name:` template and of a reusable workflow', () => {
    const match = jobIdMatcher(['vllm-build', 'vllm-build-extra', 'deploy'], {
      source: 'x',
      jobs: new Map([
        [
          'vllm-build',
          {
            id: 'vllm-build',
            needs: [],
            name: 'vllm build (${{ matrix.arch }})',
            continueOnError: false,
            reusable: false,
          },
        ],
        ['vllm-build-extra', { id: 'vllm-build-extra', needs: [], continueOnError: false, reusable: false }],
        ['deploy', { id: 'deploy', needs: [], name: 'Deploy', continueOnError: false, reusable: true }],
      ]),
    });
    expect(match('vllm build (arm64)')).toBe('vllm-build');
    expect(match('vllm-build-extra (1)')).toBe('vllm-build-extra');
    expect(match('vllm-build')).toBe('vllm-build');
    expect(match('Deploy / test (agg) / run')).toBe('deploy');
    expect(match('Deployment')).toBeUndefined();
  });

  it('passes a failed leg of a job whose needs result is success (continue-on-error)', () => {
    const outcome = gate(
      undefined,
      ['t'],
      {},
      { apiJobs: legs({ 't (1)': 'failure', 't (2)': 'success' }), perLeg: true },
    );
    expect(outcome.report.result).toBe('success');
    expect(outcome.report.jobs[0]?.reason).toContain('continue-on-error');
    const strict = gate(
      undefined,
      ['t'],
      {},
      {
        apiJobs: legs({ 't (1)': 'failure' }),
        perLeg: true,
        policy: { required: 't (1)' },
      },
    );
    expect(strict.failedJobs).toEqual(['t (1)']);
  });

  it('fails a leg that had not finished, and warns about a needed job with no legs', () => {
    const outcome = gate(
      undefined,
      ['t', 'u'],
      {},
      { apiJobs: [{ name: 't', status: 'in_progress', conclusion: null }], perLeg: true },
    );
    expect(outcome.failedJobs).toEqual(['t']);
    expect(outcome.warnings).toEqual([expect.stringContaining("No job named like 'u'")]);
  });
});

it('splits policy lists on newlines and on commas outside parentheses', () => {
  expect(splitPolicy('a, b\ntest (amd64, 12.9), c*\n# comment\n\n  d  ')).toEqual([
    'a',
    'b',
    'test (amd64, 12.9)',
    'c*',
    'd',
  ]);
});

describe('bad input', () => {
  it.each([
    [{ needs: '{}' }, "Input 'needs' is empty"],
    [{ needs: '' }, 'Input required and not supplied: needs'],
    [{ needs: '[1]' }, "Input 'needs' must be a JSON object of jobs"],
    [{ needs: '{"a": {"result": "bogus"}}' }, `Input 'needs' entry "a" has result "bogus"`],
    [{ needs: '{nope' }, "Input 'needs' must be valid JSON"],
    [{ needs: '{"a":{"result":"success"}}', 'jobs-from-api': 'maybe' }, "Input 'jobs-from-api' must be true or false"],
  ])('%j -> %s', (raw, message) => {
    expect(() => parseInputs((name) => (raw as Record<string, string>)[name])).toThrow(message);
  });

  it('rejects a policy name that matches no job (a typo must not weaken the gate)', () => {
    const run = () => gate(prYaml, backend, {}, { policy: { 'allowed-failures': 'vllm-compliace, vllm-test' } });
    expect(run).toThrow(InputError);
    expect(run).toThrow(
      /^Input 'allowed-failures' names "vllm-compliace", which matches no job in needs \(changed-files, operator/,
    );
    expect(() => gate(prYaml, backend, {}, { policy: { required: 'nope-*' } })).toThrow(
      'Input \'required\' names "nope-*"',
    );
  });
});

it('finds the workflow path in GITHUB_WORKFLOW_REF', () => {
  expect(workflowPathFromRef('ai-dynamo/dynamo/.github/workflows/pr.yaml@refs/heads/pull-request/12')).toEqual({
    path: '.github/workflows/pr.yaml',
    ref: 'refs/heads/pull-request/12',
  });
  expect(workflowPathFromRef(undefined)).toBeUndefined();
});

it('lists the jobs a gate does not cover', () => {
  expect(ungatedJobs(prYaml, 'backend-status-check')).toEqual([
    'vllm-compliance',
    'deploy-test-vllm',
    'sglang-compliance',
    'deploy-test-sglang',
    'trtllm-compliance',
    'deploy-test-trtllm',
    'deploy-operator',
    'deploy-status-check',
    'unguarded-check',
  ]);
  expect(ungatedJobs(dynamoYaml, 'dynamo-status-check')).toEqual([]);
  expect(ungatedJobs(dynamoYaml, 'not-a-job')).toEqual([]);
});

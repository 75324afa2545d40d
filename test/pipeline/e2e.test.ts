/**
 * End-to-end: the real bundles in pipeline order (scripts/pipeline, the same orchestrator
 * `pnpm demo` uses) on a git copy of examples/dynamo-example, one scenario per test. Images are
 * really built with buildah and pushed to Debian's docker-registry where both are installed
 * (CI installs them and sets DYNAMO_CI_REQUIRE_TOOLS=1, which turns a missing tool into a failure);
 * otherwise builds are planned only and the scenarios check the plan. GPU legs never run here.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { applyChange, type CHANGES, createExampleRepo } from '../../scripts/pipeline/example-repo.mjs';
import { type PipelineJob, type PipelineOptions, runPipeline } from '../../scripts/pipeline/pipeline.mjs';
import { detectTools } from '../../scripts/pipeline/tools.mjs';

const tools = detectTools();
if (process.env.DYNAMO_CI_REQUIRE_TOOLS === '1' && !(tools.build && tools.pytest)) {
  throw new Error(
    'DYNAMO_CI_REQUIRE_TOOLS=1 but buildah, /usr/bin/docker-registry or Debian pytest is missing (apt-get install buildah docker-registry python3-pytest python3-pytest-xdist python3-pytest-timeout)',
  );
}
const build = tools.build ? 'real' : 'plan';
/** Run bundles from DYNAMO_CI_ACTIONS_DIR when set (a snapshot of the bundles, taken while others rebuild them). */
const actionsDir = process.env.DYNAMO_CI_ACTIONS_DIR;

const repositories: string[] = [];
afterAll(() => {
  for (const dir of repositories) rmSync(dir, { recursive: true, force: true });
});

async function scenario(change: keyof typeof CHANGES | undefined, options: Partial<PipelineOptions> = {}) {
  const { repo, base } = createExampleRepo();
  repositories.push(repo.dir);
  const head = change ? applyChange(repo, change) : base;
  return runPipeline({ repo: repo.dir, event: 'pull-request', base, head, tools, build, actionsDir, ...options });
}

const legsOf = (jobs: PipelineJob[], workflow: string, id: string) =>
  jobs.filter((job) => job.workflow === workflow && job.id === id && job.leg !== undefined);
const jobOf = (jobs: PipelineJob[], workflow: string, id: string) =>
  jobs.find((job) => job.workflow === workflow && job.id === id && job.leg === undefined) as PipelineJob;
const ran = (legs: PipelineJob[]) => legs.filter((leg) => leg.status !== 'not-run');
/** Legs that ran and did not succeed, each with what its step said: a failure here says why. */
const failed = (legs: PipelineJob[]) =>
  ran(legs)
    .filter((leg) => leg.status !== 'success')
    .map((leg) =>
      [
        `${leg.leg}: ${leg.status}`,
        ...(leg.step?.errors ?? []).map((error) => error.message),
        ...(leg.step?.log ?? []).slice(-20),
        (leg.step?.stderr ?? '').slice(-2000),
      ].join('\n'),
    );

describe.sequential('the pipeline on the example repository', () => {
  it('docs-only PR: nothing built, every gate green', { timeout: 120_000 }, async () => {
    const run = await scenario('docs');
    const changes = jobOf(run.jobs, 'backend.yml', 'changes');
    expect(JSON.parse(changes.changes?.changes as string)).toEqual(['all', 'docs']);
    expect(changes.plan?.decisions.every((decision) => !decision.selected)).toBe(true);
    for (const workflow of ['backend.yml', 'core-validation.yml']) {
      expect(jobOf(run.jobs, workflow, 'build')).toMatchObject({
        status: 'skipped',
        reason: 'no image needs building for this change',
      });
      expect(jobOf(run.jobs, workflow, 'test').status).toBe('skipped');
    }
    expect(run.gates).toEqual({
      'copyright-checks': 'success',
      'dynamo-status-check': 'success',
      'backend-status-check': 'success',
    });
    if (run.realBuild) expect(run.registryTags).toEqual([]);
  });

  it('vLLM-only change: only the vLLM images and tests, each test on the image its build pushed', {
    timeout: 180_000,
  }, async () => {
    const run = await scenario('vllm');
    // The push to pull-request/123 resolved the PR's merge base through the (fake) GitHub API.
    expect(jobOf(run.jobs, 'backend.yml', 'changes').changes?.reason).toContain('merge base');
    const builds = legsOf(run.jobs, 'backend.yml', 'build');
    expect(builds.map((leg) => leg.leg)).toEqual([
      'vllm cuda12.9 amd64',
      'vllm cuda12.9 arm64',
      'vllm cuda13.0 amd64',
      'vllm cuda13.0 arm64',
    ]);
    expect(failed(builds)).toEqual([]);
    const tests = legsOf(run.jobs, 'backend.yml', 'test');
    expect(new Set(tests.map((leg) => leg.leg?.split(' ')[0]))).toEqual(new Set(['vllm']));
    expect(tests).toHaveLength(8);
    // The CPU legs ran for real; the GPU legs are selected but cannot run on this machine.
    expect(ran(tests).map((leg) => leg.leg)).toEqual([
      'vllm cuda12.9 amd64 gpu_0',
      'vllm cuda12.9 arm64 gpu_0',
      'vllm cuda13.0 amd64 gpu_0',
      'vllm cuda13.0 arm64 gpu_0',
    ]);
    for (const leg of ran(tests)) {
      expect(leg.step?.outputs['marker-expression']).toBe('pre_merge and vllm and gpu_0');
      expect(leg.step?.outputs.passed).toBe('2');
      expect(builds.map((b) => b.image)).toContain(leg.image);
    }
    expect(tests.find((leg) => leg.leg === 'vllm cuda12.9 amd64 gpu_1')?.reason).toContain('needs a GPU');
    if (run.realBuild) {
      for (const leg of builds) {
        expect(leg.status).toBe('success');
        expect(leg.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
      const tags = run.registryTags ?? [];
      expect(tags.filter((tag) => tag.includes('-vllm-'))).toHaveLength(4);
      expect(tags.some((tag) => /sglang|trtllm|frontend|operator/.test(tag))).toBe(false);
    }
    expect(run.gates['backend-status-check']).toBe('success');
    expect(run.gates['dynamo-status-check']).toBe('success');
  });

  it('core change: every framework and the frontend', { timeout: 240_000 }, async () => {
    const run = await scenario('core');
    const changes = JSON.parse(jobOf(run.jobs, 'backend.yml', 'changes').changes?.changes as string);
    expect(changes).toEqual(expect.arrayContaining(['core', 'frontend', 'rust']));
    const builds = legsOf(run.jobs, 'backend.yml', 'build');
    const frameworks = (legs: PipelineJob[]) => [...new Set(legs.map((leg) => leg.leg?.split(' ')[0]))].sort();
    expect(frameworks(builds)).toEqual(['frontend', 'sglang', 'trtllm', 'vllm']);
    expect(builds).toHaveLength(12);
    expect(failed(builds)).toEqual([]);
    expect(frameworks(ran(legsOf(run.jobs, 'backend.yml', 'test')))).toEqual(['sglang', 'trtllm', 'vllm']);
    expect(run.gates['backend-status-check']).toBe('success');
  });

  it('a change no filter covers: the coverage guard fails the change detection and the gate', {
    timeout: 120_000,
  }, async () => {
    const run = await scenario('uncovered', { build: 'plan' });
    const changes = jobOf(run.jobs, 'backend.yml', 'changes');
    expect(changes.status).toBe('failure');
    const error = changes.step?.errors.map((e) => e.message).join('\n');
    expect(error).toContain('tools/bench/main.go');
    expect(error).toContain('.github/filters.yaml');
    expect(jobOf(run.jobs, 'backend.yml', 'build').status).toBe('skipped');
    expect(run.gates['backend-status-check']).toBe('failure');
    const gate = jobOf(run.jobs, 'backend.yml', 'backend-status-check');
    expect(JSON.parse(gate.step?.outputs['failed-jobs'] as string)).toContain('changes');
  });

  it('a file without an SPDX header: copyright-checks is red and says where', { timeout: 180_000 }, async () => {
    const run = await scenario('missing-header', { build: 'plan' });
    const check = jobOf(run.jobs, 'pr-checks.yml', 'copyright-checks');
    expect(check.status).toBe('failure');
    expect(check.step?.errors.map((error) => error.file)).toContain('components/src/dynamo/vllm/metrics.py');
    expect(JSON.parse(check.step?.outputs['failed-files'] as string)).toEqual([
      'components/src/dynamo/vllm/metrics.py',
    ]);
    expect(run.gates['copyright-checks']).toBe('failure');
  });

  it('a failing and a flaky test: the backend gate is red and Slack names the failed job', {
    timeout: 180_000,
  }, async () => {
    // tests/** is in the core filter: every framework is planned; only the vLLM legs select the new tests.
    const run = await scenario('failing-test', {
      build: 'plan',
      slack: 'fake',
      inputs: { 'backend.yml': { 'notify-on': 'failure', 'slack-mention': '<!subteam^S0OPS>' } },
    });
    const all = ran(legsOf(run.jobs, 'backend.yml', 'test'));
    const tests = all.filter((leg) => leg.leg?.startsWith('vllm '));
    expect(tests).toHaveLength(4);
    expect(all.filter((leg) => !leg.leg?.startsWith('vllm ')).every((leg) => leg.status === 'success')).toBe(true);
    for (const leg of tests) {
      expect(leg.status).toBe('failure');
      expect(leg.step?.outputs.failed).toBe('1');
      expect(leg.step?.outputs.flaky).toBe('1');
      expect(leg.step?.errors.map((error) => error.message).join('\n')).toContain(
        'test_vllm_tensor_parallel_flag_is_renamed',
      );
    }
    expect(run.gates['backend-status-check']).toBe('failure');
    const notify = jobOf(run.jobs, 'backend.yml', 'notify-slack');
    expect(notify.status).toBe('success');
    expect(run.slackReceived).toHaveLength(1);
    const text = JSON.stringify(run.slackReceived?.[0]);
    // The failed job by its id (per-leg names need status-aggregate to map "<caller> / <job>" API names).
    expect(text).toContain(':x: test (failure)');
    expect(text).toContain('https://github.com/ai-dynamo/dynamo/actions/runs/4242');
    expect(text).toContain('<!subteam^S0OPS>');
    // The title backend.yml gives slack-notify.
    expect(text).toContain('Backend builds and tests');
    expect(text).not.toContain('ghs_simulated_run_token');
  });

  it('a deployment that never gets Ready: deploy gate red, nothing left in the cluster', {
    timeout: 180_000,
  }, async () => {
    const unit =
      "- {name: vllm, when: [core, vllm, deploy], cuda: ['12.9'], arch: [amd64], dockerfile: container/templates/vllm_runtime.Dockerfile, target: runtime, tests: true, deploy-cuda: '12.9'}";
    const run = await scenario('vllm', {
      event: 'dispatch',
      deploy: { scenario: 'never-ready', timeout: '3s' },
      inputs: { 'backend.yml': { units: unit, 'deploy-profiles': '{vllm: [agg]}', 'test-gpus': '0' } },
    });
    expect(run.gates['backend-status-check']).toBe('success');
    const [deploy] = legsOf(run.jobs, 'backend.yml', 'deploy-test');
    expect(deploy?.status).toBe('failure');
    expect(deploy?.step?.errors.map((error) => error.message).join('\n')).toMatch(/Ready|timed out|not ready/i);
    expect(deploy?.post?.exitCode).toBe(0);
    expect(run.gates['deploy-status-check']).toBe('failure');
    expect(run.kubernetes?.graphs).toEqual([]);
    expect(run.kubernetes?.namespaces.filter((name) => name.startsWith('ci-'))).toEqual([]);
    expect(run.kubernetes?.terminating).toEqual([deploy?.step?.outputs.namespace]);
  });

  it('nightly: every framework, tests without a lifecycle filter', { timeout: 240_000 }, async () => {
    const run = await scenario(undefined, { event: 'nightly', slack: 'fake' });
    const builds = legsOf(run.jobs, 'test-suite.yml', 'build');
    expect(new Set(builds.map((leg) => leg.leg?.split(' ')[0]))).toEqual(new Set(['vllm', 'sglang', 'trtllm']));
    expect(builds).toHaveLength(10);
    for (const leg of builds) expect(leg.image).toContain(':nightly-');
    expect(failed(builds)).toEqual([]);
    const tests = ran(legsOf(run.jobs, 'test-suite.yml', 'test'));
    const vllm = tests.find((leg) => leg.leg === 'vllm cuda12.9 amd64 gpu_0');
    expect(vllm?.step?.outputs['marker-expression']).toBe('vllm and gpu_0');
    // pre_merge (2), post_merge (1) and nightly (1) tests: no lifecycle filter.
    expect(vllm?.step?.outputs.passed).toBe('4');
    expect(run.gates['suite-status-check']).toBe('success');
    expect(jobOf(run.jobs, 'test-suite.yml', 'notify-slack').sent).toBe('false');
    expect(run.slackReceived ?? []).toEqual([]);
  });
});

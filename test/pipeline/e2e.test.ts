/**
 * End-to-end: the example repository's real workflow files, run by the testkit's workflow engine
 * (the same local pipeline `pnpm demo` uses) with the real bundles on a git copy of
 * examples/dynamo-example, one scenario per test. Images are really built with buildah and pushed
 * to Debian's docker-registry where both are installed (CI installs them and sets
 * DYNAMO_CI_REQUIRE_TOOLS=1, which turns a missing tool into a failure); otherwise builds are
 * planned only and the scenarios check the plan. GPU legs never run here.
 */
import { rmSync } from 'node:fs';
import {
  actionStep,
  detectTools,
  type JobRecord,
  type PipelineOptions,
  painter,
  renderDigest,
  runPipeline,
  type StepRecord,
} from '@dynamo-ci/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { applyChange, type CHANGES, createExampleRepo } from '../../scripts/pipeline/example-repo.mjs';

const tools = detectTools();
if (process.env.DYNAMO_CI_REQUIRE_TOOLS === '1' && !(tools.build && tools.pytest)) {
  throw new Error(
    'DYNAMO_CI_REQUIRE_TOOLS=1 but buildah, /usr/bin/docker-registry or Debian pytest is missing (apt-get install buildah docker-registry python3-pytest python3-pytest-xdist python3-pytest-timeout)',
  );
}
const build = tools.build ? 'real' : 'plan';
/** Scenarios that check test legs need Debian's pytest; without it they skip, saying so. */
const NO_PYTEST =
  'needs Debian pytest to run the test legs (apt-get install python3-pytest python3-pytest-xdist python3-pytest-timeout)';
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
  return runPipeline({
    repo: repo.dir,
    event: 'pull-request',
    base,
    head,
    tools,
    build,
    ...(actionsDir ? { actionsDir } : {}),
    ...options,
  });
}

/** The matrix legs of job `id` of `workflow` (the file that defines it). */
const legsOf = (jobs: JobRecord[], workflow: string, id: string) =>
  jobs.filter((job) => job.workflow === workflow && job.id === id && job.matrix !== undefined);
const jobOf = (jobs: JobRecord[], workflow: string, id: string) =>
  jobs.find((job) => job.workflow === workflow && job.id === id && job.matrix === undefined) as JobRecord;
/** A leg's label: its matrix name (`vllm cuda12.9 amd64`). */
const legName = (job: JobRecord) => job.matrix?.name as string | undefined;
/** The step of the job that ran our action `action` (the old simulator's `step`). */
const step = (job: JobRecord | undefined, action: string) => actionStep(job, action) as StepRecord;
/** The run of a job's process (exit code, outputs, annotations, log). */
const result = (job: JobRecord | undefined, action: string) => step(job, action)?.result;
/** The image a build leg pushed (planned: the tag pipeline-plan's id gives it); a test leg's image. */
const buildImage = (job: JobRecord) =>
  step(job, 'build-container').outputs.image ??
  `${step(job, 'build-container').inputs['image-name']}:${step(job, 'build-container').inputs['tag-prefix']}-${job.matrix?.id}`;
const testImage = (job: JobRecord) => step(job, 'run-gpu-tests')?.inputs.image;
const ran = (legs: JobRecord[]) => legs.filter((leg) => leg.ran);
/** Legs that ran and did not succeed, each with what its step said: a failure here says why. */
const failed = (legs: JobRecord[]) =>
  ran(legs)
    .filter((leg) => leg.conclusion !== 'success')
    .map((leg) =>
      [
        `${leg.name}: ${leg.conclusion} (${leg.reason})`,
        ...leg.steps.flatMap((entry) => [
          `${entry.name}: ${entry.conclusion} ${entry.reason ?? ''}`,
          ...(entry.result?.errors ?? []).map((error) => error.message),
          ...(entry.result?.log ?? []).slice(-20),
          (entry.result?.stderr ?? '').slice(-2000),
        ]),
      ].join('\n'),
    );

describe.sequential('the pipeline on the example repository', () => {
  it('docs-only PR: nothing built, every gate green', { timeout: 120_000 }, async () => {
    const run = await scenario('docs');
    const changes = jobOf(run.jobs, 'backend.yml', 'changes');
    expect(JSON.parse(step(changes, 'changed-files').outputs.changes as string)).toEqual(['all', 'docs']);
    const decisions: { selected: boolean }[] = JSON.parse(step(changes, 'pipeline-plan').outputs.decisions as string);
    expect(decisions.every((decision) => !decision.selected)).toBe(true);
    for (const workflow of ['backend.yml', 'core-validation.yml']) {
      // Skipped by its own condition (no image needs building), not because a need failed.
      expect(jobOf(run.jobs, workflow, 'build')).toMatchObject({
        conclusion: 'skipped',
        reason: "skipped: if: needs.changes.outputs.has-builds == 'true' is false",
      });
    }
    expect(jobOf(run.jobs, 'backend.yml', 'test').conclusion).toBe('skipped');
    for (const id of ['rust-checks', 'mypy', 'test-parallel', 'test-sequential', 'test-generic-gpu']) {
      expect(jobOf(run.jobs, 'core-validation.yml', id).conclusion, id).toBe('skipped');
    }
    expect(failed(run.jobs.filter((job) => job.workflow === 'pr-checks.yml'))).toEqual([]);
    // The hooks run with this machine's pre-commit, black, isort and yamllint (the job's pip install
    // of the pinned versions is planned only, so the job counts as planned, not as a check here).
    const preCommit = jobOf(run.jobs, 'pr-checks.yml', 'pre-commit');
    if (tools.preCommit) {
      expect(preCommit.conclusion).toBe('success');
      expect(step(preCommit, 'code-checks').outputs.result).toBe('success');
    }
    expect(run.gates).toEqual({
      'copyright-checks': 'success',
      'dynamo-status-check': 'success',
      'backend-status-check': 'success',
      'frontend-status-check': 'success',
    });
    if (run.realBuild) expect(run.registryTags).toEqual([]);
  });

  it('vLLM-only change: only the vLLM images and tests, each test on the image its build pushed', {
    timeout: 180_000,
  }, async ({ skip }) => {
    skip(!tools.pytest, NO_PYTEST);
    const run = await scenario('vllm');
    // The push to pull-request/123 resolved the PR's merge base through the (fake) GitHub API.
    expect(step(jobOf(run.jobs, 'backend.yml', 'changes'), 'changed-files').outputs.reason).toContain('merge base');
    const builds = legsOf(run.jobs, 'backend.yml', 'build');
    expect(builds.map(legName)).toEqual([
      'vllm cuda12.9 amd64',
      'vllm cuda12.9 arm64',
      'vllm cuda13.0 amd64',
      'vllm cuda13.0 arm64',
    ]);
    expect(failed(builds)).toEqual([]);
    const tests = legsOf(run.jobs, 'backend.yml', 'test');
    expect(new Set(tests.map((leg) => legName(leg)?.split(' ')[0]))).toEqual(new Set(['vllm']));
    expect(tests).toHaveLength(8);
    // The CPU legs ran for real; the GPU legs are selected but cannot run on this machine.
    expect(ran(tests).map(legName)).toEqual([
      'vllm cuda12.9 amd64 gpu_0',
      'vllm cuda12.9 arm64 gpu_0',
      'vllm cuda13.0 amd64 gpu_0',
      'vllm cuda13.0 arm64 gpu_0',
    ]);
    for (const leg of ran(tests)) {
      expect(step(leg, 'run-gpu-tests').outputs['marker-expression']).toBe('pre_merge and vllm and gpu_0');
      expect(step(leg, 'run-gpu-tests').outputs.passed).toBe('2');
      expect(builds.map(buildImage)).toContain(testImage(leg));
    }
    expect(tests.find((leg) => legName(leg) === 'vllm cuda12.9 amd64 gpu_1')?.reason).toContain('needs a GPU');
    if (run.realBuild) {
      for (const leg of builds) {
        expect(leg.conclusion).toBe('success');
        expect(step(leg, 'build-container').outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      }
      const tags = run.registryTags ?? [];
      expect(tags.filter((tag) => tag.includes('-vllm-'))).toHaveLength(4);
      expect(tags.some((tag) => /sglang|trtllm|frontend|operator/.test(tag))).toBe(false);
    }
    expect(run.gates['backend-status-check']).toBe('success');
    expect(failed(run.jobs.filter((job) => job.workflow === 'core-validation.yml'))).toEqual([]);
    expect(run.gates['dynamo-status-check']).toBe('success');
  });

  it('core change: every framework and the frontend', { timeout: 300_000 }, async ({ skip }) => {
    skip(!tools.pytest, NO_PYTEST);
    // Upstream runs the Rust checks on a GPU runner; a CPU label lets this machine run them.
    const run = await scenario('core', { inputs: { 'core-validation.yml': { 'rust-runner': 'ubuntu-24.04' } } });
    const changes = JSON.parse(
      step(jobOf(run.jobs, 'backend.yml', 'changes'), 'changed-files').outputs.changes as string,
    );
    expect(changes).toEqual(expect.arrayContaining(['core', 'frontend', 'rust']));
    const builds = legsOf(run.jobs, 'backend.yml', 'build');
    const frameworks = (legs: JobRecord[]) => [...new Set(legs.map((leg) => legName(leg)?.split(' ')[0]))].sort();
    expect(frameworks(builds)).toEqual(['sglang', 'trtllm', 'vllm']);
    expect(builds).toHaveLength(10);
    expect(failed(builds)).toEqual([]);
    const frontend = legsOf(run.jobs, 'backend.yml', 'build-frontend');
    expect(frontend.map(legName)).toEqual(['frontend amd64', 'frontend arm64']);
    expect(failed(frontend)).toEqual([]);
    expect(run.gates['frontend-status-check']).toBe('success');
    expect(frameworks(ran(legsOf(run.jobs, 'backend.yml', 'test')))).toEqual(['sglang', 'trtllm', 'vllm']);
    expect(run.gates['backend-status-check']).toBe('success');
    // The core validation: the Rust checks and the CPU test jobs with NATS and etcd as their services
    // (this machine's servers), mypy; the generic GPU tests need a GPU runner.
    const validation = run.jobs.filter((job) => job.workflow === 'core-validation.yml');
    expect(failed(validation)).toEqual([]);
    for (const id of ['rust-checks', 'test-parallel', 'test-sequential']) {
      const job = jobOf(run.jobs, 'core-validation.yml', id);
      expect(job.ran, `${id}: ${job.reason}`).toBe(true);
      expect(job.notes.join('\n'), id).toMatch(/nats \(.*\) on 127\.0\.0\.1:\d+, etcd \(.*\) on 127\.0\.0\.1:\d+/);
    }
    expect(step(jobOf(run.jobs, 'core-validation.yml', 'rust-checks'), 'code-checks').outputs.result).toBe('success');
    expect(step(jobOf(run.jobs, 'core-validation.yml', 'mypy'), 'code-checks').outputs.result).toBe('success');
    // The example's NATS and etcd tests (parallel) ran against the servers: none skipped for a missing address.
    const parallel = step(jobOf(run.jobs, 'core-validation.yml', 'test-parallel'), 'run-gpu-tests').outputs;
    expect(Number(parallel.passed)).toBeGreaterThan(0);
    expect(parallel.skipped).toBe('0');
    expect(jobOf(run.jobs, 'core-validation.yml', 'test-generic-gpu').reason).toContain('needs a GPU');
    expect(run.gates['dynamo-status-check']).toBe('success');
  });

  it('a change no filter covers: the coverage guard fails the change detection and the gate', {
    timeout: 120_000,
  }, async () => {
    const run = await scenario('uncovered', { build: 'plan' });
    const changes = jobOf(run.jobs, 'backend.yml', 'changes');
    expect(changes.conclusion).toBe('failure');
    const error = result(changes, 'changed-files')
      ?.errors.map((e) => e.message)
      .join('\n');
    expect(error).toContain('tools/bench/main.go');
    expect(error).toContain('.github/filters.yaml');
    expect(jobOf(run.jobs, 'backend.yml', 'build').conclusion).toBe('skipped');
    expect(run.gates['backend-status-check']).toBe('failure');
    const gate = jobOf(run.jobs, 'backend.yml', 'backend-status-check');
    expect(JSON.parse(step(gate, 'status-aggregate').outputs['failed-jobs'] as string)).toContain('changes');
  });

  it.each([
    {
      change: 'clippy-warning',
      workflow: 'core-validation.yml',
      job: 'rust-checks',
      file: 'lib/runtime/src/lib.rs',
      gate: 'dynamo-status-check',
    },
    {
      change: 'mypy-error',
      workflow: 'core-validation.yml',
      job: 'mypy',
      file: 'components/src/dynamo/common/utils.py',
      gate: 'dynamo-status-check',
    },
    {
      change: 'go-test-failure',
      workflow: 'backend.yml',
      job: 'operator',
      file: 'deploy/operator/internal/controller/readiness_test.go',
      gate: 'backend-status-check',
    },
  ] as const)(
    'a broken check ($change): $job is red, annotated in the file it broke, and so is $gate alone',
    {
      timeout: 300_000,
    },
    async ({ change, workflow, job: id, file, gate }) => {
      const run = await scenario(change, {
        build: 'plan',
        inputs: { 'core-validation.yml': { 'rust-runner': 'ubuntu-24.04' } },
      });
      const legs = run.jobs.filter((job) => job.workflow === workflow && job.id === id);
      const broken = legs.find((leg) => leg.conclusion === 'failure');
      expect(broken, `${id}: ${legs.map((leg) => `${leg.conclusion} ${leg.reason ?? ''}`).join('; ')}`).toBeDefined();
      expect(result(broken, 'code-checks')?.errors.map((error) => error.file)).toContain(file);
      expect(run.gates[gate]).toBe('failure');
      // Only that gate: every other required check of the change stays green.
      const others = Object.entries(run.gates).filter(([name]) => name !== gate);
      expect(others.length).toBeGreaterThan(0);
      expect(others.filter(([, conclusion]) => conclusion !== 'success')).toEqual([]);
    },
  );

  it('a file without an SPDX header: copyright-checks is red and says where', { timeout: 180_000 }, async () => {
    const run = await scenario('missing-header', { build: 'plan' });
    const check = jobOf(run.jobs, 'pr-checks.yml', 'copyright-checks');
    expect(check.conclusion).toBe('failure');
    expect(result(check, 'spdx-check')?.errors.map((error) => error.file)).toContain(
      'components/src/dynamo/vllm/metrics.py',
    );
    expect(JSON.parse(step(check, 'spdx-check').outputs['failed-files'] as string)).toEqual([
      'components/src/dynamo/vllm/metrics.py',
    ]);
    expect(run.gates['copyright-checks']).toBe('failure');
  });

  it('a failing and a flaky test: the backend gate is red and Slack names the failed job', {
    timeout: 180_000,
  }, async ({ skip }) => {
    skip(!tools.pytest, NO_PYTEST);
    // tests/** is in the core filter: every framework is planned; only the vLLM legs select the new tests.
    const run = await scenario('failing-test', {
      build: 'plan',
      slack: 'fake',
      inputs: { 'backend.yml': { 'notify-on': 'failure', 'slack-mention': '<!subteam^S0OPS>' } },
    });
    const all = ran(legsOf(run.jobs, 'backend.yml', 'test'));
    const tests = all.filter((leg) => legName(leg)?.startsWith('vllm '));
    expect(tests).toHaveLength(4);
    expect(all.filter((leg) => !legName(leg)?.startsWith('vllm ')).every((leg) => leg.conclusion === 'success')).toBe(
      true,
    );
    for (const leg of tests) {
      expect(leg.conclusion).toBe('failure');
      expect(step(leg, 'run-gpu-tests').outputs.failed).toBe('1');
      expect(step(leg, 'run-gpu-tests').outputs.flaky).toBe('1');
      expect(
        result(leg, 'run-gpu-tests')
          ?.errors.map((error) => error.message)
          .join('\n'),
      ).toContain('test_vllm_tensor_parallel_flag_is_renamed');
    }
    expect(run.gates['backend-status-check']).toBe('failure');
    const notify = jobOf(run.jobs, 'backend.yml', 'notify-slack');
    expect(notify.conclusion).toBe('success');
    expect(run.slackReceived).toHaveLength(1);
    const text = JSON.stringify(run.slackReceived?.[0]);
    // The failed job by its id (per-leg names need status-aggregate to map "<caller> / <job>" API names).
    expect(text).toContain(':x: test (failure)');
    const backendRun = run.runs.find((entry) => entry.workflow === 'pr.yaml');
    expect(text).toContain(`https://github.com/ai-dynamo/dynamo/actions/runs/${backendRun?.id}`);
    expect(text).toContain('<!subteam^S0OPS>');
    // The title backend.yml gives slack-notify.
    expect(text).toContain('Backend builds and tests');
    expect(text).not.toContain('ghs_simulated_run_token');
    // The run's report: every vLLM leg's results uploaded (failed legs too) and read back through the
    // artifacts API; the failing test and the flaky one by name, and Slack links the report and names
    // the failure.
    const report = jobOf(run.jobs, 'backend.yml', 'report');
    expect(report.conclusion).toBe('success');
    const summary = result(report, 'pipeline-report')?.summary ?? '';
    expect(summary).toContain('test_vllm_tensor_parallel_flag_is_renamed');
    expect(summary).toContain('test_vllm_flaky_port_allocation');
    for (const leg of tests) expect(summary).toContain(legName(leg));
    const pipelineReport = JSON.parse(step(report, 'pipeline-report').outputs.report as string);
    // One leg per test job: each uploaded artifact found its job.
    expect(pipelineReport.counts).toMatchObject({
      failed: 4,
      flaky: 4,
      legs: legsOf(run.jobs, 'backend.yml', 'test').length,
    });
    expect(pipelineReport.failures).toHaveLength(4);
    expect(JSON.stringify(pipelineReport.failures)).toContain('test_vllm_tensor_parallel_flag_is_renamed');
    expect(text).toContain('test_vllm_tensor_parallel_flag_is_renamed');
    expect(run.artifacts.list(backendRun?.id).map((artifact) => artifact.name)).toContain('pipeline-report-history');
    // `pnpm demo` prints the report's summary line and its first failures.
    const digest = renderDigest(run, painter(false));
    expect(digest).toContain(`Run report\n  ✓ backend / report: ${step(report, 'pipeline-report').outputs.summary}`);
    expect(digest).toMatch(/ {6}\S*test_vllm_tensor_parallel_flag_is_renamed\S* \(.*vllm/);
  });

  it('a deployment that never gets Ready: deploy gate red, nothing left in the cluster', {
    timeout: 180_000,
  }, async () => {
    const unit =
      "- {name: vllm, when: [core, vllm, deploy], cuda: ['12.9'], arch: [amd64], dockerfile: container/templates/vllm_runtime.Dockerfile, target: runtime, tests: true, deploy-cuda: '12.9'}";
    const run = await scenario('vllm', {
      event: 'dispatch',
      deploy: { scenario: 'never-ready', timeout: '3s' },
      inputs: {
        'backend.yml': { units: unit, 'operator-unit': '', 'deploy-profiles': '{vllm: [agg]}', 'test-gpus': '0' },
      },
    });
    expect(run.gates['backend-status-check']).toBe('success');
    const [deploy] = legsOf(run.jobs, 'deploy.yml', 'deploy-test');
    expect(deploy?.conclusion).toBe('failure');
    expect(
      result(deploy, 'deploy-profile')
        ?.errors.map((error) => error.message)
        .join('\n'),
    ).toMatch(/Ready|timed out|not ready/i);
    expect(step(deploy, 'deploy-profile').post?.exitCode).toBe(0);
    expect(run.gates['deploy-status-check']).toBe('failure');
    expect(run.kubernetes?.graphs).toEqual([]);
    expect(run.kubernetes?.namespaces.filter((name) => name.startsWith('ci-'))).toEqual([]);
    // The run's cleanup job removed the operator's namespace, and nothing labelled with the run is left.
    const cleanup = jobOf(run.jobs, 'deploy.yml', 'cleanup');
    expect(cleanup.conclusion).toBe('success');
    expect(JSON.parse(step(cleanup, 'deploy-cleanup').outputs.namespaces as string)).toEqual([
      step(deploy, 'deploy-profile').outputs.namespace,
    ]);
    expect(run.kubernetes?.labelled).toEqual([]);
  });

  it('a deployment cancelled while it waits: its post step and the cleanup job still remove what the run created', {
    timeout: 180_000,
  }, async () => {
    const unit =
      "- {name: vllm, when: [core, vllm, deploy], cuda: ['12.9'], arch: [amd64], dockerfile: container/templates/vllm_runtime.Dockerfile, target: runtime, tests: true, deploy-cuda: '12.9'}";
    const run = await scenario('vllm', {
      event: 'dispatch',
      build: 'plan',
      deploy: { scenario: 'never-ready', timeout: '60s' },
      inputs: {
        'backend.yml': { units: unit, 'operator-unit': '', 'deploy-profiles': '{vllm: [agg]}', 'test-gpus': '0' },
      },
      // The "Cancel workflow" button, pressed once the fake cluster received the graph (the leg first
      // ensures the operator, which applies too).
      cancel: ({ kubernetes }) => [
        {
          job: /deploy vllm/,
          when: async () => {
            while (!kubernetes.applies.some((apply) => apply.kind === 'DynamoGraphDeployment'))
              await kubernetes.nextApply();
          },
        },
      ],
    });
    const [deploy] = legsOf(run.jobs, 'deploy.yml', 'deploy-test');
    expect(deploy?.conclusion).toBe('cancelled');
    expect(step(deploy, 'deploy-profile').outcome).toBe('cancelled');
    expect(step(deploy, 'deploy-profile').post?.exitCode).toBe(0);
    expect(run.kubernetes?.graphs).toEqual([]);
    expect(run.kubernetes?.namespaces.filter((name) => name.startsWith('ci-'))).toEqual([]);
    // The gate still ran (if: always()) and failed on the cancelled deployment.
    expect(run.gates['deploy-status-check']).toBe('failure');
    expect(run.runs.find((entry) => entry.workflow === 'pr.yaml')?.conclusion).toBe('cancelled');
    // The cleanup job ran after the cancel (if: always()) and removed the operator's namespace, which no
    // post step deletes: nothing labelled with the run is left.
    const cleanup = jobOf(run.jobs, 'deploy.yml', 'cleanup');
    expect(cleanup.ran).toBe(true);
    expect(JSON.parse(step(cleanup, 'deploy-cleanup').outputs.namespaces as string)).toEqual([
      step(jobOf(run.jobs, 'deploy.yml', 'deploy-operator'), 'deploy-operator').outputs.namespace,
    ]);
    expect(run.kubernetes?.labelled).toEqual([]);
  });

  it('a vLLM change on pull-request/N: its builds and tests, the always tier deployed after deploy-operator, then the cleanup', {
    timeout: 240_000,
  }, async () => {
    const run = await scenario('vllm', { build: 'plan' });
    expect(legsOf(run.jobs, 'backend.yml', 'build').map(legName)).toEqual([
      'vllm cuda12.9 amd64',
      'vllm cuda12.9 arm64',
      'vllm cuda13.0 amd64',
      'vllm cuda13.0 arm64',
    ]);
    expect(run.gates['backend-status-check']).toBe('success');
    // The operator was not rebuilt by this change: the last main image, into the run's namespace.
    const operator = jobOf(run.jobs, 'deploy.yml', 'deploy-operator');
    expect(operator.conclusion).toBe('success');
    expect(step(operator, 'deploy-operator').inputs.image).toBe(`${run.imageName}:main-operator-amd64`);
    const namespace = step(operator, 'deploy-operator').outputs.namespace as string;
    expect(namespace).toMatch(/^ci-\d+-1-operator$/);
    // Only the always tier on a pull-request/N run: vLLM disagg_router, on the image this run built.
    const legs = legsOf(run.jobs, 'deploy.yml', 'deploy-test');
    expect(legs.map(legName)).toEqual(['vllm disagg_router']);
    expect(failed(legs)).toEqual([]);
    const deploy = step(legs[0], 'deploy-profile');
    expect(deploy.inputs.namespace).toBe(namespace);
    expect(deploy.inputs.profile).toBe('examples/backends/vllm/deploy/disagg_router.yaml');
    expect(deploy.inputs.image).toBe(`${run.imageName}:${run.head}-vllm-runtime-cuda12-amd64`);
    expect(JSON.parse(deploy.outputs.response as string).choices[0].message.role).toBe('assistant');
    expect(run.gates['deploy-status-check']).toBe('success');
    const cleanup = jobOf(run.jobs, 'deploy.yml', 'cleanup');
    expect(cleanup.conclusion).toBe('success');
    expect(JSON.parse(step(cleanup, 'deploy-cleanup').outputs.namespaces as string)).toEqual([namespace]);
    expect(run.kubernetes?.labelled).toEqual([]);
  });

  it('a push to main: every image, and every tier of the deployment table', { timeout: 600_000 }, async () => {
    const run = await scenario(undefined, { event: 'post-merge', build: 'plan' });
    const legs = legsOf(run.jobs, 'deploy.yml', 'deploy-test');
    expect(legs.map(legName).sort()).toEqual(
      [
        'vllm disagg_router',
        'vllm agg',
        'vllm agg_router',
        'vllm disagg',
        'sglang agg',
        'sglang agg_router',
        'trtllm agg',
        'trtllm agg_router',
        'trtllm disagg',
        'trtllm disagg_router',
      ].sort(),
    );
    expect(failed(legs)).toEqual([]);
    for (const leg of legs) {
      expect(leg.runsOn).toEqual(['prod-default-v1']);
      expect(step(leg, 'deploy-profile').inputs.namespace).toBe(
        step(jobOf(run.jobs, 'deploy.yml', 'deploy-operator'), 'deploy-operator').outputs.namespace,
      );
    }
    // main rebuilt the operator: this run's image.
    const operator = jobOf(run.jobs, 'deploy.yml', 'deploy-operator');
    expect(step(operator, 'deploy-operator').inputs.image).toBe(`${run.imageName}:${run.head}-operator-amd64`);
    expect(run.gates['deploy-status-check']).toBe('success');
    expect(run.gates['frontend-status-check']).toBe('success');
    // The post-merge suite: the document's table, no deployments of its own.
    expect(legsOf(run.jobs, 'test-suite.yml', 'build')).toHaveLength(10);
    expect(jobOf(run.jobs, 'test-suite.yml', 'deploy').conclusion).toBe('skipped');
    expect(run.kubernetes?.labelled).toEqual([]);
  });

  it('a frontend change that breaks its image: its own gate is red, the backend gate is not', {
    timeout: 240_000,
  }, async () => {
    const units =
      '- {name: frontend, when: [frontend], arch: [amd64, arm64], dockerfile: container/templates/frontend.Dockerfile, job: frontend}';
    const run = await scenario('frontend-broken', { inputs: { 'backend.yml': { units, 'operator-unit': '' } } });
    const frontend = legsOf(run.jobs, 'backend.yml', 'build-frontend');
    expect(frontend.map(legName)).toEqual(['frontend amd64', 'frontend arm64']);
    expect(legsOf(run.jobs, 'backend.yml', 'build')).toEqual([]);
    expect(run.gates['backend-status-check']).toBe('success');
    if (run.realBuild) {
      expect(frontend.every((leg) => leg.conclusion === 'failure')).toBe(true);
      const build = result(frontend[0], 'build-container');
      expect(build?.errors.map((error) => error.message).join('\n')).toContain('buildah build failed');
      expect(`${build?.summary}\n${build?.log.join('\n')}`).toContain('config.yaml');
      expect(run.gates['frontend-status-check']).toBe('failure');
    } else {
      expect(run.gates['frontend-status-check']).toBe('success');
    }
  });

  it('nightly: every framework, tests without a lifecycle filter', { timeout: 240_000 }, async ({ skip }) => {
    skip(!tools.pytest, NO_PYTEST);
    const run = await scenario(undefined, { event: 'nightly', slack: 'fake' });
    const builds = legsOf(run.jobs, 'test-suite.yml', 'build');
    expect(new Set(builds.map((leg) => legName(leg)?.split(' ')[0]))).toEqual(new Set(['vllm', 'sglang', 'trtllm']));
    expect(builds).toHaveLength(10);
    for (const leg of builds) expect(buildImage(leg)).toContain(':nightly-');
    expect(failed(builds)).toEqual([]);
    const tests = ran(legsOf(run.jobs, 'test-suite.yml', 'test'));
    const vllm = tests.find((leg) => legName(leg) === 'vllm cuda12.9 amd64 gpu_0');
    expect(step(vllm, 'run-gpu-tests').outputs['marker-expression']).toBe('vllm and gpu_0');
    // pre_merge (2), post_merge (1) and nightly (1) tests: no lifecycle filter.
    expect(step(vllm, 'run-gpu-tests').outputs.passed).toBe('4');
    expect(run.gates['suite-status-check']).toBe('success');
    // The suite's report lists every test leg (the GPU ones with no results here) and counts the
    // tests of those that ran, from the results each uploaded; nothing failed.
    const report = step(jobOf(run.jobs, 'test-suite.yml', 'report'), 'pipeline-report');
    const summary = JSON.parse(report.outputs.report as string);
    expect(summary.counts).toMatchObject({ failed: 0, legs: legsOf(run.jobs, 'test-suite.yml', 'test').length });
    expect(summary.counts.passed).toBeGreaterThanOrEqual(
      4 * tests.filter((leg) => legName(leg)?.startsWith('vllm')).length,
    );
    expect(step(jobOf(run.jobs, 'test-suite.yml', 'notify-slack'), 'slack-notify').outputs.sent).toBe('false');
    expect(run.slackReceived ?? []).toEqual([]);
  });
});

// The local pipeline: runs the real action bundles (through the testkit's SimulatedJob) in the
// order the reusable workflows in .github/workflows run them, on a git copy of the example
// repository, and returns what a CI run page shows: every job, whether it ran and why, its
// outputs, and the gate verdicts. Shared by `pnpm demo` (scripts/demo.mjs) and the end-to-end
// tests (test/pipeline/e2e.test.ts), so both exercise the same sequence.
//
// What is real here: git, every bundle, buildah + Debian's docker-registry when installed (else the
// builds are planned only and say so), pytest on the host (engine none) for the CPU legs. What is
// not: GPU legs (no GPU here: selected, shown, not run), GitHub, Slack and Kubernetes (the testkit's
// fakes, spoken to by the real clients).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  FakeGitHub,
  FakeKubernetes,
  FakeOpenAIFrontend,
  FakeSlack,
  SimulatedJob,
} from '../../packages/testkit/dist/index.js';
import { exampleDir, repoRoot } from './example-repo.mjs';
import { buildahEnvironment, detectTools, LocalRegistry, PYTHON } from './tools.mjs';

const WORKFLOWS = join(repoRoot, '.github', 'workflows');
const CALLERS = join(exampleDir, '.github', 'workflows');
const REPOSITORY = 'ai-dynamo/dynamo';

/** The `on.workflow_call.inputs` defaults of one of our reusable workflows. */
function workflowDefaults(file) {
  const doc = parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
  const inputs = doc.on?.workflow_call?.inputs ?? {};
  return Object.fromEntries(Object.entries(inputs).map(([name, spec]) => [name, spec.default]));
}

/**
 * A caller job's `with:`, with `${{ vars.NAME }}` taken from `vars` (the repository variables); any
 * other expression, or a variable not in `vars`, leaves the input to the workflow's default.
 */
function callerWith(callerDoc, job, vars) {
  const values = callerDoc.jobs?.[job]?.with ?? {};
  const resolved = Object.entries(values).map(([name, value]) => {
    const variable = /^\$\{\{\s*vars\.(\w+)\s*\}\}$/.exec(String(value))?.[1];
    return [name, variable === undefined ? value : vars[variable]];
  });
  return Object.fromEntries(resolved.filter(([, value]) => value !== undefined && !String(value).includes('${{')));
}

/** The repository variables the example callers read (`vars.*`) that the simulation sets. */
const SIMULATED_VARS = { SLACK_OPS_MENTION: '<!subteam^S0OPS>' };

/**
 * The `title` the workflow's notify-slack job gives slack-notify; undefined when it gives none (or
 * an expression), leaving slack-notify's own default, as on GitHub.
 */
function notifyTitle(doc) {
  const step = doc.jobs?.['notify-slack']?.steps?.find((candidate) => candidate.uses?.includes('/slack-notify@'));
  const title = step?.with?.title;
  return typeof title === 'string' && !title.includes('${{') ? title : undefined;
}

const jsonOr = (text, fallback) => {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
};

/**
 * A matrix job's result the way GitHub reports it in `needs`. Legs that could not run here (GPU
 * legs; builds when buildah is missing) do not count; a build matrix that was only planned counts
 * as built, so the test selection downstream can still be shown and run on the host.
 */
function matrixResult(legs) {
  const ran = legs.filter((leg) => leg.status !== 'not-run');
  if (ran.length === 0) return legs.some((leg) => leg.planned) ? 'success' : 'skipped';
  if (ran.some((leg) => leg.status === 'failure')) return 'failure';
  if (ran.some((leg) => leg.status === 'cancelled')) return 'cancelled';
  return 'success';
}

/**
 * Run the pipeline for one event on a repository (a git working tree with `head` checked out).
 *
 * options:
 *   repo         the working tree (examples/dynamo-example as a git repository)
 *   event        'pull-request' (pull_request checks + the push to pull-request/<N>), 'dispatch',
 *                'post-merge' (push to main) or 'nightly' (schedule)
 *   base, head   the change (base is the merge base)
 *   pr           the PR number (default 123)
 *   build        'auto' (real when buildah and docker-registry are installed), 'real' or 'plan'
 *   inputs       per-workflow input overrides, as a caller's `with:` ({'backend.yml': {...}})
 *   deploy       {scenario: 'ready' | 'never-ready' | ..., timeout: '5s'} for the fake cluster
 *   slack        'dry-run' (print the payload) or 'fake' (post to the testkit's fake Slack)
 *   vars         repository variables for the callers' `${{ vars.* }}` (default: a Slack mention)
 *   actionsDir   where the action folders (action.yml + dist/) are; default actions/ of this repository
 *   onJob        called with every finished job record (for live output)
 */
export async function runPipeline(options) {
  const run = new PipelineRun(options);
  try {
    await run.start();
    if (options.event === 'pull-request') {
      await run.prChecks();
      await run.buildPipeline('core-validation.yml', {
        caller: 'validation',
        callerFile: 'container-validation-dynamo.yml',
      });
      await run.buildPipeline('backend.yml', { caller: 'backend', callerFile: 'pr.yaml' });
    } else if (options.event === 'dispatch') {
      await run.buildPipeline('backend.yml', { caller: 'backend', callerFile: 'pr.yaml' });
    } else if (options.event === 'post-merge') {
      await run.buildPipeline('test-suite.yml', { caller: 'suite', callerFile: 'post-merge-ci.yml' });
    } else if (options.event === 'nightly') {
      await run.buildPipeline('test-suite.yml', { caller: 'suite', callerFile: 'nightly-ci.yml' });
    } else throw new Error(`unknown event ${options.event}`);
    await run.collect();
    return run.result();
  } finally {
    await run.stop();
  }
}

class PipelineRun {
  constructor(options) {
    this.options = { pr: 123, build: 'auto', inputs: {}, ...options };
    this.options.actionsDir ??= join(repoRoot, 'actions');
    this.tools = options.tools ?? detectTools();
    this.jobs = [];
    this.gates = {};
    this.runId = 4242;
    this.root = mkdtempSync(join(tmpdir(), 'dynamo-pipeline-'));
    this.slackMessages = [];
  }

  async start() {
    const { build } = this.options;
    this.realBuild = build === 'real' || (build === 'auto' && this.tools.build);
    if (build === 'real' && !this.tools.build)
      throw new Error('build: real needs buildah and /usr/bin/docker-registry');
    if (this.realBuild) {
      this.registry = await LocalRegistry.start();
      this.buildahEnv = buildahEnvironment(this.root);
    }
    this.imageName = `${this.registry?.host ?? 'registry.example.com'}/ai-dynamo/dynamo`;
    this.github = await FakeGitHub.start();
    this.github.runJobs.set(this.runId, []);
    // The PR behind pull-request/<N>: changed-files finds its merge base through the API, as in CI.
    const { pr, base, head } = this.options;
    this.github.pulls.set(pr, {
      number: pr,
      state: 'open',
      title: 'A sample change',
      user: { login: 'contributor' },
      head: { sha: head, ref: 'feature/sample-change', repo: { full_name: REPOSITORY } },
      base: { sha: base, ref: 'main', repo: { full_name: REPOSITORY } },
      merge_base: base,
    });
  }

  async stop() {
    for (const server of [this.github, this.kubernetes, this.frontend, this.slack]) await server?.close();
    this.registry?.stop();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** What the outside world saw: the registry's tags and the messages Slack received. */
  async collect() {
    if (this.registry) this.registryTags = await this.registry.tags('ai-dynamo/dynamo');
    if (this.slack) this.slackReceived = this.slack.messages.map((message) => ({ ...message }));
  }

  result() {
    return {
      event: this.options.event,
      base: this.options.base,
      head: this.options.head,
      realBuild: this.realBuild,
      tools: this.tools,
      imageName: this.imageName,
      jobs: this.jobs,
      gates: this.gates,
      slack: this.slackMessages,
      kubernetes: this.kubernetes
        ? {
            // A deleted namespace stays Terminating for a moment; it is gone as far as cleanup goes.
            namespaces: [...this.kubernetes.namespaces]
              .filter(([, record]) => record.deletedAt === undefined)
              .map(([name]) => name),
            terminating: [...this.kubernetes.namespaces]
              .filter(([, record]) => record.deletedAt !== undefined)
              .map(([name]) => name),
            graphs: [...this.kubernetes.graphs.keys()],
          }
        : undefined,
      registryTags: this.registryTags,
      slackReceived: this.slackReceived,
    };
  }

  /** The GitHub context of the event, as a SimulatedJob sees it. */
  context(workflowFile, callerFile) {
    const { event, head, pr } = this.options;
    const push = (ref) => ({
      eventName: 'push',
      ref,
      event: { ref, after: head, repository: { default_branch: 'main' } },
    });
    const byEvent = {
      'pull-request': push(`refs/heads/pull-request/${pr}`),
      dispatch: {
        eventName: 'workflow_dispatch',
        ref: 'refs/heads/main',
        event: { repository: { default_branch: 'main' } },
      },
      'post-merge': push('refs/heads/main'),
      nightly: { eventName: 'schedule', ref: 'refs/heads/main', event: { schedule: '0 8 * * *' } },
    };
    return {
      ...byEvent[event],
      repository: REPOSITORY,
      sha: head,
      runId: this.runId,
      workflowRef: `${REPOSITORY}/.github/workflows/${callerFile}@${byEvent[event].ref}`,
      apiUrl: this.github.url,
      token: 'ghs_simulated_run_token',
      workflow: workflowFile,
    };
  }

  /** Run one action as one step of a job; a fresh job (runner) per call unless `job` is given. */
  async step(action, inputs, { context, workspace, env, job: existing } = {}) {
    const job = existing ?? new SimulatedJob({ ...context, workspace, env: { ...env } });
    try {
      return await job.run(join(this.options.actionsDir, action), { inputs, timeoutMs: 600_000 });
    } finally {
      if (!existing) job.cleanup();
    }
  }

  /**
   * Run matrix legs two at a time (this machine has two cores; CI runs them all at once) and record
   * them in plan order, so the output reads the same on every run.
   */
  async legs(legs, runLeg) {
    const results = new Array(legs.length);
    let next = 0;
    const worker = async () => {
      while (next < legs.length) {
        const index = next++;
        results[index] = await runLeg(legs[index]);
      }
    };
    await Promise.all([worker(), worker()]);
    return results.map((job) => this.record(job));
  }

  record(job) {
    this.jobs.push(job);
    // What the Actions jobs API would list for this run (status-aggregate jobs-from-api, Slack).
    if (job.status !== 'not-run' && job.status !== 'skipped') {
      this.github.runJobs.get(this.runId).push({
        id: this.jobs.length,
        name: job.apiName,
        status: 'completed',
        conclusion: job.status,
        workflow_name: job.workflowName,
        html_url: `https://github.com/${REPOSITORY}/actions/runs/${this.runId}/job/${this.jobs.length}`,
      });
    }
    this.options.onJob?.(job);
    return job;
  }

  async prChecks() {
    const { base, head, repo } = this.options;
    const inputs = { ...workflowDefaults('pr-checks.yml'), ...this.options.inputs['pr-checks.yml'] };
    const common = { workflow: 'pr-checks.yml', workflowName: 'Pre Merge', caller: 'checks', event: 'pull_request' };
    this.record({
      ...common,
      id: 'pre-commit',
      apiName: 'checks / pre-commit',
      status: 'not-run',
      reason: 'runs `pre-commit run --all-files` (a tool, not one of our actions): not simulated here',
    });
    const context = {
      ...this.context('pr-checks.yml', 'pre-merge.yml'),
      eventName: 'pull_request',
      ref: `refs/pull/${this.options.pr}/merge`,
      event: {
        number: this.options.pr,
        pull_request: { number: this.options.pr, base: { sha: base }, head: { sha: head } },
      },
    };
    const result = await this.step(
      'spdx-check',
      {
        scope: 'changed',
        'base-sha': base,
        'head-sha': head,
        'copyright-holder': inputs['copyright-holder'],
        license: inputs.license,
      },
      { context, workspace: repo },
    );
    this.record({
      ...common,
      id: 'copyright-checks',
      apiName: 'checks / copyright-checks',
      action: 'spdx-check',
      status: result.exitCode === 0 ? 'success' : 'failure',
      reason: 'every pull_request (required check)',
      step: result,
    });
    this.gates['copyright-checks'] = result.exitCode === 0 ? 'success' : 'failure';
  }

  /**
   * changes/plan -> build -> test -> <gate> [-> deploy -> deploy-status-check] [-> notify-slack],
   * as backend.yml, core-validation.yml and test-suite.yml run it.
   */
  async buildPipeline(file, { caller, callerFile }) {
    const { head, repo, event } = this.options;
    const doc = parse(readFileSync(join(WORKFLOWS, file), 'utf8'));
    const callerDoc = parse(readFileSync(join(CALLERS, callerFile), 'utf8'));
    const vars = this.options.vars ?? SIMULATED_VARS;
    const inputs = {
      ...workflowDefaults(file),
      ...callerWith(callerDoc, caller, vars),
      ...this.options.inputs[file],
    };
    const workflowName = callerDoc.name;
    const context = this.context(file, callerFile);
    const common = { workflow: file, workflowName, caller };
    const isSuite = file === 'test-suite.yml';
    const planJob = isSuite ? 'plan' : 'changes';
    const gateId = Object.keys(doc.jobs).find((id) => id.endsWith('status-check'));
    const onDefaultBranch = event === 'post-merge' || event === 'dispatch' || event === 'nightly';
    const needs = {};

    // 1. changed-files + pipeline-plan (or the plan alone: the suite builds everything).
    let changes;
    if (!isSuite) {
      changes = await this.step(
        'changed-files',
        {
          filters: inputs.filters,
          'force-all': String(onDefaultBranch && event !== 'dispatch'),
          uncovered: 'fail',
        },
        { context, workspace: repo },
      );
    }
    let plan;
    if (!changes || changes.exitCode === 0) {
      const deploy =
        inputs.deploy === 'auto'
          ? String(event === 'dispatch' || event === 'post-merge')
          : String(inputs.deploy ?? false);
      plan = await this.step(
        'pipeline-plan',
        {
          changes: changes?.outputs.changes ?? '[]',
          'force-all': String(isSuite),
          only: isSuite ? inputs.frameworks : undefined,
          units: inputs.units || undefined,
          runners: inputs.runners,
          'test-gpus': inputs['test-gpus'],
          deploy,
          'deploy-profiles': inputs['deploy-profiles'] || undefined,
        },
        { context, workspace: this.root },
      );
    }
    const planOk = plan?.exitCode === 0;
    const outputs = planOk ? plan.outputs : {};
    const planStatus = changes && changes.exitCode !== 0 ? 'failure' : planOk ? 'success' : 'failure';
    this.record({
      ...common,
      id: planJob,
      apiName: `${caller} / ${planJob}`,
      action: changes ? 'changed-files + pipeline-plan' : 'pipeline-plan',
      status: planStatus,
      reason: isSuite ? `${inputs.pipeline_type}: every unit, no change detection` : 'every run',
      step: changes && changes.exitCode !== 0 ? changes : plan,
      changes: changes?.outputs,
      plan: planOk
        ? {
            decisions: jsonOr(outputs.decisions, []),
            builds: jsonOr(outputs['build-matrix'], { include: [] }).include,
            tests: jsonOr(outputs['test-matrix'], { include: [] }).include,
            deploys: jsonOr(outputs['deploy-matrix'], { include: [] }).include,
          }
        : undefined,
    });
    needs[planJob] = { result: planStatus, outputs };
    const planRecord = this.jobs.at(-1).plan;
    const prefix = isSuite ? inputs.image_prefix : head;
    // Why a build or test leg runs: the plan's decision for its framework.
    const why = (leg) => planRecord.decisions.find((decision) => decision.unit === leg.framework)?.reason;

    // 2. build: one leg per image.
    const buildLegs = [];
    if (planStatus !== 'success' || outputs['has-builds'] !== 'true') {
      needs.build = { result: 'skipped', outputs: {} };
      this.record({
        ...common,
        id: 'build',
        apiName: `${caller} / build`,
        status: 'skipped',
        reason: planStatus !== 'success' ? `${planJob} failed` : 'no image needs building for this change',
      });
    } else {
      buildLegs.push(
        ...(await this.legs(planRecord.builds, async (leg) => ({
          why: why(leg),
          ...(await this.buildLeg(leg, prefix, { context, common, caller })),
        }))),
      );
      needs.build = { result: matrixResult(buildLegs), outputs: {} };
    }

    // 3. test: CPU legs on the host, GPU legs planned.
    const testLegs = [];
    if (needs.build.result !== 'success' || outputs['has-tests'] !== 'true') {
      needs.test = { result: 'skipped', outputs: {} };
      this.record({
        ...common,
        id: 'test',
        apiName: `${caller} / test`,
        status: 'skipped',
        reason: needs.build.result !== 'success' ? `build ${needs.build.result}` : 'no test legs for this change',
      });
    } else {
      const lifecycle = isSuite ? (inputs.include_nightly_marks ? 'nightly' : 'post_merge') : 'pre_merge';
      testLegs.push(
        ...(await this.legs(planRecord.tests, async (leg) => ({
          why: why(leg),
          ...(await this.testLeg(leg, prefix, lifecycle, { context, common, caller })),
        }))),
      );
      needs.test = { result: matrixResult(testLegs), outputs: {} };
    }

    // 4. deploy (suite: before its gate; PR pipeline: after the backend gate).
    let deployResult;
    const deployAfterGate = !isSuite;
    if (!deployAfterGate)
      deployResult = await this.deployStage(outputs, planRecord, prefix, { context, common, caller });
    if (isSuite) needs.deploy = { result: deployResult ?? 'skipped', outputs: {} };

    // 5. the gate.
    const gate = await this.gate(file, gateId, needs, {
      context,
      common,
      caller,
      with: doc.jobs[gateId].steps.find((step) => String(step.uses).includes('status-aggregate')).with,
    });
    if (deployAfterGate && gate.status === 'success') {
      await this.deployStage(outputs, planRecord, prefix, { context, common, caller });
    } else if (deployAfterGate && outputs['has-deploys'] === 'true') {
      this.record({
        ...common,
        id: 'deploy',
        apiName: `${caller} / deploy`,
        status: 'skipped',
        reason: `${gateId} failed`,
      });
    }

    // 6. Slack: the suite always reports; the PR pipeline when a caller sets notify-on.
    if (isSuite || inputs['notify-on']) {
      await this.notify(gate, inputs, {
        context,
        common,
        caller,
        // As the workflow writes it; the suite's title is an expression over pipeline_type.
        title: isSuite ? `${inputs.pipeline_type === 'nightly' ? 'Nightly' : 'Post-merge'} pipeline` : notifyTitle(doc),
      });
    }
  }

  async buildLeg(leg, prefix, { context, common, caller }) {
    const tag = `${this.imageName}:${prefix}-${leg.id}`;
    const base = {
      ...common,
      id: 'build',
      leg: leg.name,
      apiName: `${caller} / build ${leg.name}`,
      runner: leg.runner,
      image: tag,
    };
    if (!this.realBuild) {
      return {
        ...base,
        status: 'not-run',
        planned: true,
        reason: this.tools.build
          ? 'planned only (build: plan)'
          : 'planned only: buildah and docker-registry are not installed here',
      };
    }
    const result = await this.step(
      'build-container',
      {
        'image-name': this.imageName,
        framework: leg.framework,
        target: leg.target || undefined,
        'cuda-version': leg.cuda || undefined,
        platforms: leg.platform,
        dockerfile: leg.dockerfile,
        context: leg.context,
        'tag-prefix': prefix,
        // The Dockerfiles' default bases (CUDA images on nvcr.io) cannot be pulled here; the test legs run
        // on the host, so the images need no Python: build them FROM scratch.
        'build-args': 'BASE_IMAGE=scratch',
        push: 'true',
        'insecure-registry': 'true',
        engine: 'buildah',
        'min-free-disk-gb': '1',
        'timeout-minutes': '10',
      },
      { context, workspace: this.options.repo, env: this.buildahEnv },
    );
    return {
      ...base,
      action: 'build-container',
      status: result.exitCode === 0 ? 'success' : 'failure',
      reason: `built and pushed with buildah to ${this.registry.host}`,
      image: result.outputs.image ?? tag,
      tags: jsonOr(result.outputs.tags, []),
      digest: result.outputs.digest,
      step: result,
    };
  }

  async testLeg(leg, prefix, lifecycle, { context, common, caller }) {
    const image = `${this.imageName}:${prefix}-${leg['image-id']}`;
    const base = {
      ...common,
      id: 'test',
      leg: leg.name,
      apiName: `${caller} / test ${leg.name}`,
      runner: leg.runner,
      image,
    };
    const inputs = {
      engine: 'none',
      python: PYTHON,
      lifecycle,
      framework: leg['test-framework'],
      gpus: leg.gpus,
      arch: leg.arch,
      markers: leg.markers || undefined,
      reruns: '1',
      'timeout-minutes': '10',
    };
    if (leg.gpus !== '0' && !this.tools.gpu) {
      return {
        ...base,
        status: 'not-run',
        reason: `needs ${leg.gpus === '1' ? 'a GPU' : 'several GPUs'} (runs on ${leg.runner} in CI); this machine has none`,
      };
    }
    if (!this.tools.pytest) {
      return { ...base, status: 'not-run', reason: `${PYTHON} -m pytest is not installed here` };
    }
    const result = await this.step('run-gpu-tests', inputs, { context, workspace: this.options.repo });
    return {
      ...base,
      action: 'run-gpu-tests',
      status: result.exitCode === 0 ? 'success' : 'failure',
      reason: `pytest on the host (engine none) instead of inside ${image}`,
      step: result,
    };
  }

  async deployStage(outputs, planRecord, prefix, { context, common, caller }) {
    if (outputs['has-deploys'] !== 'true') return undefined;
    const legs = [];
    const scenario = this.options.deploy?.scenario ?? 'ready';
    if (!this.kubernetes) {
      this.frontend = await new FakeOpenAIFrontend().start();
      this.kubernetes = await new FakeKubernetes({ scenario, frontendUrl: this.frontend.url, stepMs: 50 }).start();
      this.kubeconfig = join(this.root, 'kubeconfig');
      writeFileSync(this.kubeconfig, this.kubernetes.kubeconfig());
    }
    const deployContext = { ...context, workflow: 'deploy.yml' };
    for (const leg of planRecord.deploys) {
      const image = `${this.imageName}:${prefix}-${leg['image-id']}`;
      const job = new SimulatedJob({ ...deployContext, workspace: this.options.repo });
      try {
        const action = join(this.options.actionsDir, 'deploy-profile');
        // The runner gives the post step the same `with:` inputs as the main step.
        const inputs = {
          kubeconfig: this.kubeconfig,
          profile: leg.file,
          image,
          model: 'Qwen/Qwen3-0.6B',
          'timeout-minutes': this.options.deploy?.timeout ?? '20s',
          'poll-interval': '1',
          cleanup: 'always',
          'cleanup-timeout': '10',
        };
        const main = await job.run(action, {
          inputs,
          timeoutMs: 300_000,
        });
        const post = await job.post(action, main, { timeoutMs: 120_000 });
        legs.push(
          this.record({
            ...common,
            id: 'deploy-test',
            leg: leg.name,
            apiName: `${caller} / deploy / deploy ${leg.name}`,
            runner: leg.runner,
            image,
            action: 'deploy-profile',
            status: main.exitCode === 0 ? 'success' : 'failure',
            reason: `${leg.file} on the fake cluster (scenario ${scenario})`,
            step: main,
            post,
            cleanup: post.exitCode === 0 && post.errors.length === 0 ? 'done' : 'failed',
          }),
        );
      } finally {
        job.cleanup();
      }
    }
    const deployNeeds = { 'deploy-test': { result: matrixResult(legs), outputs: {} } };
    const deployDoc = parse(readFileSync(join(WORKFLOWS, 'deploy.yml'), 'utf8'));
    const gate = await this.gate('deploy.yml', 'deploy-status-check', deployNeeds, {
      context: deployContext,
      common: { ...common, workflow: 'deploy.yml' },
      caller: `${caller} / deploy`,
      with: deployDoc.jobs['deploy-status-check'].steps.find((step) => String(step.uses).includes('status-aggregate'))
        .with,
    });
    return gate.status;
  }

  /** status-aggregate over `needs`, reading our workflow file as the gate job's sparse checkout does. */
  async gate(file, gateId, needs, { context, common, caller, with: withInputs }) {
    const workspace = join(this.root, `gate-${gateId}`);
    mkdirSync(join(workspace, '.dynamo-ci-actions', '.github', 'workflows'), { recursive: true });
    cpSync(join(WORKFLOWS, file), join(workspace, '.dynamo-ci-actions', '.github', 'workflows', file));
    const result = await this.step(
      'status-aggregate',
      {
        needs: JSON.stringify(needs, null, 2),
        required: withInputs.required,
        'jobs-from-api': withInputs['jobs-from-api'],
        'workflow-file': `.dynamo-ci-actions/.github/workflows/${file}`,
      },
      { context: { ...context, job: gateId }, workspace },
    );
    const status = result.outputs.result === 'success' && result.exitCode === 0 ? 'success' : 'failure';
    this.gates[gateId] = status;
    return this.record({
      ...common,
      id: gateId,
      apiName: `${caller} / ${gateId}`,
      action: 'status-aggregate',
      status,
      reason: 'always() - the required check',
      needs,
      report: jsonOr(result.outputs.report, undefined),
      step: result,
    });
  }

  async notify(gate, inputs, { context, common, caller, title }) {
    const mode = this.options.slack ?? 'dry-run';
    if (mode === 'fake' && !this.slack) this.slack = await FakeSlack.start();
    const result = await this.step(
      'slack-notify',
      {
        report: gate.step?.outputs.report,
        // No title: slack-notify's own default (an undefined input would drop the default too).
        ...(title === undefined ? {} : { title }),
        'notify-on': inputs['notify-on'] ?? 'failure',
        mention: inputs['slack-mention'],
        'dry-run': String(mode === 'dry-run'),
        'webhook-url':
          mode === 'fake'
            ? `${this.slack.url}${this.slack.webhookPath}`
            : 'https://hooks.slack.com/services/T0/B0/dry-run',
      },
      { context, workspace: this.root },
    );
    const payload = jsonOr(result.outputs.payload, undefined);
    if (payload) this.slackMessages.push(payload);
    return this.record({
      ...common,
      id: 'notify-slack',
      apiName: `${caller} / notify-slack`,
      action: 'slack-notify',
      status: result.exitCode === 0 ? 'success' : 'failure',
      reason: `always() after the gate; ${mode === 'fake' ? 'posted to the fake Slack' : 'dry run: payload printed, nothing sent'}`,
      sent: result.outputs.sent,
      payload,
      step: result,
    });
  }
}

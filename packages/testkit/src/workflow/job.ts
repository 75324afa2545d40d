/**
 * One job (one matrix leg) on the simulated runner: its steps in order with their conditions,
 * `env:` at every level, GITHUB_ENV/GITHUB_PATH/GITHUB_OUTPUT between steps, step outputs and
 * outcomes, `continue-on-error`, `timeout-minutes` (job and step), cancellation, and the `post:`
 * phases of the actions that ran, at the end of the job in reverse order. `run:` steps run for real
 * with the runner's shell; actions from the known repositories run as their real bundles through
 * SimulatedJob; third-party actions through their shims.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Job } from '@actions/workflow-parser/model/workflow-template';
import type { MappingToken } from '@actions/workflow-parser/templates/tokens/index';
import { parse as parseYaml } from 'yaml';
import { SimulatedJob, type StepResult } from '../runner.js';
import type { WorkflowArtifacts } from './artifacts.js';
import { Cancellation } from './cancellation.js';
import { asString, type Contexts, evaluate, evaluateToken, type Json, type Status, truthy } from './expressions.js';
import { child, type Repository, rawStep, type Workflow } from './load.js';
import { type ShimResult, shimFor } from './shims.js';
import type { Conclusion, EngineOptions, JobRecord, StepRecord } from './types.js';

export interface LegContext {
  options: EngineOptions;
  workflow: Workflow;
  job: Job;
  raw: MappingToken | undefined;
  record: JobRecord;
  /** github, inputs, vars, secrets, needs, matrix, strategy, and env (the workflow's). */
  contexts: Contexts;
  /** The matrix's cancellation (fail-fast), itself cancelled with the run. */
  cancellation: Cancellation;
  /** The run's: a cancel rule of scope `run` presses "Cancel workflow". */
  runCancellation: Cancellation;
  workspace: string;
  artifacts: WorkflowArtifacts;
  /** The host port of each container port of each service (`job.services.<name>.ports`). */
  services?: Record<string, Record<string, string>>;
}

/** An action folder (action.yml + bundle) a `uses:` names, and its name when it is one of ours. */
export function resolveAction(
  uses: string,
  workspace: string,
  repositories: readonly Repository[],
): { dir: string; name: string } | undefined {
  if (uses.startsWith('./')) return { dir: resolve(workspace, uses), name: uses.slice(2) };
  const match = /^([^/@]+\/[^/@]+)(?:\/([^@]+))?@.+$/.exec(uses);
  const repository = match && repositories.find((candidate) => candidate.name === match[1]);
  if (!match || !repository) return undefined;
  const base = repository.actions ?? repository.root;
  return { dir: match[2] ? join(base, match[2]) : repository.root, name: match[2] ?? match[1] ?? uses };
}

interface ActionMetadata {
  runs?: { using?: string; post?: string; 'post-if'?: string };
}

const now = () => new Date().toISOString();
const minutes = (value: Json | undefined) => (value === null || value === undefined ? undefined : Number(value));

/** The `defaults.run` of the job, else of the workflow. */
function runDefaults(context: LegContext): { shell?: string; 'working-directory'?: string } {
  const evaluated = (token: ReturnType<typeof child>) =>
    evaluateToken(token, context.contexts) as Record<string, string>;
  return {
    ...(evaluated(child(child(context.workflow.raw, 'defaults'), 'run')) ?? {}),
    ...(evaluated(child(child(context.raw, 'defaults'), 'run')) ?? {}),
  };
}

/**
 * A step's result as the log shows it: every secret of the job and every value a step registered
 * with `::add-mask::` replaced by `***` in its log, stdout, stderr and annotations (outputs stay as
 * they are, as the runner passes them on).
 */
function masked(result: StepResult, values: () => string[]): StepResult {
  const secrets = [...values(), ...result.masks].filter((value) => value.length > 0);
  secrets.sort((a, b) => b.length - a.length);
  const hide = (text: string) => secrets.reduce((current, secret) => current.split(secret).join('***'), text);
  return {
    ...result,
    stdout: hide(result.stdout),
    stderr: hide(result.stderr),
    log: result.log.map(hide),
    annotations: result.annotations.map((annotation) => ({ ...annotation, message: hide(annotation.message) })),
    errors: result.errors.map((annotation) => ({ ...annotation, message: hide(annotation.message) })),
    warnings: result.warnings.map((annotation) => ({ ...annotation, message: hide(annotation.message) })),
  };
}

/** The secrets a job can see, and the values its steps masked so far. */
function secretValuesOf(context: LegContext): () => string[] {
  return () => [
    ...Object.values((context.contexts.secrets ?? {}) as Record<string, string>),
    ...context.record.steps.flatMap((step) => step.result?.masks ?? []),
  ];
}

function outcomeOf(result: StepResult, timedOut: boolean): Conclusion {
  if (result.exitCode === 0 && !result.cancelled) return 'success';
  if (result.cancelled && !timedOut) return 'cancelled';
  return 'failure';
}

/** Run one leg; fills `context.record` and returns it. */
export async function runLeg(context: LegContext): Promise<JobRecord> {
  const { options, record, job } = context;
  const { event } = options;
  record.startedAt = now();
  const secretValues = secretValuesOf(context);
  const jobCancel = new Cancellation([context.cancellation]);
  const timeout = minutes(evaluateToken(child(context.raw, 'timeout-minutes'), context.contexts)) ?? 360;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    jobCancel.cancel(`the job exceeded its timeout of ${timeout} minutes`);
  }, timeout * 60_000);
  // Cancel rules watch this job while it runs; a rule that fires after it finished does nothing.
  let finished = false;
  const ruleTimers: NodeJS.Timeout[] = [];
  for (const rule of options.hooks?.cancel ?? []) {
    if (typeof rule.job === 'string' ? rule.job !== record.name : !rule.job.test(record.name)) continue;
    const target = rule.scope === 'job' ? jobCancel : context.runCancellation;
    const fire = () => {
      if (!finished) target.cancel(`cancelled by a rule on ${record.name}`);
    };
    if (rule.afterMs !== undefined) ruleTimers.push(setTimeout(fire, rule.afterMs));
    rule.when?.().then(fire, () => {});
  }

  mkdirSync(context.workspace, { recursive: true });
  const repository = options.repository;
  const github = context.contexts.github as Record<string, Json>;
  const simulated = new SimulatedJob({
    workspace: context.workspace,
    eventName: event.name,
    event: event.payload,
    repository: repository.name,
    sha: event.sha,
    ref: event.ref,
    runId: record.runId,
    actor: event.actor ?? 'octocat',
    workflow: record.workflowName,
    workflowRef: String(github.workflow_ref),
    job: record.id,
    apiUrl: options.github.url,
    token: options.secrets?.GITHUB_TOKEN ?? '',
    env: options.env ?? {},
  });
  const jobEnv: Record<string, string> = {};
  const addEnv = (values: Json) => {
    for (const [name, value] of Object.entries((values ?? {}) as Record<string, Json>)) jobEnv[name] = asString(value);
  };
  const stepsContext: Record<string, Json> = {};
  const posts: { step: StepRecord; dir: string; main: StepResult; postIf: string; env: Record<string, string> }[] = [];
  let failed = false;
  const contextsFor = (env: Record<string, string>): Contexts => ({
    ...context.contexts,
    github: { ...github, job: record.id, workspace: context.workspace },
    env,
    steps: stepsContext,
    job: {
      status: failed ? 'failure' : jobCancel.cancelled ? 'cancelled' : 'success',
      services: Object.fromEntries(
        Object.entries(context.services ?? {}).map(([name, ports]) => [name, { id: name, ports }]),
      ),
    },
    runner: { os: 'Linux', arch: 'X64', name: 'simulated-runner', temp: simulated.temp },
  });
  const status: Status = {
    success: () => !failed && !jobCancel.cancelled,
    failure: () => failed,
    cancelled: () => jobCancel.cancelled,
  };

  try {
    addEnv(context.contexts.env as Json);
    addEnv(evaluateToken(job.env, contextsFor(jobEnv)));
    const defaults = runDefaults(context);
    for (const [index, step] of job.steps.entries()) {
      const raw = rawStep(context.raw, index);
      const uses = 'uses' in step ? step.uses.value : undefined;
      const run = 'run' in step ? step.run : undefined;
      const stepRecord: StepRecord = {
        id: step.id,
        name: `Run ${uses ?? ''}`,
        outcome: 'skipped',
        conclusion: 'skipped',
        inputs: {},
        outputs: {},
        ...(uses ? { uses } : {}),
      };
      record.steps.push(stepRecord);
      const base = { ...jobEnv, ...simulated.exportedEnv };
      const stepEnv = { ...base };
      for (const [name, value] of Object.entries(
        (evaluateToken('env' in step ? step.env : undefined, contextsFor(base)) ?? {}) as Record<string, Json>,
      )) {
        stepEnv[name] = asString(value);
      }
      const scope = contextsFor(stepEnv);
      const name = child(raw, 'name');
      if (name) stepRecord.name = asString(evaluateToken(name, scope));
      else if (run) stepRecord.name = `Run ${asString(evaluateToken(run, scope)).split('\n')[0]}`;
      const condition = 'if' in step && step.if ? step.if.expression : 'success()';
      if (!truthy(evaluate(condition, scope, status))) {
        stepRecord.reason = `if: ${condition} is false`;
        stepsContext[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      stepRecord.startedAt = now();
      const continueOnError = truthy(evaluateToken(child(raw, 'continue-on-error'), scope) ?? false);
      const stepTimeout = minutes(evaluateToken(child(raw, 'timeout-minutes'), scope));
      // A step that starts after the cancellation (an always() one) runs to its end, as on GitHub.
      let stepTimedOut = false;
      const stepDeadline = new Promise<void>((done) => {
        if (stepTimeout) {
          setTimeout(() => {
            stepTimedOut = true;
            done();
          }, stepTimeout * 60_000).unref();
        }
      });
      const stopWhen = [...(jobCancel.cancelled ? [] : [jobCancel.promise]), ...(stepTimeout ? [stepDeadline] : [])];
      const cancelWhen = stopWhen.length > 0 ? Promise.race(stopWhen) : new Promise(() => {});
      const guard = { timeoutMs: (stepTimeout ?? timeout) * 60_000 + 60_000, cancelWhen };
      let outcome: Conclusion;
      const script = run ? asString(evaluateToken(run, scope)) : '';
      const planned = run
        ? options.hooks?.overrideStep?.({
            job: record,
            step: stepRecord,
            run: script,
            inputs: {},
            env: stepEnv,
            workspace: context.workspace,
          })
        : undefined;
      if (planned && 'plan' in planned) {
        stepRecord.reason = planned.plan;
        record.notes.push(`${stepRecord.name}: ${planned.plan}`);
        record.planned = true;
        outcome = 'success';
      } else if (run) {
        const shell = asString(evaluateToken(child(raw, 'shell'), scope)) || defaults.shell;
        const directory =
          asString(evaluateToken(child(raw, 'working-directory'), scope)) || defaults['working-directory'];
        const result = await simulated.runScript(script, {
          env: stepEnv,
          ...(shell ? { shell } : {}),
          ...(directory ? { workingDirectory: directory } : {}),
          ...guard,
        });
        stepRecord.result = masked(result, secretValues);
        stepRecord.outputs = result.outputs;
        outcome = outcomeOf(result, timedOut || stepTimedOut);
      } else {
        outcome = await runUses(
          context,
          simulated,
          stepRecord,
          uses as string,
          raw,
          scope,
          stepEnv,
          guard,
          () => timedOut || stepTimedOut,
          posts,
        );
      }
      stepRecord.completedAt = now();
      stepRecord.outcome = outcome;
      stepRecord.conclusion = outcome === 'failure' && continueOnError ? 'success' : outcome;
      if (stepRecord.conclusion === 'failure') failed = true;
      stepsContext[step.id] = { outputs: stepRecord.outputs, outcome, conclusion: stepRecord.conclusion };
    }
    // post: phases, last step first, each under its post-if (always() unless the action says).
    for (const post of posts.reverse()) {
      const scope = contextsFor(post.env);
      if (!truthy(evaluate(post.postIf, scope, status))) continue;
      const result = await simulated.post(post.dir, post.main, { env: post.env, timeoutMs: 600_000 });
      post.step.post = masked(result, secretValues);
    }
    const outputs = (evaluateToken(job.outputs, contextsFor(jobEnv)) ?? {}) as Record<string, Json>;
    record.outputs = Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, asString(value)]));
  } catch (error) {
    failed = true;
    record.reason = `${record.reason}; the runner failed: ${(error as Error).message}`;
  } finally {
    finished = true;
    clearTimeout(timer);
    for (const ruleTimer of ruleTimers) clearTimeout(ruleTimer);
    simulated.cleanup();
  }
  record.completedAt = now();
  record.conclusion = failed ? 'failure' : jobCancel.cancelled ? (timedOut ? 'failure' : 'cancelled') : 'success';
  if (jobCancel.cancelled) record.reason = `${record.reason}; ${jobCancel.reason}`;
  return record;
}

async function runUses(
  context: LegContext,
  simulated: SimulatedJob,
  record: StepRecord,
  uses: string,
  raw: MappingToken | undefined,
  scope: Contexts,
  env: Record<string, string>,
  guard: { timeoutMs: number; cancelWhen: Promise<unknown> },
  timedOut: () => boolean,
  posts: { step: StepRecord; dir: string; main: StepResult; postIf: string; env: Record<string, string> }[],
): Promise<Conclusion> {
  const { options } = context;
  const withValues = (evaluateToken(child(raw, 'with'), scope) ?? {}) as Record<string, Json>;
  record.inputs = Object.fromEntries(Object.entries(withValues).map(([key, value]) => [key, asString(value)]));
  const repositories = [options.repository, ...(options.repositories ?? [])];
  const action = resolveAction(uses, context.workspace, repositories);
  if (action && !uses.startsWith('./')) record.action = action.name;
  const override = options.hooks?.overrideStep?.({
    job: context.record,
    step: record,
    uses,
    ...(record.action ? { action: record.action } : {}),
    inputs: record.inputs,
    env,
    workspace: context.workspace,
  });
  let inputs: Record<string, string | undefined> = record.inputs;
  if (override && 'plan' in override) {
    record.reason = override.plan;
    record.outputs = override.outputs ?? {};
    context.record.notes.push(`${record.action ?? uses}: ${override.plan}`);
    context.record.planned = true;
    return 'success';
  }
  if (override) {
    inputs = { ...inputs, ...override.inputs };
    Object.assign(env, override.env);
    record.reason = override.note;
    context.record.notes.push(`${record.action ?? uses}: ${override.note}`);
  }
  const shim = shimFor(uses);
  if (shim && !action) {
    let result: ShimResult;
    try {
      result = shim({
        inputs: Object.fromEntries(
          Object.entries(inputs).filter((entry): entry is [string, string] => entry[1] !== undefined),
        ),
        workspace: context.workspace,
        runId: context.record.runId,
        repository: options.repository,
        sha: options.event.sha,
        repositories: options.repositories ?? [],
        artifacts: context.artifacts,
      });
    } catch (error) {
      result = { summary: '', error: (error as Error).message };
    }
    record.outputs = result.outputs ?? {};
    record.reason = result.error ? `${uses.split('@')[0]}: ${result.error}` : result.summary;
    return result.error ? 'failure' : 'success';
  }
  const metadataFile = action && join(action.dir, 'action.yml');
  if (!action || !metadataFile || !existsSync(metadataFile)) {
    record.reason = `not simulated here: ${uses}`;
    return 'failure';
  }
  const metadata = parseYaml(readFileSync(metadataFile, 'utf8')) as ActionMetadata;
  if (!metadata.runs?.using?.startsWith('node')) {
    record.reason = `not simulated here: ${uses} (runs.using ${metadata.runs?.using ?? 'missing'})`;
    return 'failure';
  }
  const result = await simulated.run(action.dir, { inputs, env, ...guard });
  record.result = masked(result, secretValuesOf(context));
  record.outputs = result.outputs;
  if (metadata.runs.post) {
    posts.push({ step: record, dir: action.dir, main: result, postIf: metadata.runs['post-if'] ?? 'always()', env });
  }
  return outcomeOf(result, timedOut());
}

/**
 * The workflow engine: an event on a repository starts the workflows whose `on:` it matches; each
 * run's jobs start when their `needs` finish, under their `if:` (with the implicit `success()`),
 * as matrix legs (two at a time here), or as calls into reusable workflows, whose jobs report as
 * `<caller job> / <job>`. Every job is recorded (why it ran or was skipped, steps, timing, runner
 * labels) and registered in the fake GitHub's jobs API, where status-aggregate and slack-notify
 * read them. Nothing here knows a particular workflow.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, ReusableWorkflowJob, WorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import { WorkflowArtifacts } from './artifacts.js';
import { CallError, callInputs, callOutputs, callSecrets } from './calls.js';
import { Cancellation, Slots } from './cancellation.js';
import { asString, type Contexts, evaluate, evaluateToken, type Json, type Status, truthy } from './expressions.js';
import { runLeg } from './job.js';
import { apiJob, apiRun, githubContext } from './jobs-api.js';
import { loadWorkflow, rawJob, resolveWorkflowFile, type Workflow } from './load.js';
import { expandStrategy, legSuffix, type MatrixLeg } from './matrix.js';
import { triggers } from './triggers.js';
import type { Conclusion, EngineOptions, JobRecord, RunRecord, ServiceSpecs, StartedServices } from './types.js';

/** What `needs.<job>` holds, plus whether anything upstream of it failed. */
interface NeedResult {
  result: Conclusion;
  outputs: Record<string, string>;
  upstreamFailed: boolean;
}

/** Where jobs run: their workflow, the contexts they inherit, the name prefix of the calls above. */
interface Scope {
  run: RunRecord;
  workflow: Workflow;
  contexts: Contexts;
  secrets: Record<string, string>;
  prefix: string;
  path: string[];
  order: number[];
}

export interface EventResult {
  runs: RunRecord[];
  /** Workflows the event did not start, and why. */
  notStarted: { workflow: string; reason: string }[];
  artifacts: WorkflowArtifacts;
}

/** Run every workflow of `options.repository` that `options.event` starts, one run after another. */
export async function runEvent(options: EngineOptions): Promise<EventResult> {
  return new Engine(options).runEvent();
}

function aggregate(results: Conclusion[]): Conclusion {
  if (results.includes('failure')) return 'failure';
  if (results.includes('cancelled')) return 'cancelled';
  if (results.length > 0 && results.every((result) => result === 'skipped')) return 'skipped';
  return 'success';
}

class Engine {
  private readonly slots: Slots;
  private nextRunId: number;
  private nextJobId = 1;
  private readonly artifacts: WorkflowArtifacts;
  private readonly loaded = new Map<string, Promise<Workflow>>();
  private readonly order = new Map<JobRecord, number[]>();

  constructor(private readonly options: EngineOptions) {
    this.slots = new Slots(options.maxParallel ?? 2);
    this.nextRunId = options.runId ?? 1;
    this.artifacts = options.artifacts ?? new WorkflowArtifacts();
    // The fake's artifacts API lists and serves what this engine's upload-artifact steps stored.
    options.github.artifactStore = this.artifacts;
  }

  private get repositories() {
    return [this.options.repository, ...(this.options.repositories ?? [])];
  }

  private load(path: string, repository = this.options.repository): Promise<Workflow> {
    let workflow = this.loaded.get(path);
    if (!workflow) {
      workflow = loadWorkflow(path, repository, this.repositories);
      this.loaded.set(path, workflow);
    }
    return workflow;
  }

  /**
   * The runs an event starts run at once, as on GitHub (sharing this machine's slots); they are
   * reported in file order once all have finished.
   */
  async runEvent(): Promise<EventResult> {
    const dir = join(this.options.repository.root, '.github', 'workflows');
    const files = readdirSync(dir)
      .filter((file) => /\.ya?ml$/.test(file))
      .sort();
    const started: Promise<RunRecord>[] = [];
    const notStarted: EventResult['notStarted'] = [];
    let changed: string[] | undefined;
    const changedFiles = () => (changed ??= this.changedFiles());
    for (const file of files) {
      const workflow = await this.load(join(dir, file));
      const decision = triggers(workflow, this.options.event, changedFiles);
      if (decision.triggered) started.push(this.runWorkflow(workflow, decision.reason));
      else notStarted.push({ workflow: file, reason: decision.reason });
    }
    const runs: RunRecord[] = [];
    for (const run of started) {
      runs.push(await run);
      this.options.hooks?.onRun?.(runs.at(-1) as RunRecord);
    }
    return { runs, notStarted, artifacts: this.artifacts };
  }

  /** The files the event changed (a push: before..after; a pull request: base...head). */
  private changedFiles(): string[] {
    const { payload, sha } = this.options.event;
    const pull = payload.pull_request as { base?: { sha?: string } } | undefined;
    const before = pull?.base?.sha ?? (typeof payload.before === 'string' ? payload.before : undefined);
    if (!before || /^0+$/.test(before)) return [];
    const range = pull ? `${before}...${sha}` : `${before}..${sha}`;
    const output = execFileSync('git', ['diff', '--name-only', '-z', range, '--'], {
      cwd: this.options.repository.root,
      encoding: 'utf8',
    });
    return output.split('\0').filter(Boolean);
  }

  private async runWorkflow(workflow: Workflow, reason: string): Promise<RunRecord> {
    mkdirSync(this.options.root, { recursive: true });
    const id = this.nextRunId++;
    this.options.github.runJobs.set(id, []);
    const listed = apiRun(this.options, workflow, id);
    this.options.github.addRun(listed);
    const run: RunRecord = {
      id,
      workflow: workflow.file,
      name: workflow.name,
      reason,
      conclusion: 'success',
      jobs: [],
    };
    const secrets = { ...this.options.secrets };
    const github = githubContext(this.options, workflow, id);
    const dispatched = this.options.event.name === 'workflow_dispatch' ? this.options.event.payload.inputs : undefined;
    const contexts: Contexts = {
      github,
      vars: this.options.vars ?? {},
      secrets,
      inputs: (dispatched ?? {}) as Json,
    };
    contexts.env = evaluateToken(workflow.template.env, contexts) ?? {};
    const scope: Scope = { run, workflow, contexts, secrets, prefix: '', path: [], order: [] };
    const cancellation = new Cancellation();
    const results = await this.runGraph(scope, cancellation);
    run.conclusion = cancellation.cancelled
      ? 'cancelled'
      : aggregate([...results.values()].map((result) => result.result));
    run.jobs.sort((a, b) => compareOrder(this.order.get(a) ?? [], this.order.get(b) ?? []));
    Object.assign(listed, { status: 'completed', conclusion: run.conclusion, updated_at: new Date().toISOString() });
    return run;
  }

  /** Every job of `scope.workflow`, each starting when its needs have finished. */
  private async runGraph(scope: Scope, cancellation: Cancellation): Promise<Map<string, NeedResult>> {
    const jobs = scope.workflow.template.jobs;
    const started = new Map<string, Promise<NeedResult>>();
    const start = (job: WorkflowJob): Promise<NeedResult> => {
      const id = job.id.value;
      let result = started.get(id);
      if (!result) {
        result = (async () => {
          const needs: Record<string, NeedResult> = {};
          for (const need of job.needs ?? []) {
            const needed = jobs.find((candidate) => candidate.id.value === need.value);
            if (needed) needs[need.value] = await start(needed);
          }
          return this.runJob(job, jobs.indexOf(job), scope, needs, cancellation);
        })();
        started.set(id, result);
      }
      return result;
    };
    await Promise.all(jobs.map(start));
    const results = new Map<string, NeedResult>();
    for (const [id, result] of started) results.set(id, await result);
    return results;
  }

  private async runJob(
    job: WorkflowJob,
    index: number,
    scope: Scope,
    needs: Record<string, NeedResult>,
    cancellation: Cancellation,
  ): Promise<NeedResult> {
    const id = job.id.value;
    const needsContext = Object.fromEntries(
      Object.entries(needs).map(([name, need]) => [name, { result: need.result, outputs: need.outputs }]),
    );
    const contexts: Contexts = { ...scope.contexts, needs: needsContext, matrix: null, strategy: null };
    const upstreamFailed = Object.values(needs).some((need) => need.result === 'failure' || need.upstreamFailed);
    const status: Status = {
      success: () => Object.values(needs).every((need) => need.result === 'success') && !cancellation.cancelled,
      failure: () => upstreamFailed,
      cancelled: () => cancellation.cancelled,
    };
    const order = [...scope.order, index];
    const displayName = (leg?: MatrixLeg) => this.jobName(job, { ...contexts, matrix: leg ?? null }, leg);
    const condition = job.if.expression;
    let run: boolean;
    try {
      run = truthy(evaluate(condition, contexts, status));
    } catch (error) {
      return this.finishSkipped(
        job,
        scope,
        order,
        displayName(),
        'failure',
        `if: ${(error as Error).message}`,
        upstreamFailed,
      );
    }
    // The condition as written (the converted one carries the implicit `success() &&`).
    const token = rawJob(scope.workflow, id)?.find('if');
    const written = token ? token.toString().replace(/^\$\{\{\s*|\s*\}\}$/g, '') : undefined;
    const needNames = Object.keys(needs);
    if (!run) {
      const unmet = Object.entries(needs).filter(([, need]) => need.result !== 'success');
      const reason =
        unmet.length > 0 && !/\b(always|failure|cancelled|success)\(\)/.test(written ?? '')
          ? `skipped: needs ${unmet.map(([name, need]) => `${name} (${need.result})`).join(', ')}`
          : `skipped: if: ${written ?? condition} is false`;
      return this.finishSkipped(job, scope, order, displayName(), 'skipped', reason, upstreamFailed);
    }
    const why = written
      ? `if: ${written} is true`
      : needNames.length > 0
        ? `its needs succeeded (${needNames.join(', ')})`
        : 'every run of the workflow';
    if (job.type === 'reusableWorkflowJob') {
      let strategy: ReturnType<typeof expandStrategy>;
      try {
        strategy = expandStrategy(evaluateToken(job.strategy, contexts), id);
      } catch (error) {
        return this.finishSkipped(job, scope, order, id, 'failure', (error as Error).message, upstreamFailed);
      }
      if (!strategy) return this.runCall(job, scope, contexts, order, cancellation, upstreamFailed);
      // A matrix of calls: each leg calls the workflow with its matrix values.
      const legs = await Promise.all(
        strategy.legs.map((leg, legIndex) =>
          this.runCall(
            job,
            scope,
            { ...contexts, matrix: leg },
            [...order, legIndex],
            cancellation,
            upstreamFailed,
            leg,
          ),
        ),
      );
      const outputs = Object.assign({}, ...legs.map((leg) => leg.outputs)) as Record<string, string>;
      return { result: aggregate(legs.map((leg) => leg.result)), outputs, upstreamFailed };
    }
    return this.runMatrix(job, scope, contexts, order, why, cancellation, upstreamFailed);
  }

  private jobName(job: WorkflowJob, contexts: Contexts, leg: MatrixLeg | undefined): string {
    let name = job.id.value;
    try {
      if (job.name) name = asString(evaluateToken(job.name, contexts));
    } catch {
      // A name over a context not there yet (a matrix value of a job that never expanded).
    }
    const usesMatrix = job.name !== undefined && !job.name.isLiteral && /\bmatrix\b/.test(job.name.toString());
    return leg && Object.keys(leg).length > 0 && !usesMatrix ? `${name}${legSuffix(leg)}` : name;
  }

  private finishSkipped(
    job: WorkflowJob,
    scope: Scope,
    order: number[],
    name: string,
    conclusion: Conclusion,
    reason: string,
    upstreamFailed: boolean,
  ): NeedResult {
    const record = this.newRecord(job, scope, name, undefined);
    record.conclusion = conclusion;
    record.reason = reason;
    if (job.type === 'reusableWorkflowJob') record.calls = job.ref.value;
    this.finish(record, scope, order);
    return { result: conclusion, outputs: {}, upstreamFailed };
  }

  private newRecord(job: WorkflowJob, scope: Scope, name: string, leg: MatrixLeg | undefined): JobRecord {
    return {
      runId: scope.run.id,
      workflow: scope.workflow.file,
      workflowName: scope.run.name,
      path: [...scope.path, job.id.value],
      id: job.id.value,
      name: `${scope.prefix}${name}`,
      ...(leg ? { matrix: leg } : {}),
      runsOn: [],
      conclusion: 'skipped',
      ran: false,
      reason: '',
      notes: [],
      steps: [],
      outputs: {},
    };
  }

  /** Record a finished job, register it in the jobs API and tell the hook. */
  private finish(record: JobRecord, scope: Scope, order: number[]): void {
    this.order.set(record, order);
    scope.run.jobs.push(record);
    const apiJobs = this.options.github.runJobs.get(record.runId);
    if (apiJobs) {
      record.apiId = this.nextJobId++;
      apiJobs.push(apiJob(record, this.options));
    }
    this.options.hooks?.onJob?.(record);
  }

  private async runMatrix(
    job: Job,
    scope: Scope,
    contexts: Contexts,
    order: number[],
    why: string,
    cancellation: Cancellation,
    upstreamFailed: boolean,
  ): Promise<NeedResult> {
    let strategy: ReturnType<typeof expandStrategy>;
    try {
      strategy = expandStrategy(evaluateToken(job.strategy, contexts), job.id.value);
    } catch (error) {
      return this.finishSkipped(job, scope, order, job.id.value, 'failure', (error as Error).message, upstreamFailed);
    }
    const legs = strategy?.legs ?? [undefined];
    const matrixCancel = new Cancellation([cancellation]);
    const slots = strategy?.maxParallel ? new Slots(strategy.maxParallel) : undefined;
    const raw = rawJob(scope.workflow, job.id.value);
    const outputs: Record<string, string> = {};
    const conclusions: Conclusion[] = [];
    await Promise.all(
      legs.map(async (leg, legIndex) => {
        const legContexts: Contexts = {
          ...contexts,
          matrix: leg ?? null,
          strategy: {
            'fail-fast': strategy?.failFast ?? true,
            'job-index': legIndex,
            'job-total': legs.length,
            'max-parallel': strategy?.maxParallel ?? legs.length,
          },
        };
        const record = this.newRecord(job, scope, this.jobName(job, legContexts, leg), leg);
        record.reason = why;
        const runLegHere = async () => {
          if (matrixCancel.cancelled) {
            record.conclusion = 'cancelled';
            record.reason = `${why}; ${matrixCancel.reason}`;
            return;
          }
          const labels = evaluateToken(job['runs-on'], legContexts);
          record.runsOn = (Array.isArray(labels) ? labels : [labels]).map((label) => asString(label));
          const decision = this.options.hooks?.runner?.(record.runsOn) ?? { run: true };
          if (!decision.run) {
            record.reason = decision.reason;
            return;
          }
          if (decision.note) record.notes.push(decision.note);
          // Job containers need a Docker daemon the engine does not drive; service containers only
          // run when a hook stands in for them.
          const unsupported = (['container', 'services'] as const).filter(
            (key) => job[key] !== undefined && !(key === 'services' && this.options.hooks?.services),
          );
          if (unsupported.length > 0) {
            record.conclusion = 'failure';
            record.reason = `not simulated here: ${unsupported.map((key) => `${key}:`).join(' and ')}`;
            return;
          }
          const services = await this.startServices(job, legContexts, record);
          if (services && 'reason' in services) {
            record.conclusion = 'failure';
            record.reason = `not simulated here: services: ${services.reason}`;
            return;
          }
          record.ran = true;
          try {
            await runLeg({
              options: this.options,
              workflow: scope.workflow,
              job,
              raw,
              record,
              contexts: legContexts,
              cancellation: matrixCancel,
              runCancellation: cancellation,
              workspace: mkdtempSync(join(this.options.root, 'job-')),
              artifacts: this.artifacts,
              ...(services ? { services: services.ports } : {}),
            });
          } finally {
            services?.stop();
          }
          if (record.planned) record.ran = false;
        };
        // The matrix's own max-parallel first, so a waiting leg does not hold one of this machine's slots.
        await (slots ? slots.use(() => this.slots.use(runLegHere)) : this.slots.use(runLegHere));
        const continueOnError = truthy(evaluateToken(raw?.find('continue-on-error'), legContexts) ?? false);
        if (record.conclusion === 'failure' && continueOnError)
          record.notes.push('continue-on-error: its failure does not fail the run');
        const counted = record.conclusion === 'failure' && continueOnError ? 'success' : record.conclusion;
        // A leg this machine could not run (skipped, not run) does not count towards the job's result.
        if (record.ran || record.planned || record.conclusion !== 'skipped') {
          conclusions.push(counted);
          Object.assign(outputs, record.outputs);
        }
        if (counted === 'failure' && (strategy?.failFast ?? false)) {
          matrixCancel.cancel(`fail-fast: ${record.name} failed`);
        }
        this.finish(record, scope, [...order, legIndex]);
      }),
    );
    const result = conclusions.length === 0 ? 'skipped' : aggregate(conclusions);
    return { result, outputs, upstreamFailed };
  }

  /** The job's `services:` evaluated and handed to the services hook; undefined when it has none. */
  private async startServices(
    job: Job,
    contexts: Contexts,
    record: JobRecord,
  ): Promise<StartedServices | { reason: string } | undefined> {
    const hook = this.options.hooks?.services;
    if (!hook || job.services === undefined) return undefined;
    const specs: ServiceSpecs = {};
    for (const [name, value] of Object.entries((evaluateToken(job.services, contexts) ?? {}) as Record<string, Json>)) {
      const spec = (typeof value === 'string' ? { image: value } : (value ?? {})) as Record<string, Json>;
      specs[name] = {
        image: asString(spec.image ?? ''),
        ports: ((spec.ports ?? []) as Json[]).map((port) => asString(port)),
        env: Object.fromEntries(
          Object.entries((spec.env ?? {}) as Record<string, Json>).map(([key, env]) => [key, asString(env)]),
        ),
      };
    }
    const started = await hook(specs, record);
    if (!('reason' in started)) record.notes.push(started.note);
    return started;
  }

  private async runCall(
    job: ReusableWorkflowJob,
    scope: Scope,
    contexts: Contexts,
    order: number[],
    cancellation: Cancellation,
    upstreamFailed: boolean,
    leg?: MatrixLeg,
  ): Promise<NeedResult> {
    const callerName = this.jobName(job, contexts, leg);
    let inner: Scope;
    try {
      const target = resolveWorkflowFile(job.ref.value, scope.workflow.repository, this.repositories);
      const workflow = await this.load(target.path, target.repository);
      const inputs = callInputs(job, contexts, this.options.inputs?.[workflow.file]);
      const secrets = callSecrets(job, contexts, scope.secrets);
      const innerContexts: Contexts = { github: contexts.github, vars: contexts.vars, secrets, inputs };
      innerContexts.env = evaluateToken(workflow.template.env, innerContexts) ?? {};
      inner = {
        run: scope.run,
        workflow,
        contexts: innerContexts,
        secrets,
        prefix: `${scope.prefix}${callerName} / `,
        path: [...scope.path, job.id.value],
        order,
      };
    } catch (error) {
      // A call whose inputs or secrets do not fit fails as one job under the caller's name.
      const message = error instanceof CallError ? error.message : `${job.ref.value}: ${(error as Error).message}`;
      return this.finishSkipped(job, scope, order, callerName, 'failure', message, upstreamFailed);
    }
    const results = await this.runGraph(inner, cancellation);
    const jobsContext = Object.fromEntries(
      [...results].map(([id, need]) => [id, { result: need.result, outputs: need.outputs }]),
    );
    const outputs = callOutputs(job, { ...inner.contexts, jobs: jobsContext });
    return { result: aggregate([...results.values()].map((need) => need.result)), outputs, upstreamFailed };
  }
}

function compareOrder(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

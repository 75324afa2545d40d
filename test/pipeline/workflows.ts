/**
 * The workflow files parsed, the helpers every invariant uses, and the invariants of a workflow's
 * form: gates, permissions, pins, timeouts, concurrency. The invariants are pure checkers over parsed
 * workflow files; each returns the list of violations (empty when the invariant holds), so a test can
 * assert both that the repository's workflows are clean and that a deliberately broken workflow is
 * caught. trust.ts and stages.ts hold the others; invariants.ts gathers all of them.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evaluateValue, filterPattern, type Json, truthy } from '@dynamo-ci/testkit';
import { parse } from 'yaml';
import { workflowFiles } from '../../scripts/workflow-files.mjs';

export const repoRoot = join(import.meta.dirname, '..', '..');

/** The prefix under which our own actions and reusable workflows are referenced. */
export const FIRST_PARTY = 'org/dynamo-ci-actions/';

export interface Workflow {
  /** Path relative to the repository root (or a test's name for fixtures). */
  path: string;
  doc: Record<string, any>;
}

export type Job = Record<string, any>;

export function parseWorkflow(path: string, text: string): Workflow {
  const doc = parse(text) as Record<string, any>;
  if (!doc || typeof doc !== 'object') throw new Error(`${path} is not a YAML mapping`);
  return { path, doc };
}

/** Every workflow file: this repository's and the example consumer repositories'. */
export function loadWorkflows(root = repoRoot): Workflow[] {
  return workflowFiles(root).map((file) => parseWorkflow(relative(root, file), readFileSync(file, 'utf8')));
}

/** The `on:` block as a map of event -> configuration. */
export function triggers(workflow: Workflow): Record<string, any> {
  const on = workflow.doc.on;
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((event) => [event, {}]));
  return Object.fromEntries(Object.entries(on ?? {}).map(([event, config]) => [event, config ?? {}]));
}

export function jobs(workflow: Workflow): [string, Job][] {
  return Object.entries(workflow.doc.jobs ?? {}) as [string, Job][];
}

export function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

export function steps(job: Job): Record<string, any>[] {
  return Array.isArray(job.steps) ? job.steps : [];
}

/** The workflow a `uses:` job calls, when it is one of ours (local or first-party). */
export function callee(uses: string, all: Workflow[]): Workflow | undefined {
  const local = /^\.\/\.github\/workflows\/([^@]+)$/.exec(uses);
  const firstParty = new RegExp(`^${FIRST_PARTY}\\.github/workflows/([^@]+)@`).exec(uses);
  const file = local?.[1] ?? firstParty?.[1];
  if (!file) return undefined;
  return all.find((workflow) => workflow.path === join('.github', 'workflows', file));
}

export const at = (workflow: Workflow, job?: string) => (job ? `${workflow.path} job '${job}'` : workflow.path);

// --- Gates ------------------------------------------------------------------------------------

/** A gate: a job named `*-status-check`, or one that runs status-aggregate. */
export function isGate(id: string, job: Job): boolean {
  return id.endsWith('status-check') || steps(job).some((step) => /status-aggregate/.test(String(step.uses ?? '')));
}

export function closure(start: string[], graph: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...start];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(graph.get(id) ?? []));
  }
  return seen;
}

/**
 * Every gate runs with `if: always()` (so a failure upstream cannot skip it into "passing"), and
 * its `needs` lists every job that must block it: every job that is not downstream of the gate,
 * except jobs a gate it waits on already blocks on, and jobs that belong to another gate of the
 * workflow (upstream or downstream of that gate) and feed none of this gate's own jobs (the
 * frontend's builds for backend-status-check). Every other job is upstream or downstream of a gate.
 */
export function checkGates(workflow: Workflow): string[] {
  const problems: string[] = [];
  const all = jobs(workflow);
  const graph = new Map(all.map(([id, job]) => [id, needsOf(job)]));
  const gates = all.filter(([id, job]) => isGate(id, job));
  const downstreamOf = (gate: string) =>
    new Set(
      all
        .map(([candidate]) => candidate)
        .filter((candidate) => candidate !== gate && closure([candidate], graph).has(gate)),
    );
  const territory = new Map(
    gates.map(([id, job]) => [id, new Set([...closure(needsOf(job), graph), ...downstreamOf(id)])]),
  );
  for (const [id, job] of gates) {
    const condition = String(job.if ?? '')
      .replace(/^\$\{\{\s*|\s*\}\}$/g, '')
      .trim();
    if (condition !== 'always()') {
      problems.push(`${at(workflow, id)}: a gate must run with 'if: always()', has ${JSON.stringify(job.if ?? null)}`);
    }
    const upstream = closure(needsOf(job), graph);
    const coveredByOtherGates = new Set<string>();
    for (const other of upstream) {
      const otherJob = all.find(([candidate]) => candidate === other)?.[1];
      if (otherJob && isGate(other, otherJob))
        for (const covered of closure([other], graph)) coveredByOtherGates.add(covered);
    }
    // Jobs whose results reach this gate through the jobs it needs.
    const feeding = new Set(needsOf(job).flatMap((need) => [...closure(graph.get(need) ?? [], graph)]));
    for (const [candidate, candidateJob] of all) {
      if (candidate === id || isGate(candidate, candidateJob) || coveredByOtherGates.has(candidate)) continue;
      if (closure([candidate], graph).has(id)) continue; // downstream of the gate (e.g. notify, deploy)
      const anotherGates = gates.some(([other]) => other !== id && territory.get(other)?.has(candidate));
      if (anotherGates && !feeding.has(candidate)) continue;
      // With several gates, a job no gate reaches is reported once, below, not by each gate.
      const anyGate = [...territory.values()].some((jobsOfGate) => jobsOfGate.has(candidate));
      if (gates.length > 1 && !anyGate) continue;
      if (!needsOf(job).includes(candidate)) {
        problems.push(`${at(workflow, id)}: needs does not list '${candidate}', so its failure would not block`);
      }
    }
  }
  if (gates.length > 1) {
    for (const [candidate, candidateJob] of all) {
      if (isGate(candidate, candidateJob)) continue;
      if (![...territory.values()].some((jobsOfGate) => jobsOfGate.has(candidate))) {
        problems.push(
          `${at(workflow, candidate)}: no gate waits on it or runs before it, so its failure blocks nothing`,
        );
      }
    }
  }
  return problems;
}

// --- Permissions --------------------------------------------------------------------------------

function readOnly(permissions: unknown): boolean {
  if (permissions === 'read-all') return true;
  if (typeof permissions !== 'object' || permissions === null) return false;
  return Object.values(permissions).every((level) => level === 'read' || level === 'none');
}

/** Top-level permissions are `{}` or read-only, and every job declares its own. */
export function checkPermissions(workflow: Workflow): string[] {
  const problems: string[] = [];
  if (!('permissions' in workflow.doc)) problems.push(`${at(workflow)}: no top-level 'permissions:' (use {})`);
  else if (!readOnly(workflow.doc.permissions)) {
    problems.push(
      `${at(workflow)}: top-level permissions must be {} or read-only, got ${JSON.stringify(workflow.doc.permissions)}`,
    );
  }
  for (const [id, job] of jobs(workflow)) {
    if (!('permissions' in job)) problems.push(`${at(workflow, id)}: no 'permissions:' of its own`);
  }
  return problems;
}

// --- Pinning ------------------------------------------------------------------------------------

export function usesOf(workflow: Workflow): { job: string; uses: string }[] {
  const found: { job: string; uses: string }[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (typeof job.uses === 'string') found.push({ job: id, uses: job.uses });
    for (const step of steps(job)) if (typeof step.uses === 'string') found.push({ job: id, uses: step.uses });
  }
  return found;
}

/** Third-party actions and workflows are pinned to a full commit SHA (images to a digest). */
export function checkPinned(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const { job, uses } of usesOf(workflow)) {
    if (uses.startsWith('./') || uses.startsWith(FIRST_PARTY)) continue;
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${at(workflow, job)}: ${uses} is not pinned to a digest`);
      continue;
    }
    if (!/^[^@\s]+@[0-9a-f]{40}$/.test(uses))
      problems.push(`${at(workflow, job)}: ${uses} is not pinned to a 40-hex commit SHA`);
  }
  return problems;
}

// --- Timeouts -----------------------------------------------------------------------------------

/**
 * Every job that runs on a runner has `timeout-minutes` (GitHub's default is 6 hours). A job that
 * calls a reusable workflow cannot have one (GitHub rejects the key there), so the callee's jobs
 * are checked instead.
 */
export function checkTimeouts(workflow: Workflow, all: Workflow[], seen = new Set<string>()): string[] {
  const problems: string[] = [];
  seen.add(workflow.path);
  for (const [id, job] of jobs(workflow)) {
    if (typeof job.uses === 'string') {
      if ('timeout-minutes' in job)
        problems.push(`${at(workflow, id)}: a reusable-workflow call cannot have timeout-minutes`);
      const called = callee(job.uses, all);
      if (!called) problems.push(`${at(workflow, id)}: calls ${job.uses}, whose timeouts cannot be checked here`);
      else if (!seen.has(called.path)) problems.push(...checkTimeouts(called, all, seen));
      continue;
    }
    if (job['timeout-minutes'] === undefined) problems.push(`${at(workflow, id)}: no timeout-minutes`);
  }
  return problems;
}

// --- Concurrency --------------------------------------------------------------------------------

/** GitHub's branch filter syntax (`*`, `**`, `?`, `+`, `[...]`) as a regular expression. */
export const branchPattern = filterPattern;

export function pushBranchMatches(config: any, branch: string): boolean {
  const branches: string[] | undefined = config?.branches;
  const ignored: string[] | undefined = config?.['branches-ignore'];
  if (ignored?.some((filter) => branchPattern(filter).test(branch))) return false;
  if (!branches) return !config?.tags; // a tags-only push filter matches no branch
  return branches.some((filter) => branchPattern(filter).test(branch));
}

interface Scenario {
  name: string;
  event: string;
  ref: string;
  pr?: number;
  /** PR-like runs must cancel their superseded run; main/release/schedule runs never. */
  cancel: boolean;
}

function scenarios(workflow: Workflow): Scenario[] {
  const on = triggers(workflow);
  const list: Scenario[] = [];
  if ('push' in on && pushBranchMatches(on.push, 'pull-request/12')) {
    list.push({ name: 'push to pull-request/12', event: 'push', ref: 'refs/heads/pull-request/12', cancel: true });
  }
  for (const event of ['pull_request', 'pull_request_target']) {
    if (event in on) list.push({ name: event, event, ref: 'refs/pull/12/merge', pr: 12, cancel: true });
  }
  for (const branch of ['main', 'release/1.2.3']) {
    if ('push' in on && pushBranchMatches(on.push, branch)) {
      list.push({ name: `push to ${branch}`, event: 'push', ref: `refs/heads/${branch}`, cancel: false });
    }
  }
  if ('schedule' in on) list.push({ name: 'schedule', event: 'schedule', ref: 'refs/heads/main', cancel: false });
  return list;
}

function context(scenario: Scenario, runId: number, pr = scenario.pr): Record<string, Json> {
  const refName = scenario.ref.replace(/^refs\/heads\//, '').replace(/^refs\/pull\/(\d+)\/merge$/, '$1/merge');
  return {
    github: {
      event_name: scenario.event,
      ref: pr === scenario.pr ? scenario.ref : `refs/pull/${pr}/merge`,
      ref_name: refName,
      head_ref: pr ? 'feature' : '',
      workflow: 'Workflow',
      run_id: String(runId),
      run_number: String(runId),
      repository: 'ai-dynamo/dynamo',
      event: { ...(pr ? { pull_request: { number: pr } } : {}), repository: { default_branch: 'main' } },
    },
    inputs: {},
    vars: {},
  };
}

interface ConcurrencySpec {
  where: string;
  concurrency: any;
}

/** The concurrency settings that apply: top-level, or else every job's (through reusable calls). */
function concurrencySpecs(workflow: Workflow, all: Workflow[]): ConcurrencySpec[] | string {
  if (workflow.doc.concurrency) return [{ where: at(workflow), concurrency: workflow.doc.concurrency }];
  const specs: ConcurrencySpec[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (job.concurrency) specs.push({ where: at(workflow, id), concurrency: job.concurrency });
    else if (typeof job.uses === 'string') {
      const called = callee(job.uses, all);
      const inner = called ? concurrencySpecs(called, all) : 'unresolvable';
      if (typeof inner === 'string') return `${at(workflow, id)} has no concurrency`;
      specs.push(...inner);
    } else return `${at(workflow, id)} has no concurrency`;
  }
  return specs;
}

/**
 * Runs for a PR (pull_request, or a push to pull-request/<N>) cancel the run they supersede (same
 * group, cancel-in-progress true); main, release and scheduled runs are never cancelled: cancel
 * false and a group unique to the run, since GitHub also drops a *pending* run of the same group.
 */
export function checkConcurrency(workflow: Workflow, all: Workflow[]): string[] {
  const list = scenarios(workflow);
  if (list.length === 0) return [];
  const specs = concurrencySpecs(workflow, all);
  if (typeof specs === 'string') return [`${at(workflow)}: no concurrency (${specs})`];
  const problems: string[] = [];
  for (const { where, concurrency } of specs) {
    const group = typeof concurrency === 'string' ? concurrency : concurrency.group;
    const cancelSetting = typeof concurrency === 'string' ? false : (concurrency['cancel-in-progress'] ?? false);
    for (const scenario of list) {
      try {
        const cancel = truthy(evaluateValue(cancelSetting, context(scenario, 1)));
        const first = String(evaluateValue(group, context(scenario, 1)));
        const second = String(evaluateValue(group, context(scenario, 2)));
        if (scenario.cancel) {
          if (!cancel) problems.push(`${where}: ${scenario.name} does not cancel the run it supersedes`);
          if (first !== second)
            problems.push(`${where}: ${scenario.name} runs land in different groups (${first}, ${second})`);
          if (scenario.pr) {
            const otherPr = String(evaluateValue(group, context(scenario, 1, 13)));
            if (otherPr === first) problems.push(`${where}: two different PRs share the group ${first}`);
          }
        } else {
          if (cancel) problems.push(`${where}: ${scenario.name} cancels in progress`);
          if (first === second)
            problems.push(`${where}: ${scenario.name} runs share the group ${first}, so a pending run is dropped`);
        }
      } catch (error) {
        problems.push(`${where}: cannot evaluate concurrency for ${scenario.name}: ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/**
 * The workflow invariants, as pure checkers over parsed workflow files. Each returns the list of
 * violations (empty when the invariant holds) so a test can assert both that the repository's
 * workflows are clean and that a deliberately broken workflow is caught.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { evaluate, evaluateValue, filterPattern, type Json, truthy } from '@dynamo-ci/testkit';
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

function needsOf(job: Job): string[] {
  if (job.needs === undefined) return [];
  return Array.isArray(job.needs) ? job.needs : [job.needs];
}

function steps(job: Job): Record<string, any>[] {
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

const at = (workflow: Workflow, job?: string) => (job ? `${workflow.path} job '${job}'` : workflow.path);

// --- Gates ------------------------------------------------------------------------------------

/** A gate: a job named `*-status-check`, or one that runs status-aggregate. */
export function isGate(id: string, job: Job): boolean {
  return id.endsWith('status-check') || steps(job).some((step) => /status-aggregate/.test(String(step.uses ?? '')));
}

function closure(start: string[], graph: Map<string, string[]>): Set<string> {
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

function pushBranchMatches(config: any, branch: string): boolean {
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

// --- pull_request_target ------------------------------------------------------------------------

const PR_CODE = /pull_request\.head|github\.head_ref|refs\/pull\/|merge_commit_sha|gh pr checkout|pull\/\$\{\{/;

/** Jobs that can run under pull_request_target never check out or fetch the PR's code. */
export function checkPullRequestTarget(workflow: Workflow, all: Workflow[]): string[] {
  if (!('pull_request_target' in triggers(workflow))) return [];
  return checkNoPrCode(workflow, all);
}

function checkNoPrCode(workflow: Workflow, all: Workflow[]): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (typeof job.uses === 'string') {
      const called = callee(job.uses, all);
      if (called) problems.push(...checkNoPrCode(called, all));
      else problems.push(`${at(workflow, id)}: calls ${job.uses} under pull_request_target, which cannot be checked`);
      continue;
    }
    for (const step of steps(job)) {
      const uses = String(step.uses ?? '');
      if (/^actions\/checkout@/.test(uses)) {
        const target = `${step.with?.ref ?? ''} ${step.with?.repository ?? ''}`;
        if (PR_CODE.test(target))
          problems.push(`${at(workflow, id)}: checks out the PR's code under pull_request_target`);
      }
      if (typeof step.run === 'string' && PR_CODE.test(step.run)) {
        problems.push(`${at(workflow, id)}: fetches the PR's code in a run step under pull_request_target`);
      }
    }
  }
  return problems;
}

// --- Secrets ------------------------------------------------------------------------------------

/** Events whose runs only ever see vetted code: copy-pr branches, main, release, schedule, manual. */
export function trustedEvent(event: string, config: any): boolean {
  if (['schedule', 'workflow_dispatch', 'release'].includes(event)) return true;
  if (event !== 'push') return false;
  const branches: string[] | undefined = config?.branches;
  if (config?.['branches-ignore']) return false;
  if (!branches) return Boolean(config?.tags);
  return branches.every(
    (filter) => /^(main|master|pull-request\/.+|release\/.+|releases\/.+)$/.test(filter) && !/^\*/.test(filter),
  );
}

function referencesSecrets(job: Job): boolean {
  if (job.secrets === 'inherit') return true;
  const text = JSON.stringify(job);
  return /secrets\.(?!GITHUB_TOKEN\b)[A-Za-z_-]/i.test(text) || /secrets\[/.test(text);
}

/**
 * A job that cannot run PR code: no run steps, no checkout, only our own actions (the copy-pr
 * gate under pull_request_target holds a token this way). Calls qualify when every callee job does.
 */
function runsNoCode(job: Job, all: Workflow[]): boolean {
  if (typeof job.uses === 'string') {
    const called = callee(job.uses, all);
    return called !== undefined && jobs(called).every(([, inner]) => runsNoCode(inner, all));
  }
  return steps(job).every((step) => step.run === undefined && String(step.uses ?? '').startsWith(FIRST_PARTY));
}

/** Events a workflow's jobs run on: its own triggers, or for a reusable workflow its callers'. */
export function effectiveEvents(
  workflow: Workflow,
  all: Workflow[],
  seen = new Set<string>(),
): [string, any, string][] {
  const own = Object.entries(triggers(workflow)).filter(([event]) => event !== 'workflow_call');
  const result: [string, any, string][] = own.map(([event, config]) => [event, config, workflow.path]);
  if (!('workflow_call' in triggers(workflow)) || seen.has(workflow.path)) return result;
  seen.add(workflow.path);
  for (const caller of all) {
    for (const [, job] of jobs(caller)) {
      if (typeof job.uses === 'string' && callee(job.uses, all)?.path === workflow.path) {
        result.push(...effectiveEvents(caller, all, seen));
      }
    }
  }
  return result;
}

/**
 * Secrets are referenced only in jobs whose runs come from pull-request/<N>, main, release,
 * schedule (or a manual dispatch, which needs write access). A reusable workflow is judged by its
 * callers; one with no caller in the repository cannot be judged and fails.
 */
export function checkSecrets(workflow: Workflow, all: Workflow[]): string[] {
  const problems: string[] = [];
  const events = effectiveEvents(workflow, all);
  for (const [id, job] of jobs(workflow)) {
    if (!referencesSecrets(job)) continue;
    if (events.length === 0) {
      problems.push(`${at(workflow, id)}: uses secrets, but no workflow here calls it, so its triggers are unknown`);
      continue;
    }
    for (const [event, config, source] of events) {
      if (trustedEvent(event, config)) continue;
      if (runsNoCode(job, all)) continue;
      problems.push(
        `${at(workflow, id)}: uses secrets but runs on '${event}' (via ${source}), which runs unvetted code`,
      );
    }
  }
  return [...new Set(problems)];
}

// --- Write tokens -------------------------------------------------------------------------------

/**
 * Commands that run code from the repository or from a registry: package managers, language
 * runtimes, build tools and image builders (a Dockerfile's RUN is the repository's code too).
 */
const PROJECT_CODE_RUNNERS = new Set([
  'npm',
  'npx',
  'pnpm',
  'pnpx',
  'yarn',
  'corepack',
  'node',
  'bun',
  'bunx',
  'deno',
  'tsx',
  'ts-node',
  'pip',
  'pip3',
  'pipx',
  'python',
  'python3',
  'poetry',
  'uv',
  'uvx',
  'pytest',
  'pre-commit',
  'cargo',
  'rustc',
  'go',
  'make',
  'cmake',
  'ninja',
  'gradle',
  'gradlew',
  'mvn',
  'bundle',
  'gem',
  'rake',
  'composer',
  'dotnet',
  'docker',
  'buildah',
  'podman',
]);

/** Words that run the command after them (`sudo npm ...`), and keywords a command follows. */
const COMMAND_PREFIXES = new Set([
  'sudo',
  'env',
  'exec',
  'time',
  'nohup',
  'command',
  'xargs',
  'nice',
  'timeout',
  'if',
  'then',
  'else',
  'elif',
  'while',
  'until',
  'do',
  '!',
  '{',
]);

/** Shells whose next argument, when it is not an option, is a script file they run. */
const SCRIPT_RUNNERS = new Set(['bash', 'sh', 'zsh', 'source', '.']);

/**
 * The words in command position of a `run:` script (roughly as a shell splits it: at newlines,
 * `;`, `&&`, `||`, `|`, `&`, `(`, `)` and `$(`), past assignments and prefixes like `sudo`.
 * Quotes are not parsed: a separator inside a string only adds words, so this errs on the side of
 * finding too much.
 */
export function commandWords(script: string): string[] {
  const words: string[] = [];
  const text = script.replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    // Whole-line comments only: a `#` inside a line may be in a string.
    if (line.trimStart().startsWith('#')) continue;
    for (const segment of line.split(/&&|\|\||\$\(|[;|&()`]/)) {
      const tokens = segment
        .trim()
        .split(/\s+/)
        .map((token) => token.replace(/^["']|["']$/g, ''))
        .filter(Boolean);
      let index = 0;
      const skipPrefixes = () => {
        while (index < tokens.length) {
          const token = tokens[index] as string;
          if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(token) || COMMAND_PREFIXES.has(token)) index++;
          else if (index > 0 && COMMAND_PREFIXES.has(tokens[index - 1] as string) && token.startsWith('-')) index++;
          else break;
        }
      };
      skipPrefixes();
      const word = tokens[index];
      if (word === undefined) continue;
      words.push(word);
      if (SCRIPT_RUNNERS.has(word)) {
        const script = tokens.slice(index + 1).find((token) => !token.startsWith('-'));
        if (script !== undefined) words.push(script);
      }
    }
  }
  return words;
}

function grantsWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  if (typeof permissions !== 'object' || permissions === null) return false;
  return Object.values(permissions).some((level) => level === 'write');
}

/** A word that names a file of the checkout: a relative path (`.ci/run`, `./x.sh`, `scripts/y.mjs`). */
function isRepositoryPath(word: string): boolean {
  return word.includes('/') && !/^[/$~]/.test(word);
}

/**
 * A job whose token can write (any `write` permission, or `write-all`) runs no package manager, no
 * language runtime, no build tool and no script or action from the repository: a compromised
 * dependency or a changed script would hold the token (how tj-actions/changed-files was turned
 * against its users). Build and test in a read-only job and hand the result over as an artifact.
 */
export function checkWriteJobs(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    if (!grantsWrite(job.permissions ?? workflow.doc.permissions)) continue;
    for (const [index, step] of steps(job).entries()) {
      const where = `${at(workflow, id)} step ${step.name ? `'${step.name}'` : index + 1}`;
      if (typeof step.uses === 'string' && step.uses.startsWith('./')) {
        problems.push(`${where}: holds a write token and runs the repository's action ${step.uses}`);
      }
      if (typeof step.run !== 'string') continue;
      const shell = String(step.shell ?? job.defaults?.run?.shell ?? 'bash').split(/\s+/)[0] as string;
      if (!['bash', 'sh'].includes(shell)) {
        problems.push(`${where}: holds a write token and runs its script with ${shell}`);
      }
      for (const word of commandWords(step.run)) {
        const name = word.split('/').pop() as string;
        if (PROJECT_CODE_RUNNERS.has(name)) {
          problems.push(`${where}: holds a write token and runs ${word}, which runs project or registry code`);
        } else if (isRepositoryPath(word)) {
          problems.push(`${where}: holds a write token and runs the repository's ${word}`);
        }
      }
    }
  }
  return problems;
}

// --- Cluster cleanup ------------------------------------------------------------------------------

const CREATES_CLUSTER_OBJECTS = /dynamo-ci-actions\/(deploy-operator|deploy-profile)@/;

/**
 * A workflow whose jobs create objects on a cluster (deploy-operator, deploy-profile) ends with a
 * deploy-cleanup job that runs with `if: always()` after every one of them, so a failed or cancelled
 * job's objects are still removed by the run's labels.
 */
export function checkCleanup(workflow: Workflow): string[] {
  const all = jobs(workflow);
  const creators = all
    .filter(([, job]) => steps(job).some((step) => CREATES_CLUSTER_OBJECTS.test(String(step.uses ?? ''))))
    .map(([id]) => id);
  if (creators.length === 0) return [];
  const graph = new Map(all.map(([id, job]) => [id, needsOf(job)]));
  const cleanups = all.filter(([, job]) =>
    steps(job).some((step) => /dynamo-ci-actions\/deploy-cleanup@/.test(String(step.uses ?? ''))),
  );
  if (cleanups.length === 0) {
    return [`${at(workflow)}: ${creators.join(', ')} create cluster objects but no job runs deploy-cleanup`];
  }
  const problems: string[] = [];
  for (const [id, job] of cleanups) {
    const condition = String(job.if ?? '')
      .replace(/^\$\{\{\s*|\s*\}\}$/g, '')
      .trim();
    if (condition !== 'always()') {
      problems.push(
        `${at(workflow, id)}: the cleanup must run with 'if: always()', has ${JSON.stringify(job.if ?? null)}`,
      );
    }
    const upstream = closure(needsOf(job), graph);
    for (const creator of creators) {
      if (!upstream.has(creator))
        problems.push(`${at(workflow, id)}: does not run after '${creator}', which creates cluster objects`);
    }
  }
  return problems;
}

// --- Artifacts ----------------------------------------------------------------------------------

/**
 * In the reusable pipeline workflows, every upload-artifact step runs `if: always()` (the logs
 * and reports of a failed, cancelled or timed-out leg are the ones people need) and says how long
 * the artifact is kept.
 */
export function checkArtifacts(workflow: Workflow): string[] {
  if (!('workflow_call' in triggers(workflow))) return [];
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    for (const step of steps(job)) {
      if (!/^actions\/upload-artifact@/.test(String(step.uses ?? ''))) continue;
      if (!/(^|[^\w.])always\(\)/.test(String(step.if ?? ''))) {
        problems.push(
          `${at(workflow, id)}: upload-artifact without 'if: always()' loses the logs of a failed or timed-out leg`,
        );
      }
      if (step.with?.['retention-days'] === undefined) {
        problems.push(
          `${at(workflow, id)}: upload-artifact without retention-days keeps it for the repository's default`,
        );
      }
    }
  }
  return problems;
}

// --- Test results and the run report -----------------------------------------------------------

const USES = (pattern: RegExp) => (step: Record<string, any>) => pattern.test(String(step.uses ?? ''));
const RUNS_TESTS = USES(/dynamo-ci-actions\/run-gpu-tests@/);
const UPLOADS = USES(/^actions\/upload-artifact@/);
const REPORTS = USES(/dynamo-ci-actions\/pipeline-report@/);
const NOTIFIES = USES(/dynamo-ci-actions\/slack-notify@/);

/**
 * In the reusable pipeline workflows, every test leg (a job running run-gpu-tests) uploads its
 * results as `test-results-<leg>-${{ github.run_id }}` (pipeline-report's pattern; checkArtifacts
 * makes it `if: always()`). A workflow that reports its test legs to Slack runs pipeline-report
 * after them with `if: always()`, `actions: read` and nothing else, no project code next to that
 * token, the history it reads next time uploaded, and hands its `report` to slack-notify.
 */
export function checkTestReports(workflow: Workflow): string[] {
  if (!('workflow_call' in triggers(workflow))) return [];
  const all = jobs(workflow);
  const legs = all.filter(([, job]) => steps(job).some(RUNS_TESTS)).map(([id]) => id);
  if (legs.length === 0) return [];
  const problems: string[] = [];
  for (const id of legs) {
    const upload = steps(workflow.doc.jobs[id])
      .filter(UPLOADS)
      .find((step) => String(step.with?.name ?? '').startsWith('test-results-'));
    if (!upload) {
      problems.push(
        `${at(workflow, id)}: its results are not uploaded as test-results-<leg>-<run id> for pipeline-report`,
      );
    } else if (!/github\.run_id/.test(String(upload.with?.name))) {
      problems.push(`${at(workflow, id)}: the results artifact's name does not end in \${{ github.run_id }}`);
    }
  }
  const reports = all.filter(([, job]) => steps(job).some(REPORTS));
  const notifiers = all.filter(([, job]) => steps(job).some(NOTIFIES));
  if (reports.length === 0) {
    if (notifiers.length > 0)
      problems.push(`${at(workflow)}: its test legs reach Slack but no job runs pipeline-report`);
    return problems;
  }
  const graph = new Map(all.map(([id, job]) => [id, needsOf(job)]));
  for (const [id, job] of reports) {
    if (!/(^|[^\w.])always\(\)/.test(String(job.if ?? ''))) {
      problems.push(`${at(workflow, id)}: the report must run with 'if: always()' (a failed run is the one to report)`);
    }
    const upstream = closure(needsOf(job), graph);
    for (const leg of legs) if (!upstream.has(leg)) problems.push(`${at(workflow, id)}: does not run after '${leg}'`);
    const permissions = job.permissions;
    if (
      typeof permissions !== 'object' ||
      permissions === null ||
      JSON.stringify(Object.entries(permissions)) !== JSON.stringify([['actions', 'read']])
    ) {
      problems.push(
        `${at(workflow, id)}: permissions must be {actions: read}, has ${JSON.stringify(permissions ?? null)}`,
      );
    }
    if (steps(job).some((step) => step.run !== undefined || /^actions\/checkout@/.test(String(step.uses ?? '')))) {
      problems.push(`${at(workflow, id)}: runs project code (checkout or run:) next to its token`);
    }
    if (!steps(job).some((step) => UPLOADS(step) && /outputs\.history-file/.test(String(step.with?.path ?? '')))) {
      problems.push(`${at(workflow, id)}: does not upload the history-file the next run reads`);
    }
    for (const [notifier, notify] of notifiers) {
      const step = steps(notify).find(NOTIFIES);
      if (!new RegExp(`needs\\.${id}\\.outputs\\.report\\b`).test(String(step?.with?.['pipeline-report'] ?? ''))) {
        problems.push(`${at(workflow, notifier)}: slack-notify's pipeline-report is not needs.${id}.outputs.report`);
      }
      if (!needsOf(notify).includes(id)) problems.push(`${at(workflow, notifier)}: needs does not list '${id}'`);
    }
  }
  return problems;
}

// --- Service containers ---------------------------------------------------------------------------

/**
 * Every `job.services.<name>` a job reads names one of its own service containers: a misspelt
 * name gives an empty port, and the tests would be handed `nats://localhost:`.
 */
export function checkServiceReferences(workflow: Workflow): string[] {
  const problems: string[] = [];
  for (const [id, job] of jobs(workflow)) {
    const services = Object.keys(job.services ?? {});
    const text = JSON.stringify(job.steps ?? []);
    for (const match of text.matchAll(/job\.services\.([A-Za-z0-9_-]+)/g)) {
      if (!services.includes(match[1] as string)) {
        problems.push(`${at(workflow, id)}: reads job.services.${match[1]}, but the job has no such service`);
      }
    }
  }
  return [...new Set(problems)];
}

// --- Required check names -------------------------------------------------------------------------

/** A job's check-run name: its literal `name:`, else its id. */
function checkName(id: string, job: Job): string {
  return typeof job.name === 'string' && !job.name.includes('${{') ? job.name : id;
}

/**
 * Whether a job always runs (so its check is always reported) given the caller's inputs: no
 * `if:`, `always()`, or a condition that is true from the inputs alone.
 */
function alwaysRuns(job: Job, inputs: Record<string, unknown>): boolean {
  if (job.if === undefined) return true;
  const condition = String(job.if).replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  if (/^\s*always\(\)\s*$/.test(condition)) return true;
  try {
    return truthy(evaluate(condition, { inputs: inputs as Json, github: {}, vars: {}, needs: {}, matrix: {} }));
  } catch {
    return false;
  }
}

/** A called workflow's inputs: its defaults, overridden by the caller's literal `with:` values. */
function calleeInputs(callee: Workflow, withValues: Record<string, unknown> | undefined): Record<string, unknown> {
  const declared = (triggers(callee).workflow_call?.inputs ?? {}) as Record<string, { default?: unknown }>;
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) values[name] = spec?.default;
  for (const [name, value] of Object.entries(withValues ?? {})) {
    if (typeof value !== 'string' || !value.includes('${{')) values[name] = value;
  }
  return values;
}

/** Whether a caller's runs report checks on pull requests: pull_request, or pushes to pull-request/<N>. */
function reportsOnPullRequests(workflow: Workflow): boolean {
  const on = triggers(workflow);
  return 'pull_request' in on || ('push' in on && pushBranchMatches(on.push, 'pull-request/12'));
}

/**
 * The check names a branch protection rule must require for the given caller workflows, as GitHub
 * names a reusable workflow's jobs (`<caller job> / <job>`, one level per call). A called workflow
 * contributes its gates (`*-status-check`, status-aggregate) when it has any, else every job (the
 * direct checks of pr-checks.yml are the checks themselves); only jobs that are reported on every
 * run count (a required check that can be skipped blocks the merge forever), judged from the
 * caller's inputs. Callers that never run on a pull request contribute nothing, and a caller's own
 * jobs (the non-required checks calling third-party actions) are not required.
 */
export function requiredCheckNames(callers: Workflow[], all: Workflow[]): string[] {
  const names: string[] = [];
  const visit = (workflow: Workflow, prefix: string, inputs: Record<string, unknown>, depth: number) => {
    const list = jobs(workflow);
    const gated = list.some(([id, job]) => isGate(id, job));
    for (const [id, job] of list) {
      if (!alwaysRuns(job, inputs)) continue;
      const name = `${prefix}${checkName(id, job)}`;
      if (typeof job.uses === 'string') {
        const called = callee(job.uses, all);
        if (called && depth < 4) visit(called, `${name} / `, calleeInputs(called, job.with), depth + 1);
        continue;
      }
      // A caller's own jobs (the third-party, non-required checks) are never required.
      if (depth > 0 && (!gated || isGate(id, job))) names.push(name);
    }
  };
  for (const caller of callers.filter(reportsOnPullRequests)) visit(caller, '', {}, 0);
  return [...new Set(names)].sort();
}

/** Every invariant over every workflow. */
export function checkAll(all: Workflow[]): Record<string, string[]> {
  return {
    gates: all.flatMap(checkGates),
    permissions: all.flatMap(checkPermissions),
    pinned: all.flatMap(checkPinned),
    timeouts: all.flatMap((workflow) => checkTimeouts(workflow, all)),
    concurrency: all.flatMap((workflow) => checkConcurrency(workflow, all)),
    pullRequestTarget: all.flatMap((workflow) => checkPullRequestTarget(workflow, all)),
    secrets: all.flatMap((workflow) => checkSecrets(workflow, all)),
    writeJobs: all.flatMap(checkWriteJobs),
    cleanup: all.flatMap(checkCleanup),
    artifacts: all.flatMap(checkArtifacts),
    serviceReferences: all.flatMap(checkServiceReferences),
    testReports: all.flatMap(checkTestReports),
  };
}

/**
 * The pipeline's shape: cleanup after deployments, artifacts of failed legs, the run report, service
 * addresses, and the check names branch protection must require.
 */
import { evaluate, type Json, truthy } from '@dynamo-ci/testkit';
import {
  at,
  callee,
  closure,
  isGate,
  type Job,
  jobs,
  needsOf,
  pushBranchMatches,
  steps,
  triggers,
  type Workflow,
} from './workflows.js';

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

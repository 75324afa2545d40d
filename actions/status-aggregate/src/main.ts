/** Wiring: inputs -> graph and jobs -> gate -> outputs, summary, annotations. */
import {
  createGitHubClient,
  env,
  type GitHubClient,
  type RunJob,
  type Runner,
  readContext,
  reportRunOf,
  runAction,
  UserError,
} from '@dynamo-ci/core';
import { evaluateGate } from './gate.js';
import { overridesDependencyStatus, ungatedJobs, type WorkflowGraph } from './graph.js';
import { parseInputs } from './inputs.js';
import { renderSummary } from './render.js';
import { fetchRunJobs, loadGraph, scopeToOwnWorkflow } from './sources.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: aggregate });
}

async function aggregate(runner: Runner): Promise<void> {
  const token = runner.input('token')?.trim();
  if (token) runner.mask(token);
  const inputs = parseInputs((name) => runner.input(name));
  const context = readContext();

  let client: Promise<GitHubClient> | undefined;
  const github = inputs.token
    ? () => {
        client ??= createGitHubClient(inputs.token as string, { log: runner });
        return client;
      }
    : undefined;
  if (inputs.jobsFromApi && !github) {
    throw new UserError("jobs-from-api: true needs a token: leave 'token' at its default (${{ github.token }}).");
  }

  const loaded = await loadGraph({
    workflowFile: inputs.workflowFile,
    context,
    workflowSha: env('GITHUB_WORKFLOW_SHA'),
    github,
  });
  if (loaded.missing) runner.debug(`No job graph: ${loaded.missing}`);
  const graph = loaded.graph;

  // The API is read for per-leg results, or when a skipped job depends on a job outside `needs`
  // whose result decides whether the skip was a dependency skip.
  let apiJobs: RunJob[] | undefined;
  if (github && (inputs.jobsFromApi || needsOutsideResults(inputs.needs, graph))) {
    const runJobs = await fetchRunJobs(await github(), context);
    apiJobs = scopeToOwnWorkflow(runJobs, { runnerName: env('RUNNER_NAME'), jobId: context.job, graph });
    runner.info(
      `Read ${runJobs.length} job(s) of run ${context.runId} from the Actions API` +
        (apiJobs.length === runJobs.length ? '.' : `; ${apiJobs.length} belong to this reusable workflow.`),
    );
  }

  const outcome = evaluateGate({
    inputs,
    graph,
    apiJobs,
    perLeg: inputs.jobsFromApi,
    gate: context.job,
    run: reportRunOf(context),
  });

  const notes = [...outcome.warnings, ...selfCheck(graph, context.job, inputs.needs)];
  for (const note of notes) runner.warning(note);

  runner.setOutput('result', outcome.report.result);
  runner.setOutput('failed-jobs', JSON.stringify(outcome.failedJobs));
  runner.setOutput('report', JSON.stringify(outcome.report));
  const ungated = graph && context.job ? ungatedJobs(graph, context.job) : [];
  const summaryNotes = [...notes];
  if (ungated.length > 0) {
    const shown = ungated.slice(0, 20).join(', ');
    summaryNotes.push(
      `Not covered by this gate (not in its needs, directly or through them): ${shown}${ungated.length > 20 ? `, and ${ungated.length - 20} more` : ''}.`,
    );
  }
  await runner.appendSummary(renderSummary(outcome.report, summaryNotes));

  for (const job of outcome.report.jobs) {
    runner.info(`${job.verdict === 'pass' ? '✓' : '✗'} ${job.name}: ${job.result} - ${job.reason}`);
  }
  if (outcome.report.result === 'failure') {
    const shown = outcome.failedJobs.slice(0, 10).join(', ');
    const more = outcome.failedJobs.length > 10 ? ` and ${outcome.failedJobs.length - 10} more` : '';
    runner.fail(`The gate failed: ${shown}${more}. See the job summary for each job's reason.`);
  }
}

/** True when some skipped needed job depends on a job whose result `needs` does not carry. */
function needsOutsideResults(needs: ReadonlyMap<string, string>, graph: WorkflowGraph | undefined): boolean {
  if (!graph) return false;
  const seen = new Set<string>();
  const visit = (id: string): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    const job = graph.jobs.get(id);
    if (!job || overridesDependencyStatus(job.condition)) return false;
    return job.needs.some((need) => !needs.has(need) || (needs.get(need) === 'skipped' && visit(need)));
  };
  return [...needs].some(([id, result]) => result === 'skipped' && visit(id));
}

/**
 * A gate without `if: always()` (or another status function) is itself skipped when a needed job
 * fails, and a skipped required check counts as passing (actions/runner#2566).
 */
function selfCheck(
  graph: WorkflowGraph | undefined,
  jobId: string | undefined,
  needs: ReadonlyMap<string, string>,
): string[] {
  const self = jobId ? graph?.jobs.get(jobId) : undefined;
  // Only when the graph is really this job's (a reusable workflow's GITHUB_WORKFLOW_REF names the caller).
  const same = self && self.needs.length === needs.size && self.needs.every((need) => needs.has(need));
  if (!self || !same || overridesDependencyStatus(self.condition)) return [];
  return [
    `Job '${self.id}' runs this gate without \`if: always()\`: when a needed job fails, GitHub skips this job, and a skipped required check counts as passing. Add \`if: always()\` to the job.`,
  ];
}

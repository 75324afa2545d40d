/**
 * What a run looks like from outside: the `github` context its jobs see, and each finished job as
 * the Actions jobs API lists it (status, conclusion, timing, runner labels, steps), which
 * status-aggregate's jobs-from-api, slack-notify and a run report read from the fake GitHub.
 */
import type { FakeRun } from '../fake-actions.js';
import type { FakeJob } from '../fake-github.js';
import type { Json } from './expressions.js';
import type { Workflow } from './load.js';
import type { EngineOptions, JobRecord } from './types.js';

const now = () => new Date().toISOString();

/** The `github` context of a run of `workflow` (a called workflow's jobs see their caller's). */
export function githubContext(options: EngineOptions, workflow: Workflow, runId: number): Record<string, Json> {
  const { event, repository, github } = options;
  const refName = event.ref.replace(/^refs\/(heads|tags)\//, '');
  const pull = event.payload.pull_request as { head?: { ref?: string }; base?: { ref?: string } } | undefined;
  return {
    event_name: event.name,
    event: event.payload,
    ref: event.ref,
    ref_name: refName,
    ref_type: event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    sha: event.sha,
    head_ref: pull?.head?.ref ?? '',
    base_ref: pull?.base?.ref ?? '',
    repository: repository.name,
    repository_owner: repository.name.split('/')[0] as string,
    run_id: String(runId),
    run_number: String(runId),
    run_attempt: '1',
    actor: event.actor ?? 'octocat',
    triggering_actor: event.actor ?? 'octocat',
    workflow: workflow.name,
    workflow_ref: `${repository.name}/.github/workflows/${workflow.file}@${event.ref}`,
    server_url: 'https://github.com',
    api_url: github.url,
    token: options.secrets?.GITHUB_TOKEN ?? '',
  };
}

/**
 * A finished job as the jobs API lists it. A job this machine did not run (a GPU label) or only
 * planned is listed as skipped: nothing ran for it.
 */
export function apiJob(record: JobRecord, options: EngineOptions): FakeJob {
  return {
    id: record.apiId as number,
    run_id: record.runId,
    name: record.name,
    status: 'completed',
    conclusion: record.planned ? 'skipped' : record.conclusion,
    started_at: record.startedAt ?? record.completedAt ?? now(),
    completed_at: record.completedAt ?? now(),
    workflow_name: record.workflowName,
    head_sha: options.event.sha,
    labels: record.runsOn,
    runner_name: record.ran ? 'simulated-runner' : null,
    run_attempt: 1,
    html_url: `https://github.com/${options.repository.name}/actions/runs/${record.runId}/job/${record.apiId}`,
    steps: record.steps.map((step, index) => ({
      name: step.name,
      status: 'completed',
      conclusion: step.conclusion,
      number: index + 1,
      started_at: step.startedAt ?? null,
      completed_at: step.completedAt ?? null,
    })),
  };
}

/**
 * A run as the runs API lists it (`GET .../actions/runs/{id}`, a workflow's runs), so an action that
 * reports on its own run (pipeline-report) reads it as on GitHub: in progress until the engine
 * completes it.
 */
export function apiRun(options: EngineOptions, workflow: Workflow, runId: number): FakeRun {
  const { event, repository } = options;
  const pull = event.payload.pull_request as { head?: { ref?: string } } | undefined;
  const started = now();
  return {
    id: runId,
    name: workflow.name,
    path: `.github/workflows/${workflow.file}`,
    head_branch: pull?.head?.ref ?? event.ref.replace(/^refs\/(heads|tags)\//, ''),
    head_sha: event.sha,
    event: event.name,
    status: 'in_progress',
    conclusion: null,
    run_number: runId,
    run_attempt: 1,
    created_at: started,
    run_started_at: started,
    updated_at: started,
    head_repository: { full_name: repository.name },
  };
}

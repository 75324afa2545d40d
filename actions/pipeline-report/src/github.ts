/**
 * The run through the Actions REST API: the run, its jobs (steps, timing, runner labels; 100 a
 * page, at most `maxJobs`), and a workflow's earlier runs. Through core's client, so every request
 * retries 429/5xx and rate limits.
 */
import type { GitHubClient, RepoRef } from '@dynamo-ci/core';
import { epoch, type JobFacts, type RunFacts, type StepFacts } from './model.js';

export async function readRun(octokit: GitHubClient, repo: RepoRef, runId: number): Promise<RunFacts> {
  const { data } = await octokit.rest.actions.getWorkflowRun({ ...repo, run_id: runId });
  return runFacts(data as unknown as Record<string, any>, repo);
}

export function runFacts(data: Record<string, any>, repo: RepoRef): RunFacts {
  const full = `${repo.owner}/${repo.repo}`;
  return {
    id: Number(data.id),
    workflow: String(data.name ?? 'workflow'),
    workflowId: Number(data.workflow_id ?? 0),
    path: String(data.path ?? '').replace(/@.*$/, ''),
    number: Number(data.run_number ?? data.id),
    attempt: Number(data.run_attempt ?? 1),
    event: String(data.event ?? ''),
    branch: String(data.head_branch ?? ''),
    sha: String(data.head_sha ?? ''),
    headRepository: String(data.head_repository?.full_name ?? full),
    status: String(data.status ?? ''),
    conclusion: data.conclusion ?? null,
    createdAt: epoch(data.run_started_at) ?? epoch(data.created_at) ?? 0,
    url: String(data.html_url ?? ''),
    actor: data.actor?.login ?? undefined,
  };
}

export interface JobsRead {
  jobs: JobFacts[];
  /** More jobs exist than `maxJobs` allowed reading. */
  truncated: boolean;
}

/** The jobs of the run's latest attempt, page by page until `maxJobs`. */
export async function readJobs(
  octokit: GitHubClient,
  repo: RepoRef,
  runId: number,
  maxJobs: number,
): Promise<JobsRead> {
  const jobs: JobFacts[] = [];
  let truncated = false;
  const pages = octokit.paginate.iterator(octokit.rest.actions.listJobsForWorkflowRun, {
    ...repo,
    run_id: runId,
    filter: 'latest',
    per_page: 100,
  });
  for await (const page of pages) {
    for (const job of page.data as unknown as Record<string, any>[]) {
      if (jobs.length >= maxJobs) {
        truncated = true;
        break;
      }
      jobs.push(jobFacts(job));
    }
    if (truncated) break;
  }
  return { jobs, truncated };
}

export function jobFacts(job: Record<string, any>): JobFacts {
  const steps: StepFacts[] = Array.isArray(job.steps)
    ? job.steps.map((step: Record<string, any>) => ({
        number: Number(step.number),
        name: String(step.name ?? ''),
        status: String(step.status ?? ''),
        conclusion: step.conclusion ?? null,
        startedAt: epoch(step.started_at),
        completedAt: epoch(step.completed_at),
      }))
    : [];
  return {
    id: Number(job.id),
    name: String(job.name ?? ''),
    status: String(job.status ?? ''),
    conclusion: job.conclusion ?? null,
    createdAt: epoch(job.created_at),
    startedAt: epoch(job.started_at),
    completedAt: job.status === 'completed' ? epoch(job.completed_at) : undefined,
    labels: Array.isArray(job.labels) ? job.labels.map(String) : [],
    runnerName: job.runner_name ?? undefined,
    runnerGroup: job.runner_group_name ?? undefined,
    url: job.html_url ?? undefined,
    steps,
  };
}

export interface RunRef {
  id: number;
  number: number;
  branch: string;
  headRepository: string;
  event: string;
}

/** A workflow's completed runs, newest first: one page of at most `limit`, optionally on one branch. */
export async function listWorkflowRuns(
  octokit: GitHubClient,
  repo: RepoRef,
  workflowId: number,
  options: { branch?: string; limit: number },
): Promise<RunRef[]> {
  const { data } = await octokit.rest.actions.listWorkflowRuns({
    ...repo,
    workflow_id: workflowId,
    status: 'completed',
    per_page: Math.min(100, options.limit),
    ...(options.branch ? { branch: options.branch } : {}),
  });
  return data.workflow_runs.slice(0, options.limit).map((run) => ({
    id: run.id,
    number: run.run_number,
    branch: run.head_branch ?? '',
    headRepository: run.head_repository?.full_name ?? `${repo.owner}/${repo.repo}`,
    event: run.event,
  }));
}

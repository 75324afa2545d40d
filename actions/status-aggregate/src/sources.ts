/**
 * Where the gate's facts come from: the workflow file (the checkout, or the contents API at the
 * workflow's commit) and the run's jobs (the Actions API, every page of 100).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import {
  ConfigError,
  type GitHubClient,
  type GitHubContext,
  InputError,
  listRunJobs,
  type RunJob,
} from '@dynamo-ci/core';
import { namesJob, parseWorkflow, type WorkflowGraph, workflowPathFromRef } from './graph.js';

export interface GraphSources {
  workflowFile?: string;
  context: Pick<GitHubContext, 'workflowRef' | 'workspace' | 'repo' | 'sha'>;
  /** `GITHUB_WORKFLOW_SHA`: the commit the workflow file was read from. */
  workflowSha?: string;
  github?: () => Promise<GitHubClient>;
}

export interface LoadedGraph {
  graph?: WorkflowGraph;
  /** Why there is no graph, for the warning. */
  missing?: string;
}

/** The job graph: `workflow-file`, else the file `GITHUB_WORKFLOW_REF` names in the checkout, else the API. */
export async function loadGraph(sources: GraphSources): Promise<LoadedGraph> {
  const workspace = resolve(sources.context.workspace);
  if (sources.workflowFile !== undefined) {
    const path = resolve(workspace, sources.workflowFile);
    if (path !== workspace && !path.startsWith(workspace + sep)) {
      throw new InputError(
        'workflow-file',
        `Input 'workflow-file' must be inside the workspace, got ${JSON.stringify(sources.workflowFile)}`,
      );
    }
    if (!existsSync(path)) {
      throw new InputError(
        'workflow-file',
        `Input 'workflow-file' names ${JSON.stringify(sources.workflowFile)}, which does not exist in the workspace. Check out the repository first or fix the path.`,
      );
    }
    return { graph: parseWorkflow(readFileSync(path, 'utf8'), sources.workflowFile) };
  }
  const location = workflowPathFromRef(sources.context.workflowRef);
  if (!location) return { missing: 'GITHUB_WORKFLOW_REF is not set' };
  const local = join(workspace, location.path);
  if (existsSync(local)) return { graph: parseWorkflow(readFileSync(local, 'utf8'), location.path) };
  if (!sources.github) return { missing: `${location.path} is not in the workspace and no token was given` };
  const ref = sources.workflowSha ?? (location.ref || sources.context.sha);
  const octokit = await sources.github();
  try {
    const { data } = await octokit.rest.repos.getContent({
      ...sources.context.repo,
      path: location.path,
      ...(ref ? { ref } : {}),
    });
    if (Array.isArray(data) || data.type !== 'file' || typeof data.content !== 'string') {
      return { missing: `${location.path} is not a file at ${ref}` };
    }
    const text = Buffer.from(data.content, (data.encoding as BufferEncoding) || 'base64').toString('utf8');
    return { graph: parseWorkflow(text, `${location.path}@${ref}`) };
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    return { missing: `${location.path} could not be read through the API (${(error as Error).message})` };
  }
}

/** Every job of the run's latest attempt, 100 per request. */
export async function fetchRunJobs(
  octokit: GitHubClient,
  context: Pick<GitHubContext, 'repo' | 'runId'>,
): Promise<RunJob[]> {
  if (context.runId === undefined)
    throw new ConfigError('GITHUB_RUN_ID is not set: jobs-from-api needs a workflow run.');
  return listRunJobs(octokit, context.repo, context.runId);
}

/** How the gate recognises its own entry in the run's jobs. */
export interface OwnJob {
  /** `RUNNER_NAME`: the gate's entry is the unfinished job on this runner. */
  runnerName: string | undefined;
  /** `GITHUB_JOB`: the gate's job id in the workflow it runs in. */
  jobId: string | undefined;
  graph?: WorkflowGraph;
}

/**
 * The jobs of the workflow this gate belongs to. Inside a reusable workflow the API names every job
 * `<caller job> / <job>` (nested calls add more prefixes), and the run also lists the caller's other
 * jobs. The gate finds its own entry (the unfinished job on this runner) and scopes only when that
 * entry's name is `<prefix><a name of this job id>` and the whole name is not a name of this job
 * id already: ` / ` alone proves nothing, since a top-level job's `name:` or matrix values may hold
 * it. It then keeps the jobs that share the prefix and strips it, so names match the workflow file
 * again. Otherwise the list is returned as it is.
 */
export function scopeToOwnWorkflow(jobs: readonly RunJob[], own: OwnJob): RunJob[] {
  const prefix = callerPrefix(jobs, own);
  if (prefix === undefined) return [...jobs];
  return jobs
    .filter((job) => job.name.startsWith(prefix))
    .map((job) => ({ ...job, name: job.name.slice(prefix.length) }));
}

function callerPrefix(jobs: readonly RunJob[], own: OwnJob): string | undefined {
  const { runnerName, jobId, graph } = own;
  if (!runnerName || !jobId) return undefined;
  const self = jobs.find((job) => job.runnerName === runnerName && job.status !== 'completed');
  if (!self || namesJob(self.name, jobId, graph)) return undefined;
  // The innermost prefix whose rest names this job (matrix values may hold ' / ' too).
  const cuts = [...self.name.matchAll(/ \/ /g)].map((match) => match.index).reverse();
  for (const cut of cuts) {
    const prefix = self.name.slice(0, cut + 3);
    if (namesJob(self.name.slice(prefix.length), jobId, graph)) return prefix;
  }
  return undefined;
}

/**
 * The run's job graph, read from the workflow file: each job's `needs`, `if:`, display `name:` and
 * `continue-on-error`. The `needs` context says only *that* a job was skipped; the graph says
 * whether its own condition skipped it or a failed dependency did (GitHub skips every job that
 * needs a failed or cancelled job unless its `if:` uses a status function).
 */
import { ConfigError } from '@dynamo-ci/core';
import { parse as parseYaml } from 'yaml';

export interface GraphJob {
  id: string;
  needs: string[];
  /** The `if:` text, when the job has one. */
  condition?: string;
  /** The `name:` template, when the job has one (may contain `${{ matrix.x }}`). */
  name?: string;
  continueOnError: boolean;
  /** A job that calls a reusable workflow (`uses:`): its check runs are named `caller / callee`. */
  reusable: boolean;
}

export interface WorkflowGraph {
  /** Where the graph was read from, for messages. */
  source: string;
  jobs: Map<string, GraphJob>;
}

/** Parse a workflow file's text. Throws a ConfigError naming the source on malformed YAML. */
export function parseWorkflow(text: string, source: string): WorkflowGraph {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`The workflow file ${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const jobsNode = (document as { jobs?: unknown } | null)?.jobs;
  if (typeof jobsNode !== 'object' || jobsNode === null || Array.isArray(jobsNode)) {
    throw new ConfigError(`The workflow file ${source} has no \`jobs:\` mapping`);
  }
  const jobs = new Map<string, GraphJob>();
  for (const [id, raw] of Object.entries(jobsNode as Record<string, unknown>)) {
    const job = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const needs = typeof job.needs === 'string' ? [job.needs] : Array.isArray(job.needs) ? job.needs.map(String) : [];
    const condition = job.if === undefined || job.if === null ? undefined : String(job.if);
    jobs.set(id, {
      id,
      needs,
      condition,
      name: typeof job.name === 'string' ? job.name : undefined,
      continueOnError: job['continue-on-error'] === true,
      reusable: typeof job.uses === 'string',
    });
  }
  return { source, jobs };
}

/**
 * True when the `if:` uses a status-check function other than `success()`: then GitHub evaluates
 * the condition even after a dependency failed, and a skip is the condition's doing.
 */
export function overridesDependencyStatus(condition: string | undefined): boolean {
  if (condition === undefined) return false;
  return /\b(always|failure|cancelled)\s*\(\s*\)/.test(condition);
}

/**
 * The workflow file's path inside the repository, from `GITHUB_WORKFLOW_REF`
 * (`owner/repo/.github/workflows/ci.yml@refs/heads/main`).
 */
export function workflowPathFromRef(workflowRef: string | undefined): { path: string; ref: string } | undefined {
  if (!workflowRef) return undefined;
  const at = workflowRef.lastIndexOf('@');
  const location = at === -1 ? workflowRef : workflowRef.slice(0, at);
  const ref = at === -1 ? '' : workflowRef.slice(at + 1);
  const parts = location.split('/');
  if (parts.length < 3) return undefined;
  return { path: parts.slice(2).join('/'), ref };
}

/** A check-run name of one of `id`'s templates (its id and its `name:`), expressions as wildcards, then `tail`. */
function namePatterns(id: string, graph: WorkflowGraph | undefined, tail: string) {
  const names = new Set([id]);
  const template = graph?.jobs.get(id)?.name;
  if (template !== undefined) names.add(template);
  return [...names].map((name) => {
    const literal = name.replace(/\$\{\{.*?\}\}/g, '\0');
    const source = literal
      .split('\0')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return { id, pattern: new RegExp(`^${source}${tail}$`, 's'), specificity: literal.replace(/\0/g, '').length };
  });
}

/**
 * Map check-run names (from the Actions API) to job ids. A job's check runs are named by its
 * `name:` (expressions filled in) or its id; matrix legs without a `${{ matrix }}` name get
 * ` (a, b)` appended; jobs calling a reusable workflow are named `caller / callee`. The most
 * specific template wins when several match.
 */
export function jobIdMatcher(
  jobIds: readonly string[],
  graph: WorkflowGraph | undefined,
): (name: string) => string | undefined {
  const templates = jobIds.flatMap((id) => namePatterns(id, graph, '(?: \\(.*\\))?(?: / .*)?'));
  templates.sort((a, b) => b.specificity - a.specificity);
  return (name) => templates.find((template) => template.pattern.test(name))?.id;
}

/**
 * Whether `name` is a check-run name of job `id` itself: its id or `name:` template, with at most
 * the ` (matrix values)` suffix; unlike jobIdMatcher, not a `caller / callee` name.
 */
export function namesJob(name: string, id: string, graph: WorkflowGraph | undefined): boolean {
  return namePatterns(id, graph, '(?: \\(.*\\))?').some((template) => template.pattern.test(name));
}

/**
 * Jobs of the workflow this gate does not cover: neither needed by it (directly or through a
 * chain of `needs`), nor downstream of it. A job added to the workflow but not to the gate's
 * `needs:` shows up here (upstream's hand-maintained lists made that easy to miss).
 */
export function ungatedJobs(graph: WorkflowGraph, gate: string): string[] {
  if (!graph.jobs.has(gate)) return [];
  const covered = new Set<string>([gate]);
  const upstream = [...(graph.jobs.get(gate)?.needs ?? [])];
  while (upstream.length > 0) {
    const id = upstream.pop() as string;
    if (covered.has(id)) continue;
    covered.add(id);
    upstream.push(...(graph.jobs.get(id)?.needs ?? []));
  }
  const downstream = (id: string, seen: Set<string>): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    const needs = graph.jobs.get(id)?.needs ?? [];
    return needs.includes(gate) || needs.some((need) => downstream(need, seen));
  };
  return [...graph.jobs.keys()].filter((id) => !covered.has(id) && !downstream(id, new Set()));
}

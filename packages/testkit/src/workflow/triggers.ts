/**
 * Which workflows an event starts: `on:` with its branch, tag, path and type filters, matched as
 * GitHub matches them (the filter pattern cheat sheet: `*` within a path segment, `**` across
 * segments, `?` and `+` on the preceding character, `[...]` classes, a leading `!` negates, and
 * the last pattern that matches decides).
 */
import type { Json } from './expressions.js';
import type { Workflow } from './load.js';

/** An event on a repository: its name, payload and the commit the runs see. */
export interface WorkflowEvent {
  /** `push`, `pull_request`, `schedule`, `workflow_dispatch`, ... */
  name: string;
  /** The webhook payload (`github.event`). */
  payload: Record<string, Json>;
  /** `github.ref`: `refs/heads/main`, `refs/pull/12/merge`, ... */
  ref: string;
  /** `github.sha`: the commit the runs check out. */
  sha: string;
  /** `workflow_dispatch` starts one workflow: its file name (`pr.yaml`). */
  workflow?: string;
  /** `github.actor`. */
  actor?: string;
}

/** One GitHub filter pattern as a regular expression. */
export function filterPattern(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      // `**/x` also matches `x` at the root.
      const slash = pattern[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '[') {
      const end = pattern.indexOf(']', index);
      if (end === -1) source += '\\[';
      else {
        source += pattern.slice(index, end + 1);
        index = end;
      }
    } else if (char === '+' || char === '?') source += char;
    else source += char.replace(/[.^$(){}|\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `value` passes a pattern list: the last matching pattern decides (`!` excludes). */
export function matchesFilters(value: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (filterPattern(negated ? pattern.slice(1) : pattern).test(value)) matched = !negated;
  }
  return matched;
}

interface Filters {
  branches?: string[];
  'branches-ignore'?: string[];
  tags?: string[];
  'tags-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
  types?: string[];
}

/** Why the event starts the workflow, or undefined when it does not. */
export type TriggerDecision = { triggered: true; reason: string } | { triggered: false; reason: string };

const DEFAULT_PULL_REQUEST_TYPES = ['opened', 'synchronize', 'reopened'];

function refFilter(kind: 'branches' | 'tags', name: string, filters: Filters): string | undefined {
  const include = filters[kind];
  const ignore = filters[`${kind}-ignore`];
  if (include && !matchesFilters(name, include)) return `${kind} filter [${include.join(', ')}] does not match ${name}`;
  if (ignore && matchesFilters(name, ignore)) return `${kind}-ignore [${ignore.join(', ')}] matches ${name}`;
  return undefined;
}

function pathFilter(files: readonly string[], filters: Filters): string | undefined {
  if (filters.paths && !files.some((file) => matchesFilters(file, filters.paths as string[]))) {
    return `no changed file matches paths [${filters.paths.join(', ')}]`;
  }
  const ignore = filters['paths-ignore'];
  if (ignore && files.length > 0 && files.every((file) => matchesFilters(file, ignore))) {
    return `every changed file matches paths-ignore [${ignore.join(', ')}]`;
  }
  return undefined;
}

/**
 * Whether `event` starts `workflow`. `changedFiles` is asked only when a paths filter needs it
 * (the push's or the pull request's files).
 */
export function triggers(workflow: Workflow, event: WorkflowEvent, changedFiles: () => string[]): TriggerDecision {
  const events = workflow.template.events as Record<string, unknown>;
  if (!(event.name in events)) return { triggered: false, reason: `not on ${event.name}` };
  const filters = (events[event.name] ?? {}) as Filters;
  const no = (reason: string): TriggerDecision => ({ triggered: false, reason });
  const action = typeof event.payload.action === 'string' ? event.payload.action : undefined;
  switch (event.name) {
    case 'workflow_dispatch':
      return event.workflow === workflow.file
        ? { triggered: true, reason: 'on workflow_dispatch: started by hand' }
        : no(`workflow_dispatch of ${event.workflow ?? 'another workflow'}`);
    case 'push': {
      const tag = /^refs\/tags\/(.+)$/.exec(event.ref)?.[1];
      const branch = /^refs\/heads\/(.+)$/.exec(event.ref)?.[1];
      const hasBranchFilter = filters.branches || filters['branches-ignore'];
      const hasTagFilter = filters.tags || filters['tags-ignore'];
      if (branch !== undefined && hasTagFilter && !hasBranchFilter) return no('push filters name tags only');
      if (tag !== undefined && hasBranchFilter && !hasTagFilter) return no('push filters name branches only');
      const refProblem =
        branch !== undefined ? refFilter('branches', branch, filters) : refFilter('tags', tag ?? '', filters);
      if (refProblem) return no(refProblem);
      const pathProblem = filters.paths || filters['paths-ignore'] ? pathFilter(changedFiles(), filters) : undefined;
      if (pathProblem) return no(pathProblem);
      return { triggered: true, reason: `on push to ${branch ?? tag}` };
    }
    case 'pull_request':
    case 'pull_request_target': {
      const types = filters.types ?? DEFAULT_PULL_REQUEST_TYPES;
      if (action && !types.includes(action)) return no(`${event.name} type ${action} is not in [${types.join(', ')}]`);
      const base = (event.payload.pull_request as { base?: { ref?: string } } | undefined)?.base?.ref ?? '';
      const refProblem = refFilter('branches', base, filters);
      if (refProblem) return no(refProblem);
      const pathProblem = filters.paths || filters['paths-ignore'] ? pathFilter(changedFiles(), filters) : undefined;
      if (pathProblem) return no(pathProblem);
      return { triggered: true, reason: `on ${event.name}${action ? ` (${action})` : ''} into ${base}` };
    }
    case 'schedule': {
      const crons = (events.schedule as { cron: string }[] | undefined)?.map((entry) => entry.cron) ?? [];
      const cron = typeof event.payload.schedule === 'string' ? event.payload.schedule : undefined;
      if (cron !== undefined && !crons.includes(cron))
        return no(`schedule ${cron} is not one of [${crons.join(', ')}]`);
      return { triggered: true, reason: `on schedule (${cron ?? crons.join(', ')})` };
    }
    case 'workflow_call':
      return no('a reusable workflow runs only when called');
    default: {
      if (action && filters.types && !filters.types.includes(action)) {
        return no(`${event.name} type ${action} is not in [${filters.types.join(', ')}]`);
      }
      return { triggered: true, reason: `on ${event.name}` };
    }
  }
}

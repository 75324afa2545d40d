/** Raw action inputs -> the typed `Inputs` the gate runs on. Pure. */
import { InputError, inputs, jobGlob } from '@dynamo-ci/core';

/** The four values `needs.<job>.result` can take. */
export type NeedsResult = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface Policy {
  /** The input the globs came from, for messages. */
  input: 'allowed-skips' | 'allowed-failures' | 'allowed-cancels' | 'required';
  patterns: string[];
  globs: RegExp[];
}

export interface Inputs {
  /** Job id -> result, in the order `toJSON(needs)` listed them. */
  needs: Map<string, NeedsResult>;
  allowedSkips: Policy;
  allowedFailures: Policy;
  allowedCancels: Policy;
  required: Policy;
  jobsFromApi: boolean;
  /** A workflow file path relative to the workspace, overriding `GITHUB_WORKFLOW_REF`. */
  workflowFile?: string;
  token?: string;
}

const NEEDS_RESULTS = new Set<string>(['success', 'failure', 'cancelled', 'skipped']);

export function parseInputs(read: (name: string) => string | undefined): Inputs {
  return {
    needs: parseNeeds(read('needs')),
    allowedSkips: policy('allowed-skips', read('allowed-skips')),
    allowedFailures: policy('allowed-failures', read('allowed-failures')),
    allowedCancels: policy('allowed-cancels', read('allowed-cancels')),
    required: policy('required', read('required')),
    jobsFromApi: inputs.boolean(read('jobs-from-api'), 'jobs-from-api', false),
    workflowFile: inputs.optional(read('workflow-file'))?.trim(),
    token: inputs.optional(read('token'))?.trim(),
  };
}

/** `${{ toJSON(needs) }}`: `{"build": {"result": "success", "outputs": {...}}, ...}`. */
export function parseNeeds(raw: string | undefined): Map<string, NeedsResult> {
  const hint = 'Pass `needs: ${{ toJSON(needs) }}` from a job with `needs:` and `if: always()`.';
  const value = inputs.json<unknown>(inputs.required(raw, 'needs'), 'needs');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError('needs', `Input 'needs' must be a JSON object of jobs. ${hint}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) {
    throw new InputError(
      'needs',
      `Input 'needs' is empty: this job needs no jobs, so the gate would pass without checking anything. List the jobs to gate under the job's \`needs:\`. ${hint}`,
    );
  }
  const needs = new Map<string, NeedsResult>();
  for (const [id, entry] of entries) {
    const result = (entry as { result?: unknown } | null)?.result;
    if (typeof result !== 'string' || !NEEDS_RESULTS.has(result)) {
      throw new InputError(
        'needs',
        `Input 'needs' entry ${JSON.stringify(id)} has result ${JSON.stringify(result)}, expected success|failure|cancelled|skipped. ${hint}`,
      );
    }
    needs.set(id, result as NeedsResult);
  }
  return needs;
}

function policy(input: Policy['input'], raw: string | undefined): Policy {
  const patterns = splitPolicy(raw);
  return { input, patterns, globs: patterns.map(jobGlob) };
}

/**
 * Newline- or comma-separated, except that commas inside parentheses belong to the name: matrix
 * legs are named `test (amd64, 12.9)`.
 */
export function splitPolicy(raw: string | undefined): string[] {
  const patterns: string[] = [];
  for (const line of inputs.list(raw, { comma: false })) {
    let depth = 0;
    let current = '';
    for (const char of line) {
      if (char === '(') depth++;
      else if (char === ')') depth = Math.max(0, depth - 1);
      if (char === ',' && depth === 0) {
        patterns.push(current);
        current = '';
      } else current += char;
    }
    patterns.push(current);
  }
  return patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
}

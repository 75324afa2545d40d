/** Raw action inputs -> the typed `Inputs` change detection runs on. Pure. */
import { assertRevision, type ChangeType, DEFAULT_PR_BRANCH_PATTERN, InputError, inputs } from '@dynamo-ci/core';
import { parseChangeTypes } from './change-types.js';

export type UncoveredPolicy = 'fail' | 'warn' | 'ignore';

export interface Inputs {
  /** A filters file path (relative to `workingDirectory`) or inline YAML. */
  filters: string;
  token?: string;
  baseSha?: string;
  headSha?: string;
  changeTypes: ChangeType[];
  forceAll: boolean;
  uncovered: UncoveredPolicy;
  prBranchPattern: RegExp;
  workingDirectory: string;
  /** Write the whole result as a JSON file (`report-file`). */
  writeReport: boolean;
}

export function parseInputs(read: (name: string) => string | undefined): Inputs {
  const baseSha = inputs.optional(read('base-sha'))?.trim();
  const headSha = inputs.optional(read('head-sha'))?.trim();
  return {
    filters: inputs.optional(read('filters')) ?? '.github/filters.yaml',
    token: inputs.optional(read('token'))?.trim(),
    baseSha: baseSha === undefined ? undefined : assertRevision(baseSha, 'base-sha'),
    headSha: headSha === undefined ? undefined : assertRevision(headSha, 'head-sha'),
    changeTypes: parseChangeTypes(read('change-types')),
    forceAll: inputs.boolean(read('force-all'), 'force-all', false),
    uncovered: inputs.oneOf(read('uncovered'), 'uncovered', ['fail', 'warn', 'ignore'], 'warn'),
    prBranchPattern: parsePattern(read('pr-branch-pattern')),
    workingDirectory: inputs.optional(read('working-directory'))?.trim() ?? '.',
    writeReport: inputs.boolean(read('write-report'), 'write-report', false),
  };
}

function parsePattern(raw: string | undefined): RegExp {
  const source = inputs.optional(raw)?.trim();
  if (source === undefined) return DEFAULT_PR_BRANCH_PATTERN;
  let pattern: RegExp;
  try {
    pattern = new RegExp(source);
  } catch (error) {
    throw new InputError(
      'pr-branch-pattern',
      `Input 'pr-branch-pattern' must be a regular expression: ${(error as Error).message}`,
    );
  }
  // Count the capture groups: an alternation with the empty string always matches.
  const groups = (new RegExp(`${source}|`).exec('')?.length ?? 1) - 1;
  if (groups < 1) {
    throw new InputError(
      'pr-branch-pattern',
      `Input 'pr-branch-pattern' needs a capture group for the PR number, like ^pull-request/(\\d+)$, got ${JSON.stringify(source)}`,
    );
  }
  return pattern;
}

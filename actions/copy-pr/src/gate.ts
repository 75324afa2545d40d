/**
 * The trust gate: decide whether the PR's head may reach `pull-request/<N>` (where the CI with
 * secrets and GPUs runs on push) and move the branch through the refs API, or say why not.
 * It never checks out or runs PR code, so it is safe under `pull_request_target` and
 * `issue_comment`. All I/O goes through the `GatePort`. The branch only ever moves to one exact
 * commit: the full SHA a vetter approved, or a head whose every commit passed the trust rules.
 */
import type { MoveOptions } from './branch.js';
import type { GateRequest } from './event.js';
import type { GatePort } from './github.js';
import type { Inputs } from './inputs.js';
import { sync } from './sync.js';
import { vet } from './vet.js';

export type GateAction = 'synced' | 'refused' | 'deleted' | 'ignored';

export interface GateResult {
  action: GateAction;
  reason: string;
  pr?: number;
  branch?: string;
  sha?: string;
  /** What was said on the PR: a reply, a vetting request, or that one was already there. */
  notified?: string;
  warnings: string[];
}

export type GateInputs = Pick<
  Inputs,
  'trustedPermission' | 'trustedTeams' | 'requireSigned' | 'branchPrefix' | 'command'
>;

/** An event the gate has nothing to do for; needs no API call. */
export function ignoredResult(inputs: GateInputs, request: Extract<GateRequest, { kind: 'ignore' }>): GateResult {
  return {
    action: 'ignored',
    reason: request.reason,
    pr: request.pr,
    branch: request.pr === undefined ? undefined : branchName(inputs, request.pr),
    warnings: [],
  };
}

export async function runGate(
  inputs: GateInputs,
  request: Exclude<GateRequest, { kind: 'ignore' }>,
  port: GatePort,
  options: MoveOptions = {},
): Promise<GateResult> {
  const branch = branchName(inputs, request.pr);
  switch (request.kind) {
    case 'vet':
      return vet(inputs, request, branch, port, options);
    case 'sync':
      return sync(inputs, request.pr, branch, port, options);
    case 'close':
      return close(request.pr, branch, port);
  }
}

export function branchName(inputs: Pick<Inputs, 'branchPrefix'>, pr: number): string {
  return `${inputs.branchPrefix}${pr}`;
}

async function close(pr: number, branch: string, port: GatePort): Promise<GateResult> {
  // A late closed event must not delete the branch of a PR that was reopened (and synced) since.
  if ((await port.getPull(pr)).state === 'open') {
    return { action: 'ignored', reason: 'the pull request was reopened', pr, branch, warnings: [] };
  }
  const before = await port.getBranch(branch);
  if (before === undefined) return { action: 'ignored', reason: `${branch} does not exist`, pr, branch, warnings: [] };
  if (!(await port.deleteBranch(branch))) {
    return { action: 'ignored', reason: `${branch} was already deleted`, pr, branch, warnings: [] };
  }
  return { action: 'deleted', reason: 'the pull request was closed', pr, branch, sha: before, warnings: [] };
}

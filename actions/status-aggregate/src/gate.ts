/**
 * The gate: every job in `needs` (or every matrix leg of it, from the Actions API) gets a
 * verdict under the policy, and the gate passes only when every verdict is `pass`. Pure: the
 * graph and the API jobs are read by the caller and passed in.
 */
import {
  GATE_REPORT_SCHEMA,
  type GateReport,
  InputError,
  isJobResult,
  type JobResult,
  matchesAnyGlob,
  type ReportJob,
  type ReportRun,
  type RunJob,
  type SkipKind,
} from '@dynamo-ci/core';
import { jobIdMatcher, overridesDependencyStatus, type WorkflowGraph } from './graph.js';
import type { Inputs, NeedsResult, Policy } from './inputs.js';

export interface GateInput {
  inputs: Pick<Inputs, 'needs' | 'allowedSkips' | 'allowedFailures' | 'allowedCancels' | 'required'>;
  graph?: WorkflowGraph;
  /** Every job of the run's latest attempt, when the API was read. */
  apiJobs?: readonly RunJob[];
  /** Judge each matrix leg from `apiJobs` instead of the collapsed `needs` result. */
  perLeg: boolean;
  run: ReportRun;
  gate?: string;
}

export interface GateOutcome {
  report: GateReport;
  /** Display names of the jobs whose verdict is `fail`. */
  failedJobs: string[];
  warnings: string[];
}

const FAILED = new Set<JobResult>(['failure', 'timed_out', 'action_required', 'startup_failure', 'stale']);

interface Unit {
  id: string;
  name: string;
  result: JobResult;
  url?: string;
}

interface SkipCause {
  kind: SkipKind;
  cause?: string;
  causeResult?: 'failure' | 'cancelled';
  /** A skipped dependency whose own skip explains this one. */
  via?: string;
}

/** The result of one API job: its conclusion, or `in_progress` until it has one. */
export function legResult(job: RunJob): JobResult {
  if (job.status !== 'completed' || job.conclusion === null) return 'in_progress';
  return isJobResult(job.conclusion) ? job.conclusion : 'failure';
}

/** The result `needs` would show for a set of legs. */
function collapse(results: readonly JobResult[]): NeedsResult {
  if (results.some((result) => FAILED.has(result) || result === 'in_progress')) return 'failure';
  if (results.some((result) => result === 'cancelled')) return 'cancelled';
  if (results.length > 0 && results.every((result) => result === 'skipped')) return 'skipped';
  return 'success';
}

export function evaluateGate(input: GateInput): GateOutcome {
  const { needs } = input.inputs;
  const warnings: string[] = [];
  const graphIds = input.graph ? [...input.graph.jobs.keys()] : [];
  const matchId = jobIdMatcher([...new Set([...needs.keys(), ...graphIds])], input.graph);
  const legs = new Map<string, Unit[]>();
  for (const job of input.apiJobs ?? []) {
    const id = matchId(job.name);
    if (id === undefined) continue;
    const list = legs.get(id) ?? [];
    list.push({ id, name: job.name, result: legResult(job), url: job.url });
    legs.set(id, list);
  }

  const resultOf = (id: string): NeedsResult | undefined => {
    const fromNeeds = needs.get(id);
    if (fromNeeds !== undefined) return fromNeeds;
    const fromApi = legs.get(id);
    return fromApi ? collapse(fromApi.map((leg) => leg.result)) : undefined;
  };

  const causes = new Map<string, SkipCause>();
  const classify = (id: string, seen: Set<string>): SkipCause => {
    const known = causes.get(id);
    if (known) return known;
    const cause = classifyUncached(id, seen);
    causes.set(id, cause);
    return cause;
  };
  const classifyUncached = (id: string, seen: Set<string>): SkipCause => {
    const job = input.graph?.jobs.get(id);
    if (!job || seen.has(id)) return { kind: 'unknown' };
    if (overridesDependencyStatus(job.condition)) return { kind: 'condition' };
    for (const need of job.needs) {
      const result = resultOf(need);
      if (result === 'failure' || result === 'cancelled')
        return { kind: 'dependency', cause: need, causeResult: result };
    }
    let unknown = false;
    for (const need of job.needs) {
      const result = resultOf(need);
      if (result === 'skipped') {
        const upstream = classify(need, new Set([...seen, id]));
        if (upstream.kind === 'dependency') return { ...upstream, via: need };
        if (upstream.kind === 'unknown') unknown = true;
      } else if (result === undefined) {
        // Not in needs and not read from the API: if its own dependencies prove it was skipped
        // for a failure, that decides this job too; otherwise it may have run and succeeded.
        const upstream = classify(need, new Set([...seen, id]));
        if (upstream.kind === 'dependency') return { ...upstream, via: need };
        unknown = true;
      }
    }
    return unknown ? { kind: 'unknown' } : { kind: 'condition' };
  };

  const units: (Unit & { needsResult: NeedsResult })[] = [];
  for (const [id, needsResult] of needs) {
    const jobLegs = input.perLeg ? legs.get(id) : undefined;
    if (input.perLeg && !jobLegs) {
      warnings.push(
        `No job named like '${id}' is in the run's jobs list; judging it by its needs result (${needsResult}).`,
      );
    }
    if (jobLegs && jobLegs.length > 0) {
      for (const leg of jobLegs) units.push({ ...leg, needsResult });
    } else {
      units.push({ id, name: id, result: needsResult, needsResult });
    }
  }

  validatePolicies(input.inputs, units);

  const unknownSkips: string[] = [];
  const jobs: ReportJob[] = units.map((unit) => {
    const names = [unit.id, unit.name];
    const row: ReportJob = { id: unit.id, name: unit.name, result: unit.result, verdict: 'pass', reason: '' };
    if (unit.url) row.url = unit.url;
    const { inputs: policy } = input;
    const required = matchesAnyGlob(policy.required.globs, names);
    const judge = (pass: boolean, reason: string) => {
      row.verdict = pass ? 'pass' : 'fail';
      row.reason = reason;
    };

    if (unit.result === 'success' || unit.result === 'neutral') {
      judge(true, required ? 'succeeded (required)' : 'succeeded');
    } else if (unit.result === 'in_progress') {
      judge(false, 'had not finished when the gate ran');
    } else if (unit.result === 'skipped') {
      const cause = classify(unit.id, new Set());
      row.skip = cause.kind;
      if (cause.cause) row.cause = cause.cause;
      if (cause.kind === 'unknown') unknownSkips.push(unit.name);
      const why =
        cause.kind === 'dependency'
          ? `skipped because ${cause.cause} ${cause.causeResult === 'failure' ? 'failed' : 'was cancelled'}${cause.via && cause.via !== cause.cause ? ` (through ${cause.via})` : ''}`
          : cause.kind === 'condition'
            ? 'skipped by its condition'
            : 'skipped (cause unknown: the job graph was not available)';
      if (required) judge(false, `${why}, but it is required to succeed`);
      else if (cause.kind === 'dependency') {
        const allowed = cause.causeResult === 'failure' ? policy.allowedFailures : policy.allowedCancels;
        const pass = matchesAnyGlob(allowed.globs, names);
        judge(
          pass,
          pass
            ? `${why}; allowed by ${allowed.input}`
            : `${why}: a dependency skip counts as a ${cause.causeResult === 'failure' ? 'failure' : 'cancellation'}`,
        );
      } else {
        const pass = matchesAnyGlob(policy.allowedSkips.globs, names);
        judge(pass, pass ? `${why}; allowed by allowed-skips` : `${why}, and it is not in allowed-skips`);
      }
    } else if (unit.result === 'cancelled') {
      if (required) judge(false, 'cancelled, but it is required to succeed');
      else if (matchesAnyGlob(policy.allowedCancels.globs, names)) judge(true, 'cancelled; allowed by allowed-cancels');
      else judge(false, 'cancelled, and it is not in allowed-cancels');
    } else {
      const what = unit.result === 'failure' ? 'failed' : unit.result.replace(/_/g, ' ');
      if (required) judge(false, `${what}, but it is required to succeed`);
      else if (unit.needsResult === 'success' && unit.name !== unit.id) {
        judge(true, `${what}, but its job succeeded (continue-on-error)`);
      } else if (matchesAnyGlob(policy.allowedFailures.globs, names))
        judge(true, `${what}; allowed by allowed-failures`);
      else judge(false, `${what}, and it is not in allowed-failures`);
    }
    return row;
  });

  if (unknownSkips.length > 0) {
    const plural = unknownSkips.length !== 1;
    const why = input.graph
      ? `${plural ? 'they depend' : 'it depends'} on jobs outside needs whose results the Actions API did not give`
      : 'the workflow file with the job graph was not found; check out the repository before this step or set workflow-file';
    warnings.push(
      `Could not tell whether ${listNames(unknownSkips)} ${plural ? 'were' : 'was'} skipped by a condition or by a failed dependency (${why}); treated as condition skips.`,
    );
  }

  const failedJobs = jobs.filter((job) => job.verdict === 'fail').map((job) => job.name);
  return {
    report: {
      schema: GATE_REPORT_SCHEMA,
      result: failedJobs.length === 0 ? 'success' : 'failure',
      gate: input.gate,
      run: input.run,
      jobs,
    },
    failedJobs,
    warnings,
  };
}

/** A policy name that matches no job is a typo that silently weakens (or breaks) the gate. */
function validatePolicies(policy: GateInput['inputs'], units: readonly Unit[]): void {
  const names = [...new Set(units.flatMap((unit) => [unit.id, unit.name]))];
  for (const list of [
    policy.allowedSkips,
    policy.allowedFailures,
    policy.allowedCancels,
    policy.required,
  ] as Policy[]) {
    const unmatched = list.patterns.filter((_, index) => !names.some((name) => list.globs[index]?.test(name)));
    if (unmatched.length > 0) {
      throw new InputError(
        list.input,
        `Input '${list.input}' names ${unmatched.map((name) => JSON.stringify(name)).join(', ')}, which ${unmatched.length === 1 ? 'matches' : 'match'} no job in needs (${listNames(names, 20)}). Fix the name or add the job to this job's \`needs:\`.`,
      );
    }
  }
}

function listNames(names: readonly string[], max = 10): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, and ${names.length - max} more` : shown;
}

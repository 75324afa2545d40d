/**
 * Collecting the run: the durations the next shard plan starts from, the run's result (cancelled,
 * timed out, failed, empty or a success), and the report (report.json and the `report` output),
 * with its lists cut to `REPORT_LIMITS`.
 */
import { join } from 'node:path';
import { noTestsProblem } from './diagnose.js';
import type { Execution } from './execute.js';
import type { Inputs } from './inputs.js';
import type { RunPlan, ShardPlan } from './plan.js';
import {
  byLocation,
  failureEntry,
  location,
  REPORT_LIMITS,
  type Report,
  type RunResult,
  round,
  testName,
} from './report.js';
import { slowest } from './results.js';
import { writeRegular } from './results-dir.js';
import type { Ports, RunContext } from './run.js';
import { mergeDurations } from './shard.js';

/** Save what this shard's tests took, for the next plan (not for a cancelled run). */
export async function saveDurations(
  inputs: Inputs,
  ports: Ports,
  execution: Execution,
  shard: ShardPlan | undefined,
): Promise<void> {
  const { observed } = execution;
  if (
    inputs.shardCount > 1 &&
    inputs.durationsCache &&
    Object.keys(observed).length > 0 &&
    !execution.engine.cancelled
  ) {
    await ports.durations.save(mergeDurations(shard?.restoredDurations ?? {}, observed));
  }
}

/** The report of the run, also written to report.json in the results folder. */
export function collectReport(
  inputs: Inputs,
  context: RunContext,
  ports: Ports,
  plan: RunPlan,
  execution: Execution,
  shard: ShardPlan | undefined,
): Report {
  const { engine, verdicts, sessions, unknownMarkers } = execution;
  const { problems } = engine;
  const counts = verdicts.counts();
  const nothingHere = noTestsProblem(sessions[0], execution.collectErrors, {
    engine: inputs.engine,
    image: inputs.image,
    workdir: inputs.workdir,
    collected: counts.total + (shard?.report.collected ?? 0),
  });
  if (nothingHere !== undefined) {
    problems.unshift(nothingHere);
    // Without a configuration no marker is declared: "undeclared marker" would point at the wrong fix.
    if (sessions[0]?.inifile === null) unknownMarkers.clear();
  }
  const all = verdicts.all();
  const collectedSomething = shard !== undefined && shard.report.collected > 0;
  let result: RunResult = 'success';
  if (engine.cancelled) result = 'cancelled';
  else if (engine.timedOut) result = 'timed-out';
  else if (counts.failed + counts.errors > 0 || problems.length > 0) result = 'failure';
  else if (counts.total === 0 && inputs.failOnEmpty && !collectedSomething) result = 'empty';

  const failures = all
    .filter((verdict) => verdict.outcome === 'failed' || verdict.outcome === 'error')
    .sort(byLocation);
  const flaky = all.filter((verdict) => verdict.flaky).sort(byLocation);
  const report: Report = {
    result,
    counts,
    markerExpression: plan.expression,
    engine: inputs.engine,
    arch: context.arch,
    gpus: {
      requested: inputs.gpus,
      effective: plan.selection.effectiveGpus,
      visible: plan.gpu.count,
      names: plan.gpu.names,
      source: plan.gpu.source,
    },
    durationSeconds: round((ports.now() - plan.started) / 1000),
    phases: execution.phases,
    failures: failures.slice(0, REPORT_LIMITS.failures).map((verdict) => failureEntry(verdict)),
    flaky: flaky.slice(0, REPORT_LIMITS.flaky).map((verdict) => ({
      test: testName(verdict),
      ...(verdict.nodeid !== undefined ? { nodeid: verdict.nodeid } : {}),
      ...location(verdict),
      ...(verdict.firstFailure !== undefined ? { firstFailure: verdict.firstFailure } : {}),
      attempts: verdict.attempts,
    })),
    killed: execution.killed.map((testcase) => ({
      test: testName(testcase),
      ...location(testcase),
      message: testcase.message,
    })),
    slowest: slowest(all, REPORT_LIMITS.slowest).map((verdict) => ({
      test: testName(verdict),
      seconds: round(verdict.time),
    })),
    unknownMarkers: [...unknownMarkers].sort(),
    problems,
    junitFiles: execution.junitFiles,
    omitted: {
      failures: Math.max(0, failures.length - REPORT_LIMITS.failures),
      flaky: Math.max(0, flaky.length - REPORT_LIMITS.flaky),
    },
  };
  if (inputs.image !== undefined) report.image = inputs.image;
  if (shard) report.shard = shard.report;
  writeRegular(join(plan.resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

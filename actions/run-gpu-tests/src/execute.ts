/**
 * Executing the plan: each phase through the engine, its reports read back (the JUnit file, and
 * the helper's live log for what JUnit misses: a test killed mid-run, a phase that left no
 * report), reconciled into test cases and verdicts; then the reruns of what failed. What the
 * phases leave (verdicts, killed tests, JUnit files, durations, the sessions pytest reported) is
 * kept here for collect.ts.
 */
import { join } from 'node:path';
import { type JunitCase, parseJunitStream, writeJunit } from '@dynamo-ci/core';
import { junitName, liveName, type PhaseName, type PhaseRequest, pytestArgv } from './command.js';
import type { Engine } from './engine.js';
import type { Inputs } from './inputs.js';
import type { RunPlan } from './plan.js';
import { type PhaseReport, round } from './report.js';
import { caseKey, junitAddress, type LiveSession, parseLiveLog, reconcile, Verdicts } from './results.js';
import { readRegular, streamRegular, writeRegular } from './results-dir.js';
import type { Ports } from './run.js';
import type { Durations } from './shard.js';

export class Execution {
  readonly verdicts = new Verdicts();
  readonly phases: PhaseReport[] = [];
  /** Tests that were running when their phase was stopped. */
  readonly killed: JunitCase[] = [];
  /** Every JUnit file the run produced, the ones the action wrote included. */
  readonly junitFiles: string[] = [];
  /** Seconds per node id, from the live logs. */
  readonly observed: Durations = {};
  readonly unknownMarkers = new Set<string>();
  /** pytest's session of each phase that reported one (rootdir, inifile, ...). */
  readonly sessions: LiveSession[] = [];
  readonly collectErrors: { nodeid: string; message: string }[] = [];

  constructor(
    private readonly inputs: Inputs,
    private readonly ports: Ports,
    private readonly plan: RunPlan,
    readonly engine: Engine,
  ) {}

  async runPhases(requests: readonly PhaseRequest[]): Promise<void> {
    for (const request of requests) {
      const { cases, nodeIds } = await this.runPhase(request);
      this.verdicts.addPhase(request.name, cases, nodeIds);
    }
  }

  /** Only the failed node ids, sequentially, until they pass or the attempts run out. */
  async rerunFailures(): Promise<void> {
    const { inputs, engine } = this;
    for (let attempt = 1; attempt <= inputs.reruns && !engine.timedOut && !engine.cancelled; attempt++) {
      const failing = this.verdicts.rerunnable();
      if (failing.length === 0) break;
      const name: PhaseName = `rerun-${attempt}`;
      writeRegular(join(this.plan.resultsDir, `select-${name}.txt`), failing.map((id) => `${id}\n`).join(''));
      this.ports.log.info(`Rerun ${attempt}/${inputs.reruns}: ${failing.length} failed test(s).`);
      const { cases } = await this.runPhase({
        name,
        workers: 0,
        selectFile: `${this.plan.layout.results}/select-${name}.txt`,
      });
      this.verdicts.addRerun(cases);
    }
  }

  private async runPhase(request: PhaseRequest): Promise<{ cases: JunitCase[]; nodeIds: Map<string, string> }> {
    const { inputs, ports, plan, engine } = this;
    const { resultsDir } = plan;
    const phaseStarted = ports.now();
    const result = await engine.invoke(request.name, pytestArgv(inputs, request, plan.layout));
    const report: PhaseReport = { name: request.name, workers: request.workers, durationSeconds: 0, tests: 0 };
    if (request.expression !== undefined) report.expression = request.expression;
    this.phases.push(report);
    if (!result) {
      report.skipped = true;
      report.stop = engine.cancelled ? 'cancelled' : 'timeout';
      return { cases: [], nodeIds: new Map() };
    }
    report.exitCode = result.exitCode;
    report.durationSeconds = round((ports.now() - phaseStarted) / 1000);
    const junitPath = join(resultsDir, junitName(request.name));
    const livePath = join(resultsDir, liveName(request.name));
    const junitStream = streamRegular(junitPath);
    const junit = junitStream ? await parseJunitStream(junitStream) : undefined;
    const live = parseLiveLog(readRegular(livePath) ?? '');
    for (const marker of live.unknownMarkers) this.unknownMarkers.add(marker);
    if (live.session) this.sessions.push(live.session);
    this.collectErrors.push(...live.collectErrors);
    const why = engine.stopText(result);
    const reconciled = reconcile({ phase: request.name, junit, live, exitCode: result.exitCode, stopText: why.text });
    if (reconciled.killed.length > 0 || result.timedOut || engine.cancelled) report.stop = why.stop;
    if (reconciled.synthesized && reconciled.cases.length > 0) {
      writeRegular(
        junitPath,
        writeJunit(`run-gpu-tests ${request.name} (written by the action: pytest left no report)`, reconciled.cases),
      );
      report.synthesized = true;
    } else if (reconciled.killed.length > 0) {
      writeRegular(
        join(resultsDir, `junit-${request.name}-killed.xml`),
        writeJunit(`run-gpu-tests ${request.name} (killed)`, reconciled.killed),
      );
      this.junitFiles.push(join(resultsDir, `junit-${request.name}-killed.xml`));
    }
    if (junit !== undefined || (reconciled.synthesized && reconciled.cases.length > 0)) this.junitFiles.push(junitPath);
    this.killed.push(...reconciled.killed);
    for (const finish of live.finishes.values()) this.observed[finish.nodeid] = finish.duration;
    const nodeIds = new Map<string, string>();
    for (const nodeid of live.starts.keys()) nodeIds.set(caseKey(junitAddress(nodeid)), nodeid);
    report.tests = reconciled.cases.length;
    return { cases: reconciled.cases, nodeIds };
  }
}

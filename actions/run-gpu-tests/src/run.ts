/**
 * One run of the selected tests: GPU check, optional shard planning, the phases (xdist then
 * sequential), reruns, and the verdicts. I/O goes through `Ports` (processes, GPU probe, the
 * durations cache, the log), files only under the results and helper directories.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  type ExecResult,
  type JunitCase,
  parseJunitStream,
  type SpawnOptions,
  type SpawnResult,
  tail,
  writeJunit,
} from '@dynamo-ci/core';
import {
  CONTAINER_LAYOUT,
  collectArgv,
  containerName,
  dockerRunArgv,
  junitName,
  type Layout,
  liveName,
  ownershipArgv,
  type PhaseName,
  type PhaseRequest,
  pytestArgv,
} from './command.js';
import { diagnose, gpuEngineRefusal, noTestsProblem } from './diagnose.js';
import type { Inputs, Mount } from './inputs.js';
import { type Arch, buildMarkerExpression, type Gpus, phaseExpression } from './markers.js';
import { HELPER_FILE, HELPER_SOURCE } from './pytest-helper.js';
import {
  byLocation,
  failureEntry,
  location,
  type PhaseReport,
  REPORT_LIMITS,
  type Report,
  type RunResult,
  testName,
} from './report.js';
import {
  caseKey,
  junitAddress,
  type LiveSession,
  parseLiveLog,
  reconcile,
  type StopReason,
  slowest,
  Verdicts,
} from './results.js';
import {
  ownedByOthers,
  prepareResultsDir,
  readRegular,
  removeLinks,
  streamRegular,
  writeRegular,
} from './results-dir.js';
import { type Durations, mergeDurations, planShards } from './shard.js';

export type { FailureEntry, PhaseReport, Report, RunResult } from './report.js';

export interface GpuInfo {
  count: number;
  names: string[];
  /** How the GPUs were found: `nvidia-smi`, `/dev`, or `none`. */
  source: string;
}

export interface DurationsStore {
  /** Past durations, or undefined when there are none or the cache service is absent. */
  restore(): Promise<Durations | undefined>;
  save(durations: Durations): Promise<void>;
}

export interface Ports {
  spawn(command: string, args: readonly string[], options: SpawnOptions): Promise<SpawnResult>;
  exec(command: string, args: readonly string[]): Promise<ExecResult>;
  detectGpus(): Promise<GpuInfo>;
  durations: DurationsStore;
  log: { info(message: string): void; warning(message: string): void; line(text: string): void };
  signal?: AbortSignal;
  now(): number;
}

export interface RunContext {
  workspace: string;
  temp: string;
  arch: Arch;
  runId: string;
  runAttempt: string;
  job: string;
  workflow: string;
  /** `uid:gid` of this process, for `user: runner`. */
  runnerUser?: string;
  /** The environment pytest (or the docker client) starts from. */
  hostEnv: Record<string, string | undefined>;
}

const REQUIRED_GPUS: Record<Gpus, number> = { '0': 0, '1': 1, '2': 2, '4': 4, '8': 8, multi: 2 };

export async function runTests(inputs: Inputs, context: RunContext, ports: Ports): Promise<Report> {
  const started = ports.now();
  const deadline = started + inputs.timeoutMs;
  const selection = buildMarkerExpression({
    lifecycle: inputs.lifecycle,
    framework: inputs.framework,
    gpus: inputs.gpus,
    arch: context.arch,
    markers: inputs.markers,
  });
  for (const note of selection.notes) ports.log.warning(note);
  const expression = selection.expression;

  const gpu = await ports.detectGpus();
  const needed = REQUIRED_GPUS[selection.effectiveGpus];
  if (needed > 0 && gpu.count < needed && inputs.requireGpu) {
    const seen =
      gpu.count === 0
        ? 'no GPU is visible (nvidia-smi -L listed none and /dev/nvidia* is absent)'
        : `only ${gpu.count} GPU(s) are visible`;
    throw new ConfigError(
      `gpus: ${inputs.gpus} needs at least ${needed} GPU(s) but ${seen} on this runner. Run the job on a GPU runner, or set require-gpu: false to run the selection anyway.`,
    );
  }

  const resultsDir = inputs.resultsDir;
  prepareResultsDir(resultsDir, inputs.engine === 'docker');
  const helperDir = join(context.temp, 'run-gpu-tests-helper');
  mkdirSync(helperDir, { recursive: true });
  writeFileSync(join(helperDir, HELPER_FILE), HELPER_SOURCE);
  const layout: Layout =
    inputs.engine === 'docker' ? CONTAINER_LAYOUT : { helper: join(helperDir, HELPER_FILE), results: resultsDir };
  const mounts: Mount[] = inputs.mounts.map((mount) => ({
    ...mount,
    source: mount.source.startsWith('/') ? mount.source : join(context.workspace, mount.source),
  }));
  const containerPrefix = containerName(['dynamo-ci', context.runId, context.runAttempt, context.job]);
  const stamp = started.toString(36);

  /**
   * Files the container wrote as another user (root, usually) into the shared folders would stop the
   * runner's cleanup (it cannot delete inside a root-owned folder): give them back to the runner's user.
   */
  const restoreOwnership = async () => {
    const owner = context.runnerUser;
    const uid = Number(owner?.split(':')[0]);
    if (inputs.engine !== 'docker' || owner === undefined || !Number.isInteger(uid) || uid === 0) return;
    const shared = [resultsDir, ...mounts.filter((mount) => !mount.readOnly).map((mount) => mount.source)];
    if (!ownedByOthers(shared, uid)) return;
    const args = ownershipArgv({
      image: inputs.image as string,
      name: containerName([containerPrefix, 'owner', stamp]),
      python: inputs.python,
      owner,
      helperDir,
      resultsDir,
      mounts,
    });
    ports.log.info(`Giving the files the tests wrote back to ${owner}: docker ${args.map(quoteForLog).join(' ')}`);
    const result = await ports.exec('docker', args).catch((error: Error) => ({ exitCode: 1, stderr: error.message }));
    if (result.exitCode !== 0) {
      ports.log.warning(
        `Could not give the files the tests wrote back to ${owner} (exit ${result.exitCode}): ${tail(result.stderr, 3)}`,
      );
    }
  };

  try {
    return await runSelection();
  } finally {
    await restoreOwnership();
  }

  async function runSelection(): Promise<Report> {
    const testEnv: Record<string, string> = {
      DYNAMO_TEST_FRAMEWORK: inputs.framework ?? '',
      DYNAMO_TEST_PLATFORM: context.arch,
      DYNAMO_TEST_TYPE: inputs.lifecycle,
      DYNAMO_TEST_MARKERS: expression,
      DYNAMO_TEST_WORKFLOW: context.workflow,
      ...Object.fromEntries(inputs.env),
    };

    // Forwarded by name: the docker client reads each value from its own environment (the step's).
    const envNames = [...new Set([...Object.keys(testEnv), ...inputs.forwardEnv])];
    for (const name of inputs.forwardEnv) {
      if (context.hostEnv[name] === undefined) {
        ports.log.warning(
          `forward-env lists ${name}, which is not set in the step's environment; the tests run without it (set it with env: on the step)`,
        );
      }
    }

    const problems: string[] = [];
    const sessions: LiveSession[] = [];
    const collectErrors: { nodeid: string; message: string }[] = [];
    let cancelled = false;
    let timedOut = false;

    /** Run the helper with these pytest arguments under the chosen engine, within the deadline. */
    const invoke = async (label: string, pytestArgs: string[]): Promise<SpawnResult | undefined> => {
      const remaining = deadline - ports.now();
      if (ports.signal?.aborted) {
        cancelled = true;
        return undefined;
      }
      if (remaining <= 0) {
        timedOut = true;
        return undefined;
      }
      const env: Record<string, string> = {};
      for (const [name, value] of Object.entries(context.hostEnv)) if (value !== undefined) env[name] = value;
      Object.assign(env, testEnv);
      let command = inputs.python;
      let args = pytestArgs;
      let cwd: string | undefined = inputs.workdir ?? context.workspace;
      const name = containerName([containerPrefix, label, stamp]);
      if (inputs.engine === 'docker') {
        command = 'docker';
        cwd = context.workspace;
        args = dockerRunArgv({
          image: inputs.image as string,
          name,
          gpus: gpu.count > 0,
          user: inputs.user === 'image' ? undefined : inputs.user === 'runner' ? context.runnerUser : inputs.user,
          workdir: inputs.workdir,
          helperDir,
          resultsDir,
          mounts,
          envNames,
          options: inputs.dockerOptions,
          python: inputs.python,
          pytestArgs,
        });
      }
      ports.log.info(`${label}: ${command} ${args.map(quoteForLog).join(' ')}`);
      let result: SpawnResult;
      try {
        result = await ports.spawn(command, args, {
          cwd,
          env,
          timeoutMs: remaining,
          // The runner kills a cancelled step 10 s after its SIGINT: the container must be gone by then.
          killGraceMs: inputs.engine === 'docker' ? 5_000 : 15_000,
          signal: ports.signal,
          onLine: (line) => ports.log.line(line),
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          throw new ConfigError(
            inputs.engine === 'docker'
              ? 'The docker CLI was not found on this runner. Install Docker, or set engine: none to run pytest on the host.'
              : `Input 'python' names ${JSON.stringify(inputs.python)}, which was not found. Set python to an interpreter with pytest installed (for example /usr/bin/python3).`,
          );
        }
        throw error;
      }
      if (result.timedOut) timedOut = true;
      if (ports.signal?.aborted) cancelled = true;
      if (inputs.engine === 'docker') {
        // Killing the docker client does not stop the container.
        if (result.timedOut || ports.signal?.aborted)
          await ports.exec('docker', ['rm', '--force', name]).catch(() => undefined);
        const links = removeLinks(resultsDir);
        if (links.length > 0) {
          ports.log.warning(
            `The container left symbolic link(s) in the results folder: ${links.join(', ')}. They were removed, not followed.`,
          );
        }
        const refusal = gpu.count > 0 ? gpuEngineRefusal(result, inputs.gpus, gpu) : undefined;
        if (refusal !== undefined) throw new ConfigError(refusal);
      }
      diagnose(label, result, inputs, problems);
      return result;
    };

    const stopText = (result: SpawnResult | undefined): { stop?: StopReason; text: string } => {
      if (result?.timedOut || (!result && timedOut)) {
        return {
          stop: 'timeout',
          text: `the whole-run timeout-minutes (${formatMinutes(inputs.timeoutMs)}) ran out and pytest was stopped`,
        };
      }
      if (cancelled) return { stop: 'cancelled', text: 'the run was cancelled and pytest was stopped' };
      const code = result?.exitCode ?? 1;
      if (result && /\+{5,} Timeout \+{5,}/.test(result.stdout + result.stderr)) {
        return {
          stop: 'crash',
          text: `it exceeded the per-test timeout (test-timeout ${inputs.testTimeoutSeconds} s; pytest-timeout's thread method ends the whole pytest process, so later tests of this phase did not run)`,
        };
      }
      return {
        stop: 'crash',
        text: `pytest exited with code ${code} before it finished (a per-test timeout with the thread method, a crash or an out-of-memory kill)`,
      };
    };

    // Shard planning: collect the selection, then take this shard's share by past durations.
    let selectFile: string | undefined;
    let shardReport: Report['shard'];
    let restoredDurations: Durations | undefined;
    if (inputs.shardCount > 1) {
      const collected = await invoke('collect', collectArgv(inputs, expression, layout));
      const ids = readCollected(join(resultsDir, 'collected.jsonl'));
      if (collected && collected.exitCode !== 0 && collected.exitCode !== 5 && ids.length === 0) {
        problems.push(
          `pytest could not collect the selection (exit ${collected.exitCode}):\n${tail(collected.stdout + collected.stderr, 15)}`,
        );
      }
      restoredDurations = inputs.durationsCache ? await ports.durations.restore() : undefined;
      const plan = planShards(ids, restoredDurations ?? {}, inputs.shardCount);
      const mine = plan.shards[inputs.shardIndex] as { ids: string[]; seconds: number };
      writeRegular(join(resultsDir, 'select-shard.txt'), mine.ids.map((id) => `${id}\n`).join(''));
      selectFile = `${layout.results}/select-shard.txt`;
      shardReport = {
        index: inputs.shardIndex,
        count: inputs.shardCount,
        tests: mine.ids.length,
        collected: ids.length,
        plannedSeconds: round(mine.seconds),
        estimated: plan.estimated,
        fingerprint: plan.fingerprint,
        durationsRestored: restoredDurations !== undefined,
      };
      ports.log.info(
        `Shard ${inputs.shardIndex + 1}/${inputs.shardCount}: ${mine.ids.length} of ${ids.length} tests, planned ${round(mine.seconds)} s (makespan ${round(plan.makespan)} s, lower bound ${round(plan.lowerBound)} s, plan ${plan.fingerprint}).`,
      );
    }

    const requests: PhaseRequest[] = [];
    if (inputs.workers !== 0 && inputs.twoPhase) {
      requests.push(
        {
          name: 'parallel',
          expression: phaseExpression(expression, inputs.parallelMarker, 'parallel'),
          workers: inputs.workers,
          selectFile,
        },
        {
          name: 'sequential',
          expression: phaseExpression(expression, inputs.parallelMarker, 'sequential'),
          workers: 0,
          selectFile,
        },
      );
    } else {
      requests.push({ name: 'all', expression, workers: inputs.workers, selectFile });
    }
    if (shardReport && shardReport.tests === 0) requests.length = 0;

    const verdicts = new Verdicts();
    const phases: PhaseReport[] = [];
    const killed: JunitCase[] = [];
    const junitFiles: string[] = [];
    const observed: Durations = {};
    const unknownMarkers = new Set<string>();

    const runPhase = async (request: PhaseRequest): Promise<{ cases: JunitCase[]; nodeIds: Map<string, string> }> => {
      const phaseStarted = ports.now();
      const result = await invoke(request.name, pytestArgv(inputs, request, layout));
      const report: PhaseReport = { name: request.name, workers: request.workers, durationSeconds: 0, tests: 0 };
      if (request.expression !== undefined) report.expression = request.expression;
      phases.push(report);
      if (!result) {
        report.skipped = true;
        report.stop = cancelled ? 'cancelled' : 'timeout';
        return { cases: [], nodeIds: new Map() };
      }
      report.exitCode = result.exitCode;
      report.durationSeconds = round((ports.now() - phaseStarted) / 1000);
      const junitPath = join(resultsDir, junitName(request.name));
      const livePath = join(resultsDir, liveName(request.name));
      const junitStream = streamRegular(junitPath);
      const junit = junitStream ? await parseJunitStream(junitStream) : undefined;
      const live = parseLiveLog(readRegular(livePath) ?? '');
      for (const marker of live.unknownMarkers) unknownMarkers.add(marker);
      if (live.session) sessions.push(live.session);
      collectErrors.push(...live.collectErrors);
      const why = stopText(result);
      const reconciled = reconcile({ phase: request.name, junit, live, exitCode: result.exitCode, stopText: why.text });
      if (reconciled.killed.length > 0 || result.timedOut || cancelled) report.stop = why.stop;
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
        junitFiles.push(join(resultsDir, `junit-${request.name}-killed.xml`));
      }
      if (junit !== undefined || (reconciled.synthesized && reconciled.cases.length > 0)) junitFiles.push(junitPath);
      killed.push(...reconciled.killed);
      for (const finish of live.finishes.values()) observed[finish.nodeid] = finish.duration;
      const nodeIds = new Map<string, string>();
      for (const nodeid of live.starts.keys()) nodeIds.set(caseKey(junitAddress(nodeid)), nodeid);
      report.tests = reconciled.cases.length;
      return { cases: reconciled.cases, nodeIds };
    };

    for (const request of requests) {
      const { cases, nodeIds } = await runPhase(request);
      verdicts.addPhase(request.name, cases, nodeIds);
    }

    // Reruns: only the failed node ids, sequentially, until they pass or the attempts run out.
    for (let attempt = 1; attempt <= inputs.reruns && !timedOut && !cancelled; attempt++) {
      const failing = verdicts.rerunnable();
      if (failing.length === 0) break;
      const name: PhaseName = `rerun-${attempt}`;
      writeRegular(join(resultsDir, `select-${name}.txt`), failing.map((id) => `${id}\n`).join(''));
      ports.log.info(`Rerun ${attempt}/${inputs.reruns}: ${failing.length} failed test(s).`);
      const { cases } = await runPhase({ name, workers: 0, selectFile: `${layout.results}/select-${name}.txt` });
      verdicts.addRerun(cases);
    }

    if (inputs.shardCount > 1 && inputs.durationsCache && Object.keys(observed).length > 0 && !cancelled) {
      await ports.durations.save(mergeDurations(restoredDurations ?? {}, observed));
    }

    const counts = verdicts.counts();
    const nothingHere = noTestsProblem(sessions[0], collectErrors, {
      engine: inputs.engine,
      image: inputs.image,
      workdir: inputs.workdir,
      collected: counts.total + (shardReport?.collected ?? 0),
    });
    if (nothingHere !== undefined) {
      problems.unshift(nothingHere);
      // Without a configuration no marker is declared: "undeclared marker" would point at the wrong fix.
      if (sessions[0]?.inifile === null) unknownMarkers.clear();
    }
    const all = verdicts.all();
    const collectedSomething = shardReport !== undefined && shardReport.collected > 0;
    let result: RunResult = 'success';
    if (cancelled) result = 'cancelled';
    else if (timedOut) result = 'timed-out';
    else if (counts.failed + counts.errors > 0 || problems.length > 0) result = 'failure';
    else if (counts.total === 0 && inputs.failOnEmpty && !collectedSomething) result = 'empty';

    const failures = all
      .filter((verdict) => verdict.outcome === 'failed' || verdict.outcome === 'error')
      .sort(byLocation);
    const flaky = all.filter((verdict) => verdict.flaky).sort(byLocation);
    const report: Report = {
      result,
      counts,
      markerExpression: expression,
      engine: inputs.engine,
      arch: context.arch,
      gpus: {
        requested: inputs.gpus,
        effective: selection.effectiveGpus,
        visible: gpu.count,
        names: gpu.names,
        source: gpu.source,
      },
      durationSeconds: round((ports.now() - started) / 1000),
      phases,
      failures: failures.slice(0, REPORT_LIMITS.failures).map((verdict) => failureEntry(verdict)),
      flaky: flaky.slice(0, REPORT_LIMITS.flaky).map((verdict) => ({
        test: testName(verdict),
        ...(verdict.nodeid !== undefined ? { nodeid: verdict.nodeid } : {}),
        ...location(verdict),
        ...(verdict.firstFailure !== undefined ? { firstFailure: verdict.firstFailure } : {}),
        attempts: verdict.attempts,
      })),
      killed: killed.map((testcase) => ({
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
      junitFiles,
      omitted: {
        failures: Math.max(0, failures.length - REPORT_LIMITS.failures),
        flaky: Math.max(0, flaky.length - REPORT_LIMITS.flaky),
      },
    };
    if (inputs.image !== undefined) report.image = inputs.image;
    if (shardReport) report.shard = shardReport;
    writeRegular(join(resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  }
}

function readCollected(path: string): string[] {
  const ids: string[] = [];
  for (const line of (readRegular(path) ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as { nodeid?: unknown };
      if (typeof record.nodeid === 'string') ids.push(record.nodeid);
    } catch {
      // A cut line from a killed collection.
    }
  }
  return ids;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatMinutes(ms: number): string {
  if (ms < 60_000) return `${round(ms / 1000)} s`;
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? `${minutes} min` : `${round(minutes)} min`;
}

/** Arguments shown in the log as a reader would type them; the program gets the array. */
export function quoteForLog(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

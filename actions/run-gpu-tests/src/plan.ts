/**
 * Planning a run: which tests (the marker expression), on which GPUs, where (the folders the
 * helper and the reports live in, the container's mounts and names), with which environment, and,
 * for a shard, which share of the collected tests; then the phases that run them. Nothing here
 * runs the tests; the shard's collection goes through the engine (engine.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, tail } from '@dynamo-ci/core';
import { CONTAINER_LAYOUT, collectArgv, containerName, type Layout, type PhaseRequest } from './command.js';
import type { Engine } from './engine.js';
import type { Inputs, Mount } from './inputs.js';
import { buildMarkerExpression, type Gpus, type MarkerPlan, phaseExpression } from './markers.js';
import { HELPER_FILE, HELPER_SOURCE } from './pytest-helper.js';
import { type Report, round } from './report.js';
import { prepareResultsDir, readRegular, writeRegular } from './results-dir.js';
import type { GpuInfo, Ports, RunContext } from './run.js';
import { type Durations, planShards } from './shard.js';

const REQUIRED_GPUS: Record<Gpus, number> = { '0': 0, '1': 1, '2': 2, '4': 4, '8': 8, multi: 2 };

export interface RunPlan {
  /** `ports.now()` when the run started; the deadline is `timeout-minutes` after it. */
  started: number;
  deadline: number;
  selection: MarkerPlan;
  /** The marker expression of the whole selection. */
  expression: string;
  gpu: GpuInfo;
  resultsDir: string;
  /** Where the pytest helper is written (mounted into the container). */
  helperDir: string;
  /** Where pytest sees the helper and the results folder. */
  layout: Layout;
  /** `mounts` with sources resolved against the workspace. */
  mounts: Mount[];
  /** The start of every container name of this run (run, attempt, job). */
  containerPrefix: string;
  /** Tells this run's containers from an earlier attempt's in the same job. */
  stamp: string;
  /** What the tests get on top of the step's environment. */
  testEnv: Record<string, string>;
  /** Variables a container gets by name (the docker client reads their values). */
  envNames: string[];
}

/**
 * The selection, the GPU check (a ConfigError when too few GPUs are visible and `require-gpu`),
 * the folders (results emptied of earlier reports, the helper written) and the environment.
 */
export async function planRun(inputs: Inputs, context: RunContext, ports: Ports): Promise<RunPlan> {
  const started = ports.now();
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

  return {
    started,
    deadline: started + inputs.timeoutMs,
    selection,
    expression,
    gpu,
    resultsDir,
    helperDir,
    layout,
    mounts,
    containerPrefix: containerName(['dynamo-ci', context.runId, context.runAttempt, context.job]),
    stamp: started.toString(36),
    testEnv,
    envNames,
  };
}

export interface ShardPlan {
  /** The file of this shard's node ids, as pytest sees it. */
  selectFile: string;
  report: NonNullable<Report['shard']>;
  /** Past durations the plan was made with, when the cache had some. */
  restoredDurations?: Durations;
}

/** Collect the selection, then take this shard's share of it by past durations. */
export async function planShard(inputs: Inputs, plan: RunPlan, engine: Engine, ports: Ports): Promise<ShardPlan> {
  const { resultsDir, expression, layout } = plan;
  const collected = await engine.invoke('collect', collectArgv(inputs, expression, layout));
  const ids = readCollected(join(resultsDir, 'collected.jsonl'));
  if (collected && collected.exitCode !== 0 && collected.exitCode !== 5 && ids.length === 0) {
    engine.problems.push(
      `pytest could not collect the selection (exit ${collected.exitCode}):\n${tail(collected.stdout + collected.stderr, 15)}`,
    );
  }
  const restoredDurations = inputs.durationsCache ? await ports.durations.restore() : undefined;
  const shards = planShards(ids, restoredDurations ?? {}, inputs.shardCount);
  const mine = shards.shards[inputs.shardIndex] as { ids: string[]; seconds: number };
  writeRegular(join(resultsDir, 'select-shard.txt'), mine.ids.map((id) => `${id}\n`).join(''));
  ports.log.info(
    `Shard ${inputs.shardIndex + 1}/${inputs.shardCount}: ${mine.ids.length} of ${ids.length} tests, planned ${round(mine.seconds)} s (makespan ${round(shards.makespan)} s, lower bound ${round(shards.lowerBound)} s, plan ${shards.fingerprint}).`,
  );
  const shard: ShardPlan = {
    selectFile: `${layout.results}/select-shard.txt`,
    report: {
      index: inputs.shardIndex,
      count: inputs.shardCount,
      tests: mine.ids.length,
      collected: ids.length,
      plannedSeconds: round(mine.seconds),
      estimated: shards.estimated,
      fingerprint: shards.fingerprint,
      durationsRestored: restoredDurations !== undefined,
    },
  };
  if (restoredDurations !== undefined) shard.restoredDurations = restoredDurations;
  return shard;
}

/**
 * The phases: with xdist workers and `two-phase`, the tests without the parallel marker after
 * the parallel ones, one process each; else one phase. None for a shard with no tests.
 */
export function phaseRequests(inputs: Inputs, expression: string, shard: ShardPlan | undefined): PhaseRequest[] {
  if (shard && shard.report.tests === 0) return [];
  const selectFile = shard?.selectFile;
  if (inputs.workers !== 0 && inputs.twoPhase) {
    return [
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
    ];
  }
  return [{ name: 'all', expression, workers: inputs.workers, selectFile }];
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

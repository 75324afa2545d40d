/**
 * One run of the selected tests, in three steps: plan (plan.ts: the marker selection, the GPU
 * check, the folders and environment, a shard's share, the phases), execute (execute.ts: each
 * phase and the reruns through the engine, engine.ts) and collect (collect.ts: the verdicts, the
 * durations for the next plan, the report). I/O goes through `Ports` (processes, GPU probe, the
 * durations cache, the log), files only under the results and helper directories.
 */
import type { ExecResult, Logger, SpawnOptions, SpawnResult } from '@dynamo-ci/core';
import { collectReport, saveDurations } from './collect.js';
import { Engine } from './engine.js';
import { Execution } from './execute.js';
import type { Inputs } from './inputs.js';
import type { Arch } from './markers.js';
import { phaseRequests, planRun, planShard } from './plan.js';
import type { Report } from './report.js';
import type { Durations } from './shard.js';

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
  log: Logger;
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

export async function runTests(inputs: Inputs, context: RunContext, ports: Ports): Promise<Report> {
  const plan = await planRun(inputs, context, ports);
  const engine = new Engine(inputs, context, ports, plan);
  try {
    const shard = inputs.shardCount > 1 ? await planShard(inputs, plan, engine, ports) : undefined;
    const execution = new Execution(inputs, ports, plan, engine);
    await execution.runPhases(phaseRequests(inputs, plan.expression, shard));
    await execution.rerunFailures();
    await saveDurations(inputs, ports, execution, shard);
    return collectReport(inputs, context, ports, plan, execution, shard);
  } finally {
    await engine.restoreOwnership();
  }
}

/**
 * The engine: one pytest process under the chosen engine (`none`: the host's Python; `docker`:
 * a container of the image), within the run's deadline and cancellation, its output streamed to
 * the log. What the process says beyond the tests (docker refused the GPUs, pytest rejected its
 * command line) becomes a problem or a ConfigError; whether the run timed out or was cancelled is
 * kept here for the phases and the report.
 */
import { ConfigError, type SpawnResult, tail } from '@dynamo-ci/core';
import { containerName, dockerRunArgv, ownershipArgv } from './command.js';
import { diagnose, gpuEngineRefusal } from './diagnose.js';
import type { Inputs } from './inputs.js';
import type { RunPlan } from './plan.js';
import { round } from './report.js';
import type { StopReason } from './results.js';
import { ownedByOthers, removeLinks } from './results-dir.js';
import type { Ports, RunContext } from './run.js';

export class Engine {
  /** The run was cancelled (`ports.signal`): nothing more starts. */
  cancelled = false;
  /** The whole-run deadline passed: nothing more starts. */
  timedOut = false;
  /** What went wrong besides test failures, one sentence each (the report's `problems`). */
  readonly problems: string[] = [];

  constructor(
    private readonly inputs: Inputs,
    private readonly context: RunContext,
    private readonly ports: Ports,
    private readonly plan: RunPlan,
  ) {}

  /**
   * Run the helper with these pytest arguments, within the deadline. Undefined when it did not
   * start: the run was cancelled or the deadline had passed.
   */
  async invoke(label: string, pytestArgs: string[]): Promise<SpawnResult | undefined> {
    const { inputs, context, ports, plan } = this;
    const remaining = plan.deadline - ports.now();
    if (ports.signal?.aborted) {
      this.cancelled = true;
      return undefined;
    }
    if (remaining <= 0) {
      this.timedOut = true;
      return undefined;
    }
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(context.hostEnv)) if (value !== undefined) env[name] = value;
    Object.assign(env, plan.testEnv);
    let command = inputs.python;
    let args = pytestArgs;
    let cwd: string | undefined = inputs.workdir ?? context.workspace;
    const name = containerName([plan.containerPrefix, label, plan.stamp]);
    if (inputs.engine === 'docker') {
      command = 'docker';
      cwd = context.workspace;
      args = dockerRunArgv({
        image: inputs.image as string,
        name,
        gpus: plan.gpu.count > 0,
        user: inputs.user === 'image' ? undefined : inputs.user === 'runner' ? context.runnerUser : inputs.user,
        workdir: inputs.workdir,
        helperDir: plan.helperDir,
        resultsDir: plan.resultsDir,
        mounts: plan.mounts,
        envNames: plan.envNames,
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
        onLine: (line) => ports.log.toolOutput(line),
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
    if (result.timedOut) this.timedOut = true;
    if (ports.signal?.aborted) this.cancelled = true;
    if (inputs.engine === 'docker') {
      // Killing the docker client does not stop the container.
      if (result.timedOut || ports.signal?.aborted)
        await ports.exec('docker', ['rm', '--force', name]).catch(() => undefined);
      const links = removeLinks(plan.resultsDir);
      if (links.length > 0) {
        ports.log.warning(
          `The container left symbolic link(s) in the results folder: ${links.join(', ')}. They were removed, not followed.`,
        );
      }
      const refusal = plan.gpu.count > 0 ? gpuEngineRefusal(result, inputs.gpus, plan.gpu) : undefined;
      if (refusal !== undefined) throw new ConfigError(refusal);
    }
    diagnose(label, result, inputs, this.problems);
    return result;
  }

  /** Why a phase stopped early, as the report's stop reason and a sentence for its tests. */
  stopText(result: SpawnResult | undefined): { stop?: StopReason; text: string } {
    const { inputs } = this;
    if (result?.timedOut || (!result && this.timedOut)) {
      return {
        stop: 'timeout',
        text: `the whole-run timeout-minutes (${formatMinutes(inputs.timeoutMs)}) ran out and pytest was stopped`,
      };
    }
    if (this.cancelled) return { stop: 'cancelled', text: 'the run was cancelled and pytest was stopped' };
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
  }

  /**
   * Files the container wrote as another user (root, usually) into the shared folders would stop the
   * runner's cleanup (it cannot delete inside a root-owned folder): give them back to the runner's user.
   */
  async restoreOwnership(): Promise<void> {
    const { inputs, context, ports, plan } = this;
    const owner = context.runnerUser;
    const uid = Number(owner?.split(':')[0]);
    if (inputs.engine !== 'docker' || owner === undefined || !Number.isInteger(uid) || uid === 0) return;
    const shared = [plan.resultsDir, ...plan.mounts.filter((mount) => !mount.readOnly).map((mount) => mount.source)];
    if (!ownedByOthers(shared, uid)) return;
    const args = ownershipArgv({
      image: inputs.image as string,
      name: containerName([plan.containerPrefix, 'owner', plan.stamp]),
      python: inputs.python,
      owner,
      helperDir: plan.helperDir,
      resultsDir: plan.resultsDir,
      mounts: plan.mounts,
    });
    ports.log.info(`Giving the files the tests wrote back to ${owner}: docker ${args.map(quoteForLog).join(' ')}`);
    const result = await ports.exec('docker', args).catch((error: Error) => ({ exitCode: 1, stderr: error.message }));
    if (result.exitCode !== 0) {
      ports.log.warning(
        `Could not give the files the tests wrote back to ${owner} (exit ${result.exitCode}): ${tail(result.stderr, 3)}`,
      );
    }
  }
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

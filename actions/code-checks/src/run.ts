/**
 * Runs the checks one after another against one deadline, in the image (docker) or on the runner
 * (none), and turns each tool's output into findings placed in the repository. All I/O goes
 * through `Ports`; the report is returned, never printed.
 */
import { join } from 'node:path';
import type { ExecResult, SpawnOptions, SpawnResult } from '@dynamo-ci/core';
import { type CheckName, checkCommand, goModulePath } from './checks.js';
import { containerName, dockerRunArgv } from './docker.js';
import type { Inputs } from './inputs.js';
import type { Finding } from './parsers/types.js';
import { repositoryPath } from './paths.js';

export type CheckStatus = 'success' | 'failure' | 'timed-out' | 'cancelled' | 'not-run';
export type RunResult = 'success' | 'failure' | 'timed-out' | 'cancelled';

export interface CheckResult {
  name: CheckName;
  title: string;
  /** The tool's own argument array (inside `docker run` for engine docker). */
  command: string[];
  result: CheckStatus;
  exitCode?: number;
  durationSeconds: number;
  findings: Finding[];
  errors: number;
  warnings: number;
  /** The full output, as the tool printed it. */
  log?: string;
  /** Why it failed without findings, or why it did not run. */
  note?: string;
}

export interface Report {
  result: RunResult;
  engine: Inputs['engine'];
  image?: string;
  workingDirectory: string;
  checks: CheckResult[];
}

export interface Context {
  workspace: string;
  runId: string;
  runAttempt: string;
  job: string;
  /** This runner's uid:gid, for `user: runner`. */
  runnerUser?: string;
  /** The environment the tools inherit (the action's inputs and the runner's tokens removed). */
  hostEnv: Record<string, string | undefined>;
  /** The runner's temporary folder (`RUNNER_TEMP`): each tool on the runner gets one of its own in it. */
  tempDir: string;
}

export interface Ports {
  spawn(command: string, args: string[], options: SpawnOptions): Promise<SpawnResult>;
  exec(command: string, args: string[]): Promise<ExecResult>;
  /** Whether a path relative to the workspace exists. */
  exists(relative: string): boolean;
  /** A file relative to the workspace, or undefined. */
  read(relative: string): string | undefined;
  writeFile(path: string, content: string): void;
  appendFile(path: string, content: string): void;
  makeDir(path: string): void;
  removeDir(path: string): void;
  /** One check's output in the log: a group whose tool output cannot issue workflow commands. */
  section<T>(title: string, body: (line: (text: string) => void) => Promise<T>): Promise<T>;
  signal?: AbortSignal;
  now(): number;
}

export async function runChecks(inputs: Inputs, context: Context, ports: Ports): Promise<Report> {
  ports.makeDir(inputs.resultsDir);
  const goModFile = inputs.workingDirectory === '' ? 'go.mod' : `${inputs.workingDirectory}/go.mod`;
  const goModule = inputs.checks.includes('go-test') ? goModulePath(ports.read(goModFile) ?? '') : undefined;
  const deadline = ports.now() + inputs.timeoutMs;
  /** Reported file -> repository path (findings name the same files again and again). */
  const places = new Map<string, string | undefined>();
  const checks: CheckResult[] = [];
  /** Why the remaining checks do not run, once something stopped the run. */
  let stop: { kind: 'cancelled' | 'timed-out' | 'fail-fast'; reason: string } | undefined;

  for (const [index, name] of inputs.checks.entries()) {
    const command = checkCommand(name, {
      features: inputs.cargo.features,
      noDefaultFeatures: inputs.cargo.noDefaultFeatures,
      mypyTargets: inputs.mypyTargets,
      goPackages: inputs.goPackages,
      goModule,
    });
    const remaining = deadline - ports.now();
    if (ports.signal?.aborted) stop ??= CANCELLED;
    if (remaining <= 0) stop ??= DEADLINE;
    if (stop !== undefined) {
      checks.push(notRun(name, command.title, command.argv, stop.reason));
      continue;
    }

    // The full output goes to the log file as it comes, a megabyte at a time: memory stays bounded
    // whatever a tool prints.
    const log = join(inputs.resultsDir, `${name}.log`);
    ports.writeFile(log, '');
    let pendingLog: string[] = [];
    let pendingBytes = 0;
    const flushLog = () => {
      if (pendingLog.length > 0) ports.appendFile(log, `${pendingLog.join('\n')}\n`);
      pendingLog = [];
      pendingBytes = 0;
    };
    const docker = inputs.engine === 'docker';
    const container = containerName(['code-checks', context.runId, context.runAttempt, context.job, index, name]);
    // On the runner, a temporary folder per tool, removed after it: a tool stopped at the deadline
    // leaves its work behind (Go its build folder with the test binaries), and a self-hosted runner
    // keeps its temporary folder from job to job. Unless `env` names a TMPDIR of its own.
    const scratch =
      docker || inputs.env.has('TMPDIR') ? undefined : join(context.tempDir, `code-checks-tmp-${index}-${name}`);
    const env = {
      ...context.hostEnv,
      ...(scratch === undefined ? {} : { TMPDIR: scratch, GOTMPDIR: scratch }),
      ...Object.fromEntries(inputs.env),
      ...command.env,
    };
    const [program, args] = docker
      ? [
          'docker',
          dockerRunArgv({
            image: inputs.image as string,
            name: container,
            workspace: context.workspace,
            containerWorkspace: inputs.containerWorkspace,
            workingDirectory: inputs.workingDirectory,
            user: inputs.user === 'image' ? undefined : inputs.user === 'runner' ? context.runnerUser : inputs.user,
            // Another user than the image's has no home there: cargo, go and pre-commit keep caches in it.
            home: inputs.user !== 'image' && !inputs.env.has('HOME') ? '/tmp' : undefined,
            envNames: [...new Set([...inputs.env.keys(), ...Object.keys(command.env)])],
            options: inputs.dockerOptions,
            argv: command.argv,
          }),
        ]
      : [command.argv[0] as string, command.argv.slice(1)];

    const started = ports.now();
    let outcome: SpawnResult | undefined;
    let note: string | undefined;
    if (scratch !== undefined) ports.makeDir(scratch);
    await ports.section(`${command.title}${docker ? ` (in ${inputs.image})` : ''}`, async (show) => {
      try {
        outcome = await ports.spawn(program, args, {
          cwd: docker ? undefined : join(context.workspace, inputs.workingDirectory),
          env: definedOnly(env),
          timeoutMs: remaining,
          signal: ports.signal,
          onLine: (text, stream) => {
            pendingLog.push(text);
            pendingBytes += text.length + 1;
            if (pendingBytes >= 1 << 20) flushLog();
            const display = command.collector.line(text, stream);
            if (display !== undefined) for (const part of display.split('\n')) show(part);
          },
        });
      } catch (error) {
        note = `${program} could not be started (${(error as Error).message}): ${
          docker
            ? 'install Docker on the runner, or run the checks on it with engine: none'
            : `install ${program} on the runner, or run the checks in an image with engine: docker`
        }`;
        show(note);
      } finally {
        if (scratch !== undefined) ports.removeDir(scratch);
      }
    });
    if (docker && outcome && (outcome.timedOut || ports.signal?.aborted)) {
      // Stopping the docker client does not stop the container it started.
      await ports.exec('docker', ['rm', '--force', container]).catch(() => undefined);
    }

    const findings = command.collector.finish().map((finding) => placed(finding, inputs, context, ports, places));
    const errors = findings.filter((finding) => finding.level === 'error').length;
    let result: CheckStatus;
    if (ports.signal?.aborted) result = 'cancelled';
    else if (outcome?.timedOut) result = 'timed-out';
    else if (outcome && command.passed(outcome.exitCode, errors)) result = 'success';
    else result = 'failure';
    if (outcome && result === 'failure' && note === undefined)
      note = exitNote(outcome.exitCode, program, command.argv, inputs);

    flushLog();
    checks.push({
      name,
      title: command.title,
      command: command.argv,
      result,
      exitCode: outcome?.exitCode,
      durationSeconds: Math.round((ports.now() - started) / 100) / 10,
      findings,
      errors,
      warnings: findings.length - errors,
      log,
      note: result === 'timed-out' ? `stopped at the deadline (timeout-minutes: ${inputs.timeoutMs / 60_000})` : note,
    });
    if (result === 'cancelled') stop = CANCELLED;
    else if (result === 'timed-out') stop = DEADLINE;
    else if (result === 'failure' && inputs.failFast)
      stop = { kind: 'fail-fast', reason: `${command.title} failed (fail-fast)` };
  }

  const report: Report = {
    result: overall(checks, stop?.kind),
    engine: inputs.engine,
    image: inputs.image,
    workingDirectory: inputs.workingDirectory,
    checks,
  };
  ports.writeFile(join(inputs.resultsDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

const CANCELLED = { kind: 'cancelled', reason: 'the run was cancelled' } as const;
const DEADLINE = { kind: 'timed-out', reason: 'the deadline (timeout-minutes) had passed' } as const;

function overall(checks: CheckResult[], stopped: 'cancelled' | 'timed-out' | 'fail-fast' | undefined): RunResult {
  const results = new Set(checks.map((check) => check.result));
  if (results.has('cancelled') || stopped === 'cancelled') return 'cancelled';
  if (results.has('timed-out') || stopped === 'timed-out') return 'timed-out';
  if (results.has('failure')) return 'failure';
  return 'success';
}

function notRun(name: CheckName, title: string, command: string[], reason: string): CheckResult {
  return {
    name,
    title,
    command,
    result: 'not-run',
    durationSeconds: 0,
    findings: [],
    errors: 0,
    warnings: 0,
    note: `not run: ${reason}`,
  };
}

function placed(
  finding: Finding,
  inputs: Inputs,
  context: Context,
  ports: Ports,
  places: Map<string, string | undefined>,
): Finding {
  if (finding.file === undefined) return finding;
  if (!places.has(finding.file)) {
    places.set(
      finding.file,
      repositoryPath(finding.file, {
        workspace: context.workspace,
        workingDirectory: inputs.workingDirectory,
        containerWorkspace: inputs.engine === 'docker' ? inputs.containerWorkspace : undefined,
        exists: (relative) => ports.exists(relative),
      }),
    );
  }
  const file = places.get(finding.file);
  if (file !== undefined) return { ...finding, file };
  // Outside the repository (a dependency's source, the toolchain): keep the place in the message.
  const where = finding.line === undefined ? finding.file : `${finding.file}:${finding.line}`;
  return { level: finding.level, title: finding.title, message: `${finding.message} (${where})` };
}

/** Why a check failed with an exit code that means the tool never ran. */
function exitNote(exitCode: number, program: string, argv: string[], inputs: Inputs): string | undefined {
  if (program !== 'docker') return undefined;
  if (exitCode === 127) return `${argv[0]} is not installed in the image ${inputs.image}`;
  if (exitCode === 126) return `${argv[0]} cannot be run in the image ${inputs.image}`;
  if (exitCode === 125) return `docker could not start the container from ${inputs.image} (see the log)`;
  return undefined;
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) result[name] = value;
  return result;
}

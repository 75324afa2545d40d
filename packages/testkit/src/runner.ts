/**
 * A simulated GitHub runner for JavaScript actions: it builds the environment a hosted runner
 * gives a `node24` action (INPUT_* with hyphens kept and action.yml defaults applied, the file
 * commands, the event file, GITHUB_* context variables, RUNNER_TEMP), runs the bundle as a child
 * process with a clean environment, and reads back outputs, state, annotations and the summary.
 * A job object keeps state between the main and `post:` phases, as the runner does.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { type Annotation, parseFileCommands, parseWorkflowCommands } from './files.js';
import { scratchDir } from './scratch.js';

/** The repository root (where `actions/` lives), found from this file whether bundled or not. */
export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
  }
  throw new Error(`No pnpm-workspace.yaml above ${start}`);
}

export type InputValue = string | number | boolean | undefined;

export interface JobOptions {
  /** GITHUB_WORKSPACE and the step's working directory. */
  workspace?: string;
  eventName?: string;
  /** The webhook payload written to GITHUB_EVENT_PATH. */
  event?: Record<string, unknown>;
  repository?: string;
  sha?: string;
  ref?: string;
  runId?: number;
  runAttempt?: number;
  actor?: string;
  workflow?: string;
  workflowRef?: string;
  job?: string;
  serverUrl?: string;
  /** Usually the URL of a testkit fake GitHub server. */
  apiUrl?: string;
  /** The value of `${{ github.token }}` in action.yml defaults. */
  token?: string;
  /** Extra environment (after the runner's own; e.g. PATH, KUBECONFIG). */
  env?: Record<string, string | undefined>;
  /**
   * The node binary to run bundles with: default `$DYNAMO_CI_NODE` (CI sets it to Node 24, the
   * runner's `node24`), else this process's.
   */
  node?: string;
  /**
   * Run every step as this user (a hosted runner's is uid 1001, not root), owning the job's folders
   * and with HOME in them. Needs a test process running as root.
   */
  user?: { uid: number; gid: number };
}

export interface StepOptions {
  inputs?: Record<string, InputValue>;
  /** Extra environment for this step only (`env:` on a step). */
  env?: Record<string, string | undefined>;
  /** Kill the step with SIGKILL after this long (the test's guard, not the action's timeout). */
  timeoutMs?: number;
  /** Send SIGINT after this long, as the runner does when a run is cancelled. */
  cancelAfterMs?: number;
  /** Also cancel when this resolves (e.g. once the fake server saw the apply). */
  cancelWhen?: Promise<unknown>;
  /**
   * Cancel as the runner does, not with SIGINT alone: SIGTERM 7.5 s after the SIGINT, SIGKILL 2.5 s
   * after that.
   */
  cancelEscalation?: boolean;
  /** Do not apply the action.yml defaults (to test what the action does without them). */
  skipDefaults?: boolean;
}

/** A `run:` step: the script, its shell and where it runs. */
export interface ScriptOptions extends Omit<StepOptions, 'inputs' | 'skipDefaults'> {
  /** A shell as a workflow names it (bash, sh, python, or a template with `{0}`); default bash. */
  shell?: string;
  /** The step's working directory (`working-directory:`), relative to the workspace. */
  workingDirectory?: string;
}

/**
 * The command line a hosted Linux runner uses for a `shell:` value, `{0}` standing for the script
 * file: no shell given is `bash -e`, an explicit `bash` adds `--noprofile --norc -o pipefail`.
 */
export function shellCommand(shell: string | undefined, script: string): { command: string; args: string[] } {
  const templates: Record<string, string> = {
    '': 'bash -e {0}',
    bash: 'bash --noprofile --norc -eo pipefail {0}',
    sh: 'sh -e {0}',
    python: 'python3 {0}',
  };
  const template = templates[shell ?? ''] ?? (shell?.includes('{0}') ? shell : `${shell} {0}`);
  const [command, ...args] = template.split(/\s+/).map((part) => (part === '{0}' ? script : part));
  return { command: command as string, args };
}

export interface StepResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  exportedEnv: Record<string, string>;
  path: string[];
  summary: string;
  annotations: Annotation[];
  errors: Annotation[];
  warnings: Annotation[];
  masks: string[];
  /** Log lines that were not workflow commands. */
  log: string[];
  durationMs: number;
  cancelled: boolean;
  /** The inputs the step ran with, action.yml defaults included (the post phase gets them again). */
  inputs: Record<string, string>;
}

interface ActionMetadata {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  runs?: { main?: string; post?: string; using?: string };
}

export class SimulatedJob {
  readonly root: string;
  readonly temp: string;
  readonly workspace: string;
  private readonly eventPath: string;
  /** What earlier steps wrote to GITHUB_ENV (every later step gets it). */
  readonly exportedEnv: Record<string, string> = {};
  /** What earlier steps wrote to GITHUB_PATH (prepended to PATH, newest first). */
  readonly extraPath: string[] = [];
  private stepCount = 0;

  constructor(readonly options: JobOptions = {}) {
    this.root = scratchDir('dynamo-ci-job-');
    this.temp = join(this.root, 'temp');
    mkdirSync(this.temp);
    this.workspace = options.workspace ?? join(this.root, 'workspace');
    mkdirSync(this.workspace, { recursive: true });
    this.eventPath = join(this.root, 'event.json');
    writeFileSync(this.eventPath, JSON.stringify(options.event ?? {}));
    if (options.user) {
      for (const path of [this.root, this.temp, this.eventPath]) chownSync(path, options.user.uid, options.user.gid);
      if (options.workspace === undefined) chownSync(this.workspace, options.user.uid, options.user.gid);
    }
  }

  /** Run an action's main phase: `action` is a name under actions/ or a path to an action folder. */
  async run(action: string, step: StepOptions = {}): Promise<StepResult> {
    return this.execute(action, 'main', step, {});
  }

  /**
   * Run the action's `post:` phase with the state its main phase saved and, as the runner does,
   * the same inputs as the main phase (defaults included); `step.inputs` overrides some of them
   * (an undefined value removes one).
   */
  async post(action: string, main: StepResult, step: StepOptions = {}): Promise<StepResult> {
    return this.execute(
      action,
      'post',
      { ...step, inputs: { ...main.inputs, ...step.inputs }, skipDefaults: true },
      main.state,
    );
  }

  /**
   * Run a `run:` step: the script is written to a file under RUNNER_TEMP and run with the shell the
   * runner would use, with the same environment and file commands an action step gets.
   */
  async runScript(script: string, step: ScriptOptions = {}): Promise<StepResult> {
    const file = join(this.temp, `script-${this.stepCount + 1}.sh`);
    writeFileSync(file, script);
    const { command, args } = shellCommand(step.shell, file);
    const cwd = step.workingDirectory ? resolve(this.workspace, step.workingDirectory) : this.workspace;
    return this.spawnStep(command, args, cwd, { ...step, signalGroup: true }, {}, {});
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private async execute(
    action: string,
    phase: 'main' | 'post',
    step: StepOptions,
    state: Record<string, string>,
  ): Promise<StepResult> {
    const actionDir = action.includes('/') ? resolve(action) : join(repoRoot, 'actions', action);
    const metadata = parseYaml(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
    const entry = phase === 'main' ? metadata.runs?.main : metadata.runs?.post;
    if (!entry) throw new Error(`${action} has no runs.${phase} entry`);
    const bundle = join(actionDir, entry);
    if (!existsSync(bundle)) throw new Error(`${bundle} does not exist: run \`pnpm build\` first`);
    const inputs = this.inputValues(metadata, step);
    const node = this.options.node ?? process.env.DYNAMO_CI_NODE ?? process.execPath;
    return this.spawnStep(node, [bundle], this.workspace, step, inputs, state);
  }

  private async spawnStep(
    command: string,
    args: string[],
    cwd: string,
    step: StepOptions & { signalGroup?: boolean },
    inputs: Record<string, string>,
    state: Record<string, string>,
  ): Promise<StepResult> {
    const stepDir = join(this.root, `step-${++this.stepCount}`);
    mkdirSync(stepDir);
    const files = {
      GITHUB_OUTPUT: join(stepDir, 'output'),
      GITHUB_STATE: join(stepDir, 'state'),
      GITHUB_ENV: join(stepDir, 'env'),
      GITHUB_PATH: join(stepDir, 'path'),
      GITHUB_STEP_SUMMARY: join(stepDir, 'summary.md'),
    };
    for (const file of Object.values(files)) writeFileSync(file, '');
    if (this.options.user) {
      const { uid, gid } = this.options.user;
      for (const path of [stepDir, ...Object.values(files)]) chownSync(path, uid, gid);
    }

    const env: Record<string, string> = { ...this.baseEnv(), ...this.exportedEnv, ...files };
    if (this.extraPath.length > 0) env.PATH = [...this.extraPath, env.PATH].join(':');
    for (const [name, value] of Object.entries(state)) env[`STATE_${name}`] = value;
    for (const [name, value] of Object.entries(inputs)) {
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    for (const [name, value] of Object.entries(step.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }

    const started = Date.now();
    const outcome = await runProcess(command, args, cwd, env, step, this.options.user);
    const read = (file: string) => readFileSync(file, 'utf8');
    const commands = parseWorkflowCommands(outcome.stdout);
    const exportedEnv = parseFileCommands(read(files.GITHUB_ENV));
    Object.assign(this.exportedEnv, exportedEnv);
    const path = read(files.GITHUB_PATH).split('\n').filter(Boolean);
    this.extraPath.unshift(...path);
    return {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      stdout: outcome.stdout,
      stderr: outcome.stderr,
      // The runner reads the files after the step, so they win over the deprecated commands.
      outputs: { ...commands.outputs, ...parseFileCommands(read(files.GITHUB_OUTPUT)) },
      state: { ...state, ...commands.state, ...parseFileCommands(read(files.GITHUB_STATE)) },
      exportedEnv,
      path,
      summary: read(files.GITHUB_STEP_SUMMARY),
      annotations: commands.annotations,
      errors: commands.annotations.filter((annotation) => annotation.level === 'error'),
      warnings: commands.annotations.filter((annotation) => annotation.level === 'warning'),
      masks: commands.masks,
      log: commands.log,
      durationMs: Date.now() - started,
      cancelled: outcome.cancelled,
      inputs,
    };
  }

  /** What the runner sets for every step; the test process's own environment does not leak in. */
  private baseEnv(): Record<string, string> {
    const options = this.options;
    const repository = options.repository ?? 'ai-dynamo/dynamo';
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: options.user ? this.root : (process.env.HOME ?? this.root),
      LANG: 'C.UTF-8',
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.eventName ?? 'push',
      GITHUB_EVENT_PATH: this.eventPath,
      GITHUB_WORKSPACE: this.workspace,
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0] as string,
      GITHUB_SHA: options.sha ?? '',
      GITHUB_REF: options.ref ?? 'refs/heads/main',
      GITHUB_REF_NAME: (options.ref ?? 'refs/heads/main').replace(/^refs\/(heads|tags)\//, ''),
      GITHUB_ACTOR: options.actor ?? 'octocat',
      GITHUB_WORKFLOW: options.workflow ?? 'CI',
      GITHUB_WORKFLOW_REF:
        options.workflowRef ?? `${repository}/.github/workflows/ci.yml@${options.ref ?? 'refs/heads/main'}`,
      GITHUB_JOB: options.job ?? 'test',
      GITHUB_RUN_ID: String(options.runId ?? 1000),
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: String(options.runAttempt ?? 1),
      GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
      GITHUB_API_URL: options.apiUrl ?? 'http://127.0.0.1:9/unreachable-github-api',
      GITHUB_GRAPHQL_URL: `${options.apiUrl ?? 'http://127.0.0.1:9'}/graphql`,
      RUNNER_TEMP: this.temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'simulated-runner',
      RUNNER_DEBUG: '',
    };
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    return env;
  }

  /** Inputs as the runner passes them: given values, else action.yml defaults (expressions resolved). */
  private inputValues(metadata: ActionMetadata, step: StepOptions): Record<string, string> {
    const values: Record<string, string> = {};
    if (!step.skipDefaults) {
      for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
        if (spec.default !== undefined) values[name] = this.evaluateDefault(String(spec.default));
      }
    }
    for (const [name, value] of Object.entries(step.inputs ?? {})) {
      if (value === undefined) delete values[name];
      else values[name] = String(value);
    }
    return values;
  }

  /** The few expressions action.yml defaults use. */
  private evaluateDefault(text: string): string {
    return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      if (expression === 'github.token') return this.options.token ?? '';
      if (expression === 'github.workspace') return this.workspace;
      if (expression === 'github.sha') return this.baseEnv().GITHUB_SHA ?? '';
      if (expression === 'runner.temp') return this.temp;
      return '';
    });
  }
}

interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  cancelled: boolean;
}

function runProcess(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  step: StepOptions & { signalGroup?: boolean },
  user?: { uid: number; gid: number },
): Promise<ProcessOutcome> {
  return new Promise((resolvePromise, reject) => {
    // Its own process group, as a step is on a runner: a program the action starts that signals its
    // whole group (kill(0, ...)) then stops the action, not the test runner.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...user });
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timers: NodeJS.Timeout[] = [];
    // A failed spawn keeps pid 0 in Node's handle until 'error': kill() then would signal our own group.
    // A script's shell waits for its foreground command, so the runner signals a script's whole
    // group; an action gets the signal itself and stops its own children.
    const signal = (name: NodeJS.Signals) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      if (step.signalGroup) {
        try {
          process.kill(-child.pid, name);
        } catch {
          // The group is gone already.
        }
      } else child.kill(name);
    };
    const cancel = () => {
      if (child.pid !== undefined && child.exitCode === null && !cancelled) {
        cancelled = true;
        signal('SIGINT');
        if (step.cancelEscalation || step.signalGroup) {
          timers.push(setTimeout(() => signal('SIGTERM'), 7500));
          timers.push(setTimeout(() => signal('SIGKILL'), 10_000));
        }
      }
    };
    if (step.cancelAfterMs !== undefined) timers.push(setTimeout(cancel, step.cancelAfterMs));
    step.cancelWhen?.then(cancel, () => {});
    timers.push(
      setTimeout(() => {
        if (child.pid !== undefined) child.kill('SIGKILL');
      }, step.timeoutMs ?? 120_000),
    );
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      for (const timer of timers) clearTimeout(timer);
      resolvePromise({ exitCode, signal, stdout, stderr, cancelled });
    });
  });
}

/** Run one action's main phase in a fresh job and clean up afterwards. */
export async function runAction(action: string, job: JobOptions = {}, step: StepOptions = {}): Promise<StepResult> {
  const simulated = new SimulatedJob(job);
  try {
    return await simulated.run(action, step);
  } finally {
    simulated.cleanup();
  }
}

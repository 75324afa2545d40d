/**
 * What the workflow engine takes (an event on a repository, the fakes it talks to, the hooks a
 * scenario sets) and what it gives back: one record per run, job (per matrix leg) and step, in the
 * shape GitHub's run page and jobs API report them.
 */
import type { FakeGitHub } from '../fake-github.js';
import type { StepResult } from '../runner.js';
import type { WorkflowArtifacts } from './artifacts.js';
import type { Json } from './expressions.js';
import type { Repository } from './load.js';
import type { MatrixLeg } from './matrix.js';
import type { WorkflowEvent } from './triggers.js';

export type Conclusion = 'success' | 'failure' | 'cancelled' | 'skipped';

export interface StepRecord {
  /** The step's `id:`, or the id the runner generates (`__actions_checkout`). */
  id: string;
  /** As the run page shows it: `name:`, `Run <first line>`, or `Run <uses>`. */
  name: string;
  uses?: string;
  /** One of the known repositories' actions (`build-container`). */
  action?: string;
  /** Before `continue-on-error` (`steps.<id>.outcome`). */
  outcome: Conclusion;
  /** After `continue-on-error` (`steps.<id>.conclusion`). */
  conclusion: Conclusion;
  /** Why it was skipped, or what it did when a shim or an override stood in. */
  reason?: string;
  /** The evaluated `with:` (an action's defaults are in `result.inputs`). */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** The process that ran (action bundle or script): exit code, log, annotations, summary. */
  result?: StepResult;
  /** The action's `post:` phase, run at the end of the job. */
  post?: StepResult;
  startedAt?: string;
  completedAt?: string;
}

export interface JobRecord {
  runId: number;
  /** The file that defines the job (`backend.yml`). */
  workflow: string;
  /** The name of the run's workflow (the caller's `name:`). */
  workflowName: string;
  /** Job ids from the run's workflow down: `['backend', 'build']`. */
  path: string[];
  id: string;
  /** As GitHub reports it: `backend / build vllm cuda12.9 amd64`. */
  name: string;
  matrix?: MatrixLeg;
  /** A reusable-workflow call that did not run (its jobs are recorded when it runs). */
  calls?: string;
  runsOn: string[];
  conclusion: Conclusion;
  /** False when this machine could not run the job (a GPU label) or only planned it. */
  ran: boolean;
  /** A step was only planned (an override said what it would have done): nothing real ran for it. */
  planned?: boolean;
  /** Why it ran, was skipped, or could not run here. */
  reason: string;
  /** Simulation overrides that changed what ran, each saying what it did instead. */
  notes: string[];
  steps: StepRecord[];
  outputs: Record<string, string>;
  startedAt?: string;
  completedAt?: string;
  /** Its id in the fake GitHub's jobs API (absent when not registered). */
  apiId?: number;
}

export interface RunRecord {
  id: number;
  /** The workflow file the event started (`pr.yaml`). */
  workflow: string;
  name: string;
  /** Why the event started it. */
  reason: string;
  conclusion: Conclusion;
  jobs: JobRecord[];
}

/** What a step override sees: the job so far, the step and its evaluated inputs and env. */
export interface StepContext {
  job: JobRecord;
  step: StepRecord;
  /** The action (`uses:`), or undefined for a `run:` step. */
  uses?: string;
  /** The script of a `run:` step, evaluated. */
  run?: string;
  /** Our action's name, when the step uses one. */
  action?: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
  workspace: string;
}

/**
 * A simulation override: run the step with other inputs or env (`note` says what and why), or do
 * not run it and count it as succeeded (`plan`: what it would have done).
 */
export type StepOverride =
  | { inputs?: Record<string, string | undefined>; env?: Record<string, string>; note: string }
  | { plan: string; outputs?: Record<string, string> };

/** Whether this machine can run a job on these `runs-on` labels. */
export type RunnerDecision = { run: true; note?: string } | { run: false; reason: string };

export interface CancelRule {
  /** The job (by its reported name, e.g. `backend / deploy / deploy vllm agg`) to watch. */
  job: string | RegExp;
  /** Cancel once it has run this long. */
  afterMs?: number;
  /** Cancel once this resolves (e.g. when the fake cluster saw the apply). */
  when?: () => Promise<unknown>;
  /** `run` cancels the whole run (the "Cancel workflow" button); `job` only that job. Default run. */
  scope?: 'run' | 'job';
}

/** A job's `services:`, evaluated: each service's image, its `ports:` and `env:`. */
export type ServiceSpecs = Record<string, { image: string; ports: string[]; env: Record<string, string> }>;

/**
 * The stand-ins a services hook started for a job: per service the host port of each container
 * port (`job.services.<name>.ports['4222']`), what it started (for the job record), and how to stop them.
 */
export interface StartedServices {
  ports: Record<string, Record<string, string>>;
  note: string;
  stop: () => void;
}

export interface EngineHooks {
  overrideStep?: (context: StepContext) => StepOverride | undefined;
  runner?: (labels: string[]) => RunnerDecision;
  /**
   * Start what stands in for a job's service containers, or say why it cannot (the job then fails
   * as "not simulated here"). Without this hook a job with `services:` is not simulated.
   */
  services?: (services: ServiceSpecs, job: JobRecord) => Promise<StartedServices | { reason: string }>;
  onJob?: (job: JobRecord) => void;
  onRun?: (run: RunRecord) => void;
  cancel?: CancelRule[];
}

export interface EngineOptions {
  /** The repository the event happened on; its workflows are the callers. */
  repository: Repository;
  /** Other repositories whose workflows and actions `uses:` can name (ours). */
  repositories?: Repository[];
  event: WorkflowEvent;
  github: FakeGitHub;
  /** The first run's id; later runs count up. */
  runId?: number;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Per reusable workflow file, inputs as a caller's `with:` would give them (on top of it). */
  inputs?: Record<string, Record<string, Json>>;
  /** Matrix legs (and independent jobs) at once on this machine. Default 2. */
  maxParallel?: number;
  /** Environment every step gets (tool paths, storage settings). */
  env?: Record<string, string>;
  artifacts?: WorkflowArtifacts;
  hooks?: EngineHooks;
  /** Where job workspaces are made (a temporary folder the caller removes). */
  root: string;
}

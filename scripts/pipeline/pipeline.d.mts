// Types of the plain-JS orchestrator, for the TypeScript end-to-end tests.
export interface PipelineJob {
  workflow: string;
  workflowName: string;
  caller: string;
  /** 'pull_request' on the pull_request checks' jobs; absent on the pipelines they start. */
  event?: 'pull_request';
  id: string;
  leg?: string;
  /** A build or test leg: the plan's reason for selecting its framework. */
  why?: string;
  /** A build leg that was only planned (no buildah and registry here, or `build: 'plan'`). */
  planned?: boolean;
  apiName: string;
  status: 'success' | 'failure' | 'skipped' | 'cancelled' | 'not-run';
  reason: string;
  action?: string;
  runner?: string;
  image?: string;
  tags?: string[];
  digest?: string;
  step?: {
    exitCode: number | null;
    outputs: Record<string, string>;
    errors: { message: string; file?: string; line?: number }[];
    warnings: { message: string; file?: string }[];
    summary: string;
    /** The step's log lines (workflow commands taken out) and its stderr. */
    log: string[];
    stderr: string;
  };
  post?: { exitCode: number | null; warnings: { message: string }[] };
  changes?: Record<string, string>;
  plan?: {
    decisions: { unit: string; selected: boolean; reason: string }[];
    builds: any[];
    tests: any[];
    deploys: any[];
  };
  report?: any;
  payload?: any;
  sent?: string;
}

export interface PipelineResult {
  event: string;
  base: string;
  head: string;
  realBuild: boolean;
  tools: { buildah: boolean; registry: boolean; pytest: boolean; gpu: boolean; build: boolean };
  imageName: string;
  jobs: PipelineJob[];
  gates: Record<string, 'success' | 'failure'>;
  slack: any[];
  /** What the fake Slack received (`slack: 'fake'`). */
  slackReceived?: any[];
  kubernetes?: { namespaces: string[]; terminating: string[]; graphs: string[] };
  registryTags?: string[];
}

export interface PipelineOptions {
  repo: string;
  event: 'pull-request' | 'dispatch' | 'post-merge' | 'nightly';
  base: string;
  head: string;
  pr?: number;
  build?: 'auto' | 'real' | 'plan';
  tools?: PipelineResult['tools'];
  inputs?: Record<string, Record<string, string>>;
  deploy?: { scenario?: string; timeout?: string };
  slack?: 'dry-run' | 'fake';
  actionsDir?: string;
  onJob?: (job: PipelineJob) => void;
}

export function runPipeline(options: PipelineOptions): Promise<PipelineResult>;

/**
 * The local pipeline: the example repository's real workflow files run by the workflow engine for
 * one scenario event (a pull request, a dispatch, a push to main, the nightly schedule), with the
 * real action bundles, on a git working tree of examples/dynamo-example. Shared by `pnpm demo`
 * and the end-to-end tests. Real here: git, every bundle, `run:` steps, buildah + Debian's
 * docker-registry when installed (else builds are planned only and say so), pytest on the host.
 * Not real: GPU legs (not run), GitHub, Slack and Kubernetes (the testkit's fakes, spoken to by the
 * real clients).
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeMountedTree } from '../docker-daemon.js';
import { FakeGitHub } from '../fake-github.js';
import { installFakeHelm } from '../fake-helm.js';
import { FakeKubernetes } from '../fake-kubernetes.js';
import { FakeOpenAIFrontend } from '../fake-openai.js';
import { FakeSlack } from '../fake-slack.js';
import { type ContainerEngine, containerEngine } from '../python-base.js';
import { buildahEnvironment, LocalRegistry } from '../registry.js';
import { repoRoot } from '../runner.js';
import { WorkflowArtifacts } from '../workflow/artifacts.js';
import { runEvent } from '../workflow/engine.js';
import type { Json } from '../workflow/expressions.js';
import type { WorkflowEvent } from '../workflow/triggers.js';
import type { CancelRule, JobRecord, RunRecord, StepRecord } from '../workflow/types.js';
import { overrideStep, runnerDecision, type Simulation, startServices } from './overrides.js';
import { detectTools, type Tools } from './tools.js';

/** The example's repository name, as its runs report it. */
export const REPOSITORY = 'ai-dynamo/dynamo';
/** This repository, as the example's workflows name it in `uses:`. */
export const ACTIONS_REPOSITORY = 'org/dynamo-ci-actions';

export type PipelineEvent = 'pull-request' | 'dispatch' | 'post-merge' | 'nightly';

export interface PipelineOptions {
  /** The example repository's working tree (a git repository with `head` committed). */
  repo: string;
  event: PipelineEvent;
  /** The merge base of the change. */
  base: string;
  head: string;
  /** The pull request's number (default 123). */
  pr?: number;
  /** 'auto': real when buildah and docker-registry are installed; 'real' or 'plan'. */
  build?: 'auto' | 'real' | 'plan';
  tools?: Tools;
  /** Per reusable workflow file, inputs on top of the caller's `with:` (`{'backend.yml': {...}}`). */
  inputs?: Record<string, Record<string, Json>>;
  /** The fake cluster's pod scenario and the deployments' Ready wait. */
  deploy?: { scenario?: string; timeout?: string };
  /** 'dry-run' (slack-notify prints the payload) or 'fake' (posts to the testkit's fake Slack). */
  slack?: 'dry-run' | 'fake';
  /** Repository variables (`vars.*`); default IMAGE_NAME (the registry) and a Slack mention. */
  vars?: Record<string, string>;
  /** The action folders (action.yml + dist/); default actions/ of this repository. */
  actionsDir?: string;
  /**
   * Where test legs run: 'auto' inside the images this run built when builds are real and a Docker
   * daemon is there (the testkit's own is started where it may be), else on the host; 'host' always
   * on the host.
   */
  containers?: 'auto' | 'host';
  /**
   * Cancel jobs after a time or on a condition; a function gets the run's fakes, so a condition can
   * be "the fake cluster saw the apply".
   */
  cancel?: CancelRule[] | ((fakes: PipelineFakes) => CancelRule[]);
  onJob?: (job: JobRecord) => void;
  onRun?: (run: RunRecord) => void;
}

/** The fakes a run talks to, for scenario hooks. */
export interface PipelineFakes {
  github: FakeGitHub;
  kubernetes: FakeKubernetes;
  slack: FakeSlack | undefined;
}

export interface PipelineResult {
  event: PipelineEvent;
  base: string;
  head: string;
  realBuild: boolean;
  /** Where test legs ran: inside the images (a Docker daemon), or on the host and why. */
  testsIn: string;
  tools: Tools;
  imageName: string;
  runs: RunRecord[];
  /** Every job of every run, in run order. */
  jobs: JobRecord[];
  /** The workflows the events did not start, and why. */
  notStarted: { workflow: string; reason: string }[];
  /** The required checks: every status-aggregate gate and every direct pull_request check. */
  gates: Record<string, string>;
  /** The payloads slack-notify built. */
  slack: unknown[];
  /** What the fake Slack received (`slack: 'fake'`). */
  slackReceived?: unknown[];
  kubernetes: { namespaces: string[]; terminating: string[]; graphs: string[]; labelled: string[] };
  registryTags?: string[];
  /** What upload-artifact stored in the runs (name -> files), to feed a fake artifacts API. */
  artifacts: WorkflowArtifacts;
}

/** The step of `job` that ran one of our actions (`changed-files`), if any. */
export function actionStep(job: JobRecord | undefined, action: string): StepRecord | undefined {
  return job?.steps.find((step) => step.action === action);
}

/** The events a scenario is made of (a pull request: its checks, then copy-pr's push). */
export function scenarioEvents(
  event: PipelineEvent,
  options: { base: string; head: string; pr: number },
): WorkflowEvent[] {
  const repository = { full_name: REPOSITORY, default_branch: 'main' };
  const { base, head, pr } = options;
  const push = (ref: string, before: string): WorkflowEvent => ({
    name: 'push',
    ref,
    sha: head,
    payload: { ref, before, after: head, repository },
  });
  switch (event) {
    case 'pull-request': {
      const pull = {
        number: pr,
        title: 'A sample change',
        user: { login: 'contributor' },
        head: { sha: head, ref: 'feature/sample-change', repo: { full_name: REPOSITORY } },
        base: { sha: base, ref: 'main', repo: { full_name: REPOSITORY } },
      };
      return [
        {
          name: 'pull_request',
          ref: `refs/pull/${pr}/merge`,
          sha: head,
          actor: 'contributor',
          payload: { action: 'opened', number: pr, pull_request: pull, repository },
        },
        // copy-pr creates pull-request/<N> at the vetted head.
        push(`refs/heads/pull-request/${pr}`, '0'.repeat(40)),
      ];
    }
    case 'dispatch':
      return [
        {
          name: 'workflow_dispatch',
          ref: 'refs/heads/main',
          sha: head,
          workflow: 'pr.yaml',
          payload: { ref: 'refs/heads/main', inputs: {}, repository },
        },
      ];
    case 'post-merge':
      return [push('refs/heads/main', base)];
    case 'nightly':
      return [{ name: 'schedule', ref: 'refs/heads/main', sha: head, payload: { schedule: '0 8 * * *', repository } }];
    default:
      throw new Error(`unknown event ${JSON.stringify(event)} (pull-request, dispatch, post-merge or nightly)`);
  }
}

/**
 * `pipx run <tool>` as the hosted runner has it, served by this machine's tool: nothing is
 * downloaded; a tool that is not installed fails and says so.
 */
const PIPX = `#!/bin/sh
if [ "$1" != run ]; then echo "::error::pipx $1 is not simulated here (only pipx run)"; exit 2; fi
shift; tool="$1"; shift
if ! command -v "$tool" >/dev/null 2>&1; then
  echo "::error::pipx run $tool: $tool is not installed here (the hosted runner downloads it from PyPI)"; exit 127
fi
echo "::notice::pipx run $tool: this machine's $tool, nothing downloaded"
exec "$tool" "$@"
`;

/** Run the scenario's events on `options.repo` and return what a run page would show. */
export async function runPipeline(options: PipelineOptions): Promise<PipelineResult> {
  const tools = options.tools ?? detectTools();
  const build = options.build ?? 'auto';
  if (build === 'real' && !tools.build) throw new Error('build: real needs buildah and /usr/bin/docker-registry');
  const realBuild = build === 'real' || (build === 'auto' && tools.build);
  const root = mkdtempSync(join(tmpdir(), 'dynamo-pipeline-'));
  const servers: { close(): Promise<void> | void }[] = [];
  let registry: LocalRegistry | undefined;
  try {
    registry = realBuild ? await LocalRegistry.start() : undefined;
    const github = await FakeGitHub.start();
    servers.push(github);
    const frontend = await new FakeOpenAIFrontend().start();
    servers.push(frontend);
    const scenario = options.deploy?.scenario ?? 'ready';
    // As a fresh cluster: no Dynamo CRD, and graphs run only once an operator runs in their namespace,
    // so a deployment works only after deploy-operator did its part.
    const kubernetes = await new FakeKubernetes({
      scenario: scenario as never,
      frontendUrl: frontend.url,
      stepMs: 50,
      crdInstalled: false,
      requireOperator: true,
    }).start();
    servers.push(kubernetes);
    const slackMode = options.slack ?? 'dry-run';
    const slack = slackMode === 'fake' ? await FakeSlack.start() : undefined;
    if (slack) servers.push(slack);

    const pr = options.pr ?? 123;
    // The PR behind pull-request/<N>: changed-files finds its merge base through the API, as in CI.
    github.pulls.set(pr, {
      number: pr,
      state: 'open',
      title: 'A sample change',
      user: { login: 'contributor' },
      head: { sha: options.head, ref: 'feature/sample-change', repo: { full_name: REPOSITORY } },
      base: { sha: options.base, ref: 'main', repo: { full_name: REPOSITORY } },
      merge_base: options.base,
    });
    const imageName = `${registry?.host ?? 'registry.example.com'}/ai-dynamo/dynamo`;
    const bin = join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'pipx'), PIPX);
    chmodSync(join(bin, 'pipx'), 0o755);
    let containers: ContainerEngine | undefined;
    let hostReason = 'its images were only planned';
    if (registry && options.containers === 'host') hostReason = 'containers: host';
    else if (registry) {
      const prepared = await containerEngine({ registry: registry.host });
      if ('reason' in prepared) hostReason = prepared.reason;
      else containers = prepared;
    }
    // Helm is on GitHub's runners, not here: deploy-operator renders the chart with the stand-in.
    installFakeHelm(bin);
    const simulation: Simulation = {
      tools,
      ...(registry
        ? { registry: { host: registry.host, env: buildahEnvironment(root, containers?.buildahDriver ?? 'vfs') } }
        : {}),
      ...(containers ? { containers: { dockerHost: containers.dockerHost, baseImage: containers.baseImage } } : {}),
      hostReason,
      planReason: tools.build
        ? 'planned only (build: plan)'
        : 'planned only: buildah and docker-registry are not installed here',
      deploy: { scenario, timeout: options.deploy?.timeout ?? '20s' },
      slack: { mode: slackMode, ...(slack ? { url: `${slack.url}${slack.webhookPath}` } : {}) },
    };
    const cancel =
      typeof options.cancel === 'function' ? options.cancel({ github, kubernetes, slack }) : options.cancel;
    const runs: RunRecord[] = [];
    // Per workflow, why each event did not start it; only those no event started are reported.
    const notStarted = new Map<string, string[]>();
    const artifacts = new WorkflowArtifacts();
    // Run ids as long as GitHub's (pipeline-report drops 6+ digit ids from artifact names to name legs).
    let runId = 17_234_567_890;
    for (const event of scenarioEvents(options.event, { base: options.base, head: options.head, pr })) {
      const result = await runEvent({
        repository: { name: REPOSITORY, root: options.repo },
        repositories: [
          { name: ACTIONS_REPOSITORY, root: repoRoot, actions: options.actionsDir ?? join(repoRoot, 'actions') },
        ],
        event,
        github,
        runId,
        vars: options.vars ?? { IMAGE_NAME: imageName, SLACK_OPS_MENTION: '<!subteam^S0OPS>' },
        secrets: {
          GITHUB_TOKEN: 'ghs_simulated_run_token',
          AKS_CI_KUBECONFIG_B64: Buffer.from(kubernetes.kubeconfig()).toString('base64'),
          ...(slack ? { SLACK_NOTIFY_NIGHTLY_WEBHOOK_URL: `${slack.url}${slack.webhookPath}` } : {}),
        },
        ...(options.inputs ? { inputs: options.inputs } : {}),
        artifacts,
        env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` },
        root,
        hooks: {
          runner: (labels) => runnerDecision(tools, labels),
          overrideStep: (context) => overrideStep(simulation, context),
          services: (services) => startServices(services),
          ...(options.onJob ? { onJob: options.onJob } : {}),
          ...(options.onRun ? { onRun: options.onRun } : {}),
          ...(cancel ? { cancel } : {}),
        },
      });
      runs.push(...result.runs);
      for (const entry of result.notStarted) {
        notStarted.set(entry.workflow, [...(notStarted.get(entry.workflow) ?? []), `${event.name}: ${entry.reason}`]);
      }
      runId = Math.max(runId, ...result.runs.map((run) => run.id + 1));
    }
    const jobs = runs.flatMap((run) => run.jobs);
    const registryTags = registry ? await registry.tags('ai-dynamo/dynamo') : undefined;
    const namespaces = [...kubernetes.namespaces];
    return {
      event: options.event,
      base: options.base,
      head: options.head,
      realBuild,
      testsIn: containers
        ? `the images this run built (Docker daemon ${containers.dockerHost})`
        : `the host: ${hostReason}`,
      tools,
      imageName,
      runs,
      jobs,
      notStarted: [...notStarted]
        .filter(([workflow]) => !runs.some((run) => run.workflow === workflow))
        .map(([workflow, reasons]) => ({ workflow, reason: reasons.join('; ') })),
      gates: gatesOf(runs),
      slack: jobs.flatMap((job) => {
        const payload = actionStep(job, 'slack-notify')?.outputs.payload;
        return payload ? [JSON.parse(payload) as unknown] : [];
      }),
      ...(slack ? { slackReceived: slack.messages.map((message) => ({ ...message })) } : {}),
      kubernetes: {
        // A deleted namespace stays Terminating for a moment; it is gone as far as cleanup goes.
        namespaces: namespaces.filter(([, record]) => record.deletedAt === undefined).map(([name]) => name),
        terminating: namespaces.filter(([, record]) => record.deletedAt !== undefined).map(([name]) => name),
        graphs: [...kubernetes.graphs.keys()],
        // What any run labelled and that is still there (CRDs are the cluster's and carry no run label).
        labelled: kubernetes
          .objects({ labelSelector: 'dynamo-ci/run-id', includePods: true })
          .filter((object) => !object.deleting)
          .map((object) => `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`),
      },
      ...(registryTags ? { registryTags } : {}),
      artifacts,
    };
  } finally {
    for (const server of servers) await server.close();
    registry?.stop();
    await removeMountedTree(root);
  }
}

/**
 * The required checks of the runs: every job that runs status-aggregate (the `*-status-check`
 * gates) and every job of a reusable workflow a pull_request run called (the direct checks), by job id.
 */
function gatesOf(runs: RunRecord[]): Record<string, string> {
  const gates: Record<string, string> = {};
  for (const run of runs) {
    const direct = run.reason.startsWith('on pull_request');
    for (const job of run.jobs) {
      // A caller's own jobs (the non-required checks, on third-party actions) are not among them.
      const called = job.path.length > 1;
      if (actionStep(job, 'status-aggregate') || (direct && called && job.ran)) gates[job.id] = job.conclusion;
    }
  }
  return gates;
}

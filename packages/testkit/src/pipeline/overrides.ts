/**
 * How the local pipeline runs the real workflows on this machine: which runner labels it can take
 * (none that needs a GPU, unless it has one), and the simulation overrides of our actions' inputs,
 * each saying what it does instead (builds with buildah into the local registry, or only planned;
 * tests with pytest on the host; the operator, deployments and cleanup on the fake cluster with short
 * waits (the chart rendered by a stand-in helm); Slack to the
 * fake server or a dry run), and Debian's nats-server and etcd for NATS and etcd service containers.
 * Keyed by action name or image, never by workflow or job.
 */
import { spawnSync } from 'node:child_process';
import { Etcd, NatsServer } from '../services.js';
import type { RunnerDecision, ServiceSpecs, StartedServices, StepContext, StepOverride } from '../workflow/types.js';
import { PYTHON, type Tools } from './tools.js';

export interface Simulation {
  tools: Tools;
  /** Real builds: the local registry's host and buildah's environment. */
  registry?: { host: string; env: Record<string, string> };
  /** A Docker daemon and the Python base image in the registry: test legs run inside the images. */
  containers?: { dockerHost: string; baseImage: string };
  /** Why test legs run on the host when there are no containers. */
  hostReason: string;
  /** Why builds are only planned (no buildah, or `build: plan`). */
  planReason: string;
  deploy: { scenario: string; timeout: string };
  slack: { mode: 'dry-run' | 'fake'; url?: string };
}

/** This machine's architecture as the matrices name it (amd64, arm64). */
const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch;

/** GPU runner labels carry `gpu` as a word (`prod-tester-amd-gpu-v1`, `gpu-4x`). */
const GPU_LABEL = /(^|[-_.])gpu([-_.]|$)/i;

export function runnerDecision(tools: Tools, labels: string[]): RunnerDecision {
  if (!tools.gpu && labels.some((label) => GPU_LABEL.test(label))) {
    return {
      run: false,
      reason: `not run here (needs a GPU): runs on ${labels.join(', ')} in CI; this machine has none`,
    };
  }
  return { run: true };
}

const installed = (tool: string) =>
  spawnSync('sh', ['-c', 'command -v -- "$1"', 'sh', tool], { encoding: 'utf8' }).status === 0;

/** `pipx run <tool>` in a script: the tool it needs (the local pipx serves it from this machine). */
const PIPX_RUN = /\bpipx\s+run\s+([A-Za-z0-9_.-]+)/;

/** `pip install` in a script: the hosted runner downloads the pinned tools, this machine has its own. */
const PIP_INSTALL = /\bpip\s+install\b/;

/** The program each code-checks check runs. */
const CHECK_TOOLS: Record<string, string> = {
  'cargo-fmt': 'rustfmt',
  'cargo-clippy': 'cargo-clippy',
  'cargo-test': 'cargo',
  mypy: 'mypy',
  'go-fmt': 'gofmt',
  'go-vet': 'go',
  'go-test': 'go',
  'pre-commit': 'pre-commit',
};

function codeChecks(context: StepContext): StepOverride | undefined {
  const checks = (context.inputs.checks ?? '').split(/[\s,]+/).filter((check) => check !== '');
  const needed = [...new Set(checks.map((check) => CHECK_TOOLS[check] ?? check))];
  const missing = needed.filter((tool) => !installed(tool));
  if (missing.length > 0) return { plan: `not run: ${missing.join(', ')} not installed here` };
  if ((context.inputs.engine ?? 'docker') === 'none') return undefined;
  return {
    inputs: { engine: 'none' },
    note: `on the host with this machine's ${needed.join(', ')} instead of inside ${context.inputs.image ?? 'the image'}: the images built here are FROM the Python base image, which has no checkers`,
  };
}

export function overrideStep(simulation: Simulation, context: StepContext): StepOverride | undefined {
  const { tools } = simulation;
  const pipxTool = context.run === undefined ? undefined : PIPX_RUN.exec(context.run)?.[1];
  if (pipxTool && !installed(pipxTool)) {
    return { plan: `not run: ${pipxTool} is not installed here (the hosted runner has pipx download it)` };
  }
  if (context.run !== undefined && PIP_INSTALL.test(context.run)) {
    return { plan: "not run: pip would download the pinned tools; this machine's own stand in for them" };
  }
  switch (context.action) {
    case 'code-checks':
      return codeChecks(context);
    case 'build-container': {
      if (!simulation.registry) return { plan: simulation.planReason };
      // The Dockerfiles' default bases (CUDA images on nvcr.io) cannot be pulled here: FROM the
      // Python base when the tests run inside the image, else FROM scratch (the tests need no Python).
      const base = simulation.containers?.baseImage ?? 'scratch';
      const buildArgs = [context.inputs['build-args'], `BASE_IMAGE=${base}`].filter(Boolean).join('\n');
      return {
        inputs: { engine: 'buildah', 'insecure-registry': 'true', 'min-free-disk-gb': '1', 'build-args': buildArgs },
        env: simulation.registry.env,
        note: `built with buildah FROM ${base} and pushed to the local registry ${simulation.registry.host}`,
      };
    }
    case 'run-gpu-tests': {
      const image = context.inputs.image ?? 'the image';
      const foreign = context.inputs.arch !== undefined && context.inputs.arch !== HOST_ARCH;
      // Inside the image this run built and pushed, when a daemon can pull it and run its arch.
      if (simulation.containers && !foreign && (context.inputs.engine ?? 'docker') === 'docker') {
        return {
          env: { DOCKER_HOST: simulation.containers.dockerHost },
          note: `pytest inside ${image} (engine docker, the image this run pushed)`,
        };
      }
      if (!tools.pytest) return { plan: `not run: ${PYTHON} -m pytest is not installed here` };
      const why = !simulation.containers
        ? simulation.hostReason
        : `an ${context.inputs.arch} image does not run on this ${HOST_ARCH} machine`;
      return {
        inputs: { engine: 'none', python: PYTHON },
        note: `pytest on the host (engine none) instead of inside ${image}: ${why}`,
      };
    }
    case 'deploy-profile':
      return {
        inputs: { 'timeout-minutes': simulation.deploy.timeout, 'poll-interval': '1', 'cleanup-timeout': '10' },
        note: `the fake cluster (scenario ${simulation.deploy.scenario}), waits shortened to ${simulation.deploy.timeout}`,
      };
    case 'deploy-operator':
      return {
        inputs: { 'timeout-minutes': simulation.deploy.timeout, 'poll-interval': '1' },
        note: "the fake cluster; the chart rendered by the testkit's stand-in helm",
      };
    case 'deploy-cleanup':
      return { inputs: { wait: '10s', 'poll-interval': '1' }, note: 'the fake cluster' };
    case 'slack-notify':
      return simulation.slack.mode === 'fake'
        ? { inputs: { 'webhook-url': simulation.slack.url }, note: "posts to the testkit's fake Slack" }
        : {
            inputs: { 'dry-run': 'true', 'webhook-url': 'https://hooks.slack.com/services/T0/B0/dry-run' },
            note: 'dry run: payload printed, nothing sent',
          };
    default:
      return undefined;
  }
}

/** The service images this machine stands in for, by image name: the server and its container port. */
const SERVICE_STAND_INS = [
  { image: /(^|\/)nats(:|@|$)/, port: '4222', tool: 'nats-server', start: () => NatsServer.start() },
  { image: /(^|\/)etcd(:|@|$)/, port: '2379', tool: 'etcd (apt-get install etcd-server)', start: () => Etcd.start() },
];

/**
 * A job's NATS and etcd service containers as Debian's nats-server and etcd on free ports of this
 * machine (a step with `--network=host` reaches them at localhost, as on a hosted runner); any
 * other image cannot be stood in for, and the job says which.
 */
export async function startServices(services: ServiceSpecs): Promise<StartedServices | { reason: string }> {
  const plan = Object.entries(services).map(([name, spec]) => ({
    name,
    spec,
    standIn: SERVICE_STAND_INS.find((candidate) => candidate.image.test(spec.image.split(/[:@]/)[0] as string)),
  }));
  const unknown = plan.filter((entry) => !entry.standIn).map((entry) => `${entry.name} (${entry.spec.image})`);
  if (unknown.length > 0) return { reason: `no stand-in for ${unknown.join(', ')}; NATS and etcd only` };
  const started: { stop: () => void }[] = [];
  const ports: Record<string, Record<string, string>> = {};
  const notes: string[] = [];
  const stop = () => {
    for (const server of started) server.stop();
  };
  try {
    for (const { name, spec, standIn } of plan) {
      if (!standIn) continue;
      const server = await standIn.start().catch((error: Error) => {
        throw new Error(`${name}: ${error.message} (is ${standIn.tool} installed?)`);
      });
      started.push(server);
      // Every published port of the service maps to the server's one port.
      const published = spec.ports.map((port) => port.split(':').pop() as string);
      ports[name] = Object.fromEntries(
        (published.length > 0 ? published : [standIn.port]).map((port) => [port, String(server.port)]),
      );
      notes.push(`${name} (${spec.image}) on 127.0.0.1:${server.port}`);
    }
  } catch (error) {
    stop();
    return { reason: (error as Error).message };
  }
  return { ports, stop, note: `service containers stood in for by this machine's servers: ${notes.join(', ')}` };
}

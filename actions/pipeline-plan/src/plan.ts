/**
 * The pipeline plan: which build units (images) a change needs, expanded into the build, test
 * and deployment matrices the workflows feed to `strategy.matrix` with `fromJSON`. Pure: the
 * changed filter groups come in, matrices come out, so the decision lives here and not in
 * `if:` chains in YAML.
 */

/** One image family: selected when any of its filters changed, built once per CUDA x arch. */
export interface BuildUnit {
  /** The framework name, used in tags and pytest markers (`vllm`). */
  name: string;
  /** changed-files filter groups that select this unit (`core`, `vllm`, `deploy`). */
  when: string[];
  /** CUDA versions; empty for images without a CUDA variant (operator, frontend). */
  cuda: string[];
  arch: string[];
  dockerfile: string;
  context: string;
  target?: string;
  /** A runner role (see `Runners`) or a literal runner label. */
  runner: string;
  /** Whether GPU/CPU pytest legs run against its amd64/arm64 images. */
  tests: boolean;
  /** The framework marker its tests are selected by (default: `name`; `none` for the core image). */
  testFramework?: string;
  /** A verbatim pytest marker expression for this unit's tests (instead of lifecycle+framework+gpus). */
  markers?: string;
  /** The CUDA variant deployment tests use (amd64 only, as upstream's ACR copy is amd64-only). */
  deployCuda?: string;
  /**
   * Which job builds it: `build` (gated by backend-status-check) or `frontend` (its own job and its
   * own gate, frontend-status-check, as in the document's diagram).
   */
  job: 'build' | 'frontend';
}

export interface Runners {
  builder: string;
  'operator-builder': string;
  gpu: string;
  'multi-gpu': string;
  cpu: string;
  arm: string;
  deploy: string;
}

/** The runner labels of ai-dynamo/dynamo (April 2026). */
export const DEFAULT_RUNNERS: Runners = {
  builder: 'prod-builder-v3',
  'operator-builder': 'prod-default-v2',
  gpu: 'prod-tester-amd-gpu-v1',
  'multi-gpu': 'prod-tester-amd-gpu-4-v1',
  cpu: 'prod-tester-amd-v1',
  arm: 'prod-tester-arm-v1',
  // The document's deployment-test runner ("prod-default-v1"); upstream ran them on prod-default-small-v2.
  deploy: 'prod-default-v1',
};

const BOTH_ARCHES = ['amd64', 'arm64'];

/** The PR workflow document's build matrix: up to 14 images. */
export const DEFAULT_UNITS: BuildUnit[] = [
  framework('vllm', ['12.9', '13.0'], '12.9'),
  framework('sglang', ['12.9', '13.0'], '12.9'),
  framework('trtllm', ['13.0'], '13.0'),
  ...otherUnits(),
];

/**
 * The document's post-merge table (the `suite` preset): vLLM and SGLang on CUDA 12.9 and 13.0, TRT-LLM
 * on 12.9, amd64 and arm64 - 10 framework images.
 */
export const SUITE_UNITS: BuildUnit[] = [
  framework('vllm', ['12.9', '13.0'], '12.9'),
  framework('sglang', ['12.9', '13.0'], '12.9'),
  framework('trtllm', ['12.9'], '12.9'),
  ...otherUnits(),
];

export const PRESETS = { pr: DEFAULT_UNITS, suite: SUITE_UNITS } as const;
export type Preset = keyof typeof PRESETS;

function otherUnits(): BuildUnit[] {
  return [
    {
      name: 'operator',
      when: ['operator'],
      cuda: [],
      arch: BOTH_ARCHES,
      dockerfile: 'deploy/operator/Dockerfile',
      context: 'deploy/operator',
      runner: 'operator-builder',
      tests: false,
      job: 'build',
    },
    {
      name: 'frontend',
      when: ['frontend'],
      cuda: [],
      arch: BOTH_ARCHES,
      dockerfile: 'container/templates/frontend.Dockerfile',
      context: '.',
      runner: 'builder',
      tests: false,
      job: 'frontend',
    },
  ];
}

function framework(name: string, cuda: string[], deployCuda: string): BuildUnit {
  return {
    name,
    when: ['core', name, 'deploy'],
    cuda,
    arch: BOTH_ARCHES,
    dockerfile: `container/templates/${name}_runtime.Dockerfile`,
    context: '.',
    target: 'runtime',
    runner: 'builder',
    tests: true,
    deployCuda,
    job: 'build',
  };
}

/**
 * When a deployment profile runs: `always` on every backend run that selects its framework (the
 * framework, core or the deploy group changed), `main` only on the default branch and manual
 * dispatches (and wherever the caller asks for every tier).
 */
export type DeployTier = 'always' | 'main';

/** One row of the deployment table: a framework's profiles by tier, their timeout and runner. */
export interface DeploySpec {
  framework: string;
  always: string[];
  main: string[];
  timeoutMinutes: number;
  /** A runner role (see `Runners`) or a literal label. */
  runner: string;
}

/** The document's deployment table ("Deployment Tests"): 30 minutes each, on the deploy runner. */
export const DEFAULT_DEPLOYMENTS: DeploySpec[] = [
  {
    framework: 'vllm',
    always: ['disagg_router'],
    main: ['agg', 'agg_router', 'disagg'],
    timeoutMinutes: 30,
    runner: 'deploy',
  },
  { framework: 'sglang', always: [], main: ['agg', 'agg_router'], timeoutMinutes: 30, runner: 'deploy' },
  {
    framework: 'trtllm',
    always: [],
    main: ['agg', 'agg_router', 'disagg', 'disagg_router'],
    timeoutMinutes: 30,
    runner: 'deploy',
  },
];

/** A deployment job's time beyond the Ready wait: smoke request (up to ~8 min of probes) and cleanup. */
export const JOB_MARGIN_MINUTES = 15;

/** Which tiers a run deploys: none, the `always` tier, or every tier. */
export type DeployScope = 'none' | 'always' | 'all';

/**
 * The tiers a run gets from `deploy: auto`: every tier on a manual dispatch and on a push to the
 * default branch (the document's "main/manual"), the `always` tier on any other run.
 */
export function resolveDeployScope(
  input: 'auto' | DeployScope,
  run: { eventName: string; refName: string; defaultBranch: string | undefined },
): DeployScope {
  if (input !== 'auto') return input;
  if (run.eventName === 'workflow_dispatch') return 'all';
  if (run.eventName === 'push' && run.defaultBranch !== undefined && run.refName === run.defaultBranch) return 'all';
  return 'always';
}

export type Gpus = '0' | '1' | 'multi';

export interface PlanInputs {
  /** The filter groups that changed (changed-files' `changes`). */
  changes: string[];
  units: BuildUnit[];
  /** Restrict to these unit names (nightly builds only the frameworks). Empty: all units. */
  only: string[];
  /** Units another job builds (backend.yml's operator job lints, tests and builds the operator). */
  exclude: string[];
  forceAll: boolean;
  runners: Runners;
  testGpus: Gpus[];
  deploy: DeployScope;
  deployments: DeploySpec[];
  /** Where profiles live; `{framework}` and `{profile}` are replaced. */
  profilePath: string;
  /** This run's image tag prefix (the commit SHA on PRs, `main` after merge). */
  tagPrefix: string;
  /** The prefix of the last main images, used for a unit this run does not rebuild. */
  fallbackTagPrefix: string;
}

export interface BuildLeg {
  name: string;
  /**
   * `<framework>[-<target>][-cuda<major>]-<arch>`: build-container's tag without its prefix (its
   * `plainTag` for one platform), so later jobs find the image as `<image-name>:<prefix>-<id>`.
   */
  id: string;
  framework: string;
  cuda: string;
  arch: string;
  platform: string;
  dockerfile: string;
  context: string;
  target: string;
  runner: string;
}

export interface TestLeg {
  name: string;
  framework: string;
  /** The framework marker run-gpu-tests selects tests by. */
  'test-framework': string;
  cuda: string;
  arch: string;
  gpus: Gpus;
  runner: string;
  /** The build leg whose image this leg tests. */
  'image-id': string;
  markers: string;
}

export interface DeployLeg {
  name: string;
  framework: string;
  profile: string;
  tier: DeployTier;
  file: string;
  'image-id': string;
  /** `<tag-prefix>-<image-id>`: the tag to deploy. */
  'image-tag': string;
  runner: string;
  'timeout-minutes': number;
  /** The job's limit: the wait plus room for the smoke request and the post step's cleanup. */
  'job-timeout-minutes': number;
}

export interface UnitDecision {
  unit: string;
  selected: boolean;
  reason: string;
}

export interface Plan {
  decisions: UnitDecision[];
  /** Builds gated by backend-status-check. */
  builds: BuildLeg[];
  /** Builds of `job: frontend` units, gated by frontend-status-check. */
  frontendBuilds: BuildLeg[];
  /**
   * Unit -> the tag of its amd64 image (at its deploy CUDA version) for deployments: this run's
   * prefix when the unit is built in this run, else the fallback (the last main image).
   */
  images: Record<string, string>;
  tests: TestLeg[];
  deploys: DeployLeg[];
}

export function cudaMajor(version: string): string {
  return version.split('.')[0] as string;
}

export function legId(unit: Pick<BuildUnit, 'name' | 'target'>, cuda: string, arch: string): string {
  return [unit.name, unit.target, cuda === '' ? undefined : `cuda${cudaMajor(cuda)}`, arch].filter(Boolean).join('-');
}

function runnerFor(role: string, runners: Runners): string {
  return (runners as unknown as Record<string, string>)[role] ?? role;
}

/** Decide which units a change selects, and why. */
export function decide(
  inputs: Pick<PlanInputs, 'changes' | 'units' | 'only' | 'forceAll'> & Partial<Pick<PlanInputs, 'exclude'>>,
): UnitDecision[] {
  const changed = new Set(inputs.changes);
  return inputs.units.map((unit) => {
    if (inputs.exclude?.includes(unit.name)) {
      return { unit: unit.name, selected: false, reason: 'built by another job (exclude)' };
    }
    if (inputs.only.length > 0 && !inputs.only.includes(unit.name)) {
      return { unit: unit.name, selected: false, reason: 'not in this pipeline' };
    }
    if (inputs.forceAll) return { unit: unit.name, selected: true, reason: 'every unit is built (force-all)' };
    const hits = unit.when.filter((filter) => changed.has(filter));
    if (hits.length > 0) return { unit: unit.name, selected: true, reason: `${hits.join(', ')} changed` };
    return { unit: unit.name, selected: false, reason: `none of ${unit.when.join(', ')} changed` };
  });
}

export function plan(inputs: PlanInputs): Plan {
  const decisions = decide(inputs);
  const selected = inputs.units.filter((unit) => decisions.find((d) => d.unit === unit.name)?.selected);
  const builds: BuildLeg[] = [];
  const frontendBuilds: BuildLeg[] = [];
  const tests: TestLeg[] = [];
  const deploys: DeployLeg[] = [];
  const images: Record<string, string> = {};
  // Whether this run rebuilds a unit is up to the changes, not to `only`: another job of the run
  // may build a unit this plan leaves out (the operator's own job).
  const changed = new Set(inputs.changes);
  for (const unit of inputs.units) {
    const arch = unit.arch.includes('amd64') ? 'amd64' : (unit.arch[0] as string);
    const rebuilt = inputs.forceAll || unit.when.some((filter) => changed.has(filter));
    const prefix = rebuilt ? inputs.tagPrefix : inputs.fallbackTagPrefix;
    images[unit.name] = `${prefix}-${legId(unit, unit.deployCuda ?? unit.cuda[0] ?? '', arch)}`;
  }
  for (const unit of selected) {
    const cudas = unit.cuda.length > 0 ? unit.cuda : [''];
    for (const cuda of cudas) {
      for (const arch of unit.arch) {
        const id = legId(unit, cuda, arch);
        const variant = [cuda === '' ? '' : `cuda${cuda}`, arch].filter(Boolean).join(' ');
        (unit.job === 'frontend' ? frontendBuilds : builds).push({
          name: `${unit.name} ${variant}`,
          id,
          framework: unit.name,
          cuda,
          arch,
          platform: `linux/${arch}`,
          dockerfile: unit.dockerfile,
          context: unit.context,
          target: unit.target ?? '',
          runner: runnerFor(unit.runner, inputs.runners),
        });
        if (!unit.tests) continue;
        // arm64 testers have no GPU (upstream's prod-tester-arm-v1): only gpu_0 tests run there.
        const gpus = arch === 'amd64' ? inputs.testGpus : inputs.testGpus.filter((count) => count === '0');
        for (const count of gpus) {
          const role = arch !== 'amd64' ? 'arm' : count === '0' ? 'cpu' : count === '1' ? 'gpu' : 'multi-gpu';
          tests.push({
            name: `${unit.name} ${variant} gpu_${count === 'multi' ? '2+' : count}`,
            framework: unit.name,
            'test-framework': unit.testFramework ?? unit.name,
            cuda,
            arch,
            gpus: count,
            runner: runnerFor(role, inputs.runners),
            'image-id': id,
            markers: unit.markers ?? '',
          });
        }
      }
    }
    const spec = inputs.deployments.find((row) => row.framework === unit.name);
    const tiers: DeployTier[] =
      inputs.deploy === 'all' ? ['always', 'main'] : inputs.deploy === 'always' ? ['always'] : [];
    for (const tier of spec ? tiers : []) {
      for (const profile of (spec as DeploySpec)[tier]) {
        const imageId = legId(unit, unit.deployCuda ?? unit.cuda[0] ?? '', 'amd64');
        deploys.push({
          name: `${unit.name} ${profile}`,
          framework: unit.name,
          profile,
          tier,
          file: inputs.profilePath.replaceAll('{framework}', unit.name).replaceAll('{profile}', profile),
          'image-id': imageId,
          'image-tag': `${inputs.tagPrefix}-${imageId}`,
          runner: runnerFor((spec as DeploySpec).runner, inputs.runners),
          'timeout-minutes': (spec as DeploySpec).timeoutMinutes,
          'job-timeout-minutes': (spec as DeploySpec).timeoutMinutes + JOB_MARGIN_MINUTES,
        });
      }
    }
  }
  return { decisions, builds, frontendBuilds, images, tests, deploys };
}

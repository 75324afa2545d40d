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
  deploy: 'prod-default-small-v2',
};

const BOTH_ARCHES = ['amd64', 'arm64'];

/** The PR workflow document's build matrix: up to 14 images. */
export const DEFAULT_UNITS: BuildUnit[] = [
  framework('vllm', ['12.9', '13.0'], '12.9'),
  framework('sglang', ['12.9', '13.0'], '12.9'),
  framework('trtllm', ['13.0'], '13.0'),
  {
    name: 'operator',
    when: ['operator'],
    cuda: [],
    arch: BOTH_ARCHES,
    dockerfile: 'deploy/operator/Dockerfile',
    context: 'deploy/operator',
    runner: 'operator-builder',
    tests: false,
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
  },
];

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
  };
}

/** Deployment profiles per framework, as the PR workflow's deployment tests run them. */
export const DEFAULT_PROFILES: Record<string, string[]> = {
  vllm: ['agg', 'agg_router', 'disagg', 'disagg_router'],
  sglang: ['agg', 'agg_router'],
  trtllm: ['agg', 'agg_router', 'disagg', 'disagg_router'],
};

export type Gpus = '0' | '1' | 'multi';

export interface PlanInputs {
  /** The filter groups that changed (changed-files' `changes`). */
  changes: string[];
  units: BuildUnit[];
  /** Restrict to these unit names (nightly builds only the frameworks). Empty: all units. */
  only: string[];
  forceAll: boolean;
  runners: Runners;
  testGpus: Gpus[];
  deploy: boolean;
  profiles: Record<string, string[]>;
  /** Where profiles live; `{framework}` and `{profile}` are replaced. */
  profilePath: string;
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
  file: string;
  'image-id': string;
  runner: string;
}

export interface UnitDecision {
  unit: string;
  selected: boolean;
  reason: string;
}

export interface Plan {
  decisions: UnitDecision[];
  builds: BuildLeg[];
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
export function decide(inputs: Pick<PlanInputs, 'changes' | 'units' | 'only' | 'forceAll'>): UnitDecision[] {
  const changed = new Set(inputs.changes);
  return inputs.units.map((unit) => {
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
  const tests: TestLeg[] = [];
  const deploys: DeployLeg[] = [];
  for (const unit of selected) {
    const cudas = unit.cuda.length > 0 ? unit.cuda : [''];
    for (const cuda of cudas) {
      for (const arch of unit.arch) {
        const id = legId(unit, cuda, arch);
        const variant = [cuda === '' ? '' : `cuda${cuda}`, arch].filter(Boolean).join(' ');
        builds.push({
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
    const profiles = inputs.deploy ? (inputs.profiles[unit.name] ?? []) : [];
    for (const profile of profiles) {
      deploys.push({
        name: `${unit.name} ${profile}`,
        framework: unit.name,
        profile,
        file: inputs.profilePath.replaceAll('{framework}', unit.name).replaceAll('{profile}', profile),
        'image-id': legId(unit, unit.deployCuda ?? unit.cuda[0] ?? '', 'amd64'),
        runner: inputs.runners.deploy,
      });
    }
  }
  return { decisions, builds, tests, deploys };
}

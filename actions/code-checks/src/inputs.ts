/** Raw action inputs -> one typed `Inputs` object, or an InputError naming the input. Pure. */
import { posix } from 'node:path';
import { InputError, inputs } from '@dynamo-ci/core';
import { CHECK_NAMES, type CheckName } from './checks.js';

export type Engine = 'docker' | 'none';

export interface Inputs {
  checks: CheckName[];
  engine: Engine;
  /** Required for docker. */
  image?: string;
  /** The project folder, relative to the workspace, normalized, '' for the root. */
  workingDirectory: string;
  /** Where the workspace is mounted in the container. */
  containerWorkspace: string;
  cargo: CargoOptions;
  /** mypy targets; empty lets mypy take `files` from its configuration. */
  mypyTargets: string[];
  goPackages: string[];
  env: Map<string, string>;
  dockerOptions: string[];
  /** `image` (the image's USER), `runner` (this runner's uid:gid), or uid[:gid]. */
  user: string;
  timeoutMs: number;
  failFast: boolean;
  resultsDir: string;
  maxAnnotations: number;
}

export interface CargoOptions {
  /** Feature names, or 'all' for --all-features. */
  features: string[] | 'all';
  noDefaultFeatures: boolean;
}

const FEATURE = /^[A-Za-z0-9_][A-Za-z0-9_+./:-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseInputs(raw: (name: string) => string | undefined, defaults: { temp: string }): Inputs {
  const checks = inputs.list(raw('checks'));
  if (checks.length === 0) {
    throw new InputError(
      'checks',
      `Input required and not supplied: checks. Name the checks to run, e.g. cargo-fmt, cargo-clippy, cargo-test (one of ${CHECK_NAMES.join(', ')}).`,
    );
  }
  for (const check of checks) {
    if (!(CHECK_NAMES as readonly string[]).includes(check)) {
      throw new InputError(
        'checks',
        `Input 'checks' must list checks among ${CHECK_NAMES.join('|')}, got ${JSON.stringify(check)}`,
      );
    }
  }
  if (new Set(checks).size !== checks.length) {
    throw new InputError('checks', `Input 'checks' names a check twice: ${checks.join(', ')}`);
  }

  const engine = inputs.oneOf(raw('engine'), 'engine', ['docker', 'none'] as const, 'docker');
  const image = inputs.optional(raw('image'))?.trim();
  if (engine === 'docker' && image === undefined) {
    throw new InputError(
      'image',
      "Input 'image' is required when engine is docker (the image the checks run in), or set engine: none to run them on the runner",
    );
  }
  if (image !== undefined && (/\s/.test(image) || image.startsWith('-'))) {
    throw new InputError(
      'image',
      `Input 'image' must be an image reference like repo/name:tag, got ${JSON.stringify(image)}`,
    );
  }

  const containerWorkspace = inputs.optional(raw('container-workspace'))?.trim() ?? '/workspace';
  if (!posix.isAbsolute(containerWorkspace) || containerWorkspace === '/' || /[,\n]/.test(containerWorkspace)) {
    throw new InputError(
      'container-workspace',
      `Input 'container-workspace' must be an absolute path other than / (where the checkout is mounted), got ${JSON.stringify(containerWorkspace)}`,
    );
  }

  const featuresRaw = inputs.list(raw('features'));
  let features: string[] | 'all' = featuresRaw;
  if (featuresRaw.includes('all')) {
    if (featuresRaw.length > 1) {
      throw new InputError(
        'features',
        `Input 'features' is either all or a list of feature names, got ${featuresRaw.join(', ')}`,
      );
    }
    features = 'all';
  }
  for (const feature of featuresRaw) {
    if (feature !== 'all' && !FEATURE.test(feature)) {
      throw new InputError(
        'features',
        `Input 'features' must list cargo feature names, got ${JSON.stringify(feature)}`,
      );
    }
  }

  const goPackages = inputs.list(raw('go-packages'));
  for (const pattern of goPackages) {
    // go test reads anything after the packages as flags for the test binary, so no `--` there:
    // refuse what would be read as a flag instead.
    if (pattern.startsWith('-') || /\s/.test(pattern)) {
      throw new InputError(
        'go-packages',
        `Input 'go-packages' must list package patterns like ./..., got ${JSON.stringify(pattern)}`,
      );
    }
  }

  const env = inputs.keyValues(raw('env'), 'env');
  for (const name of env.keys()) {
    if (!ENV_NAME.test(name)) {
      throw new InputError(
        'env',
        `Input 'env' names must be environment variable names (letters, digits, _), got ${JSON.stringify(name)}`,
      );
    }
  }

  const user = inputs.optional(raw('user'))?.trim() ?? 'image';
  if (!/^(image|runner|[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?)$/.test(user)) {
    throw new InputError('user', `Input 'user' must be image, runner, or uid[:gid], got ${JSON.stringify(user)}`);
  }

  const timeoutMs = inputs.duration(raw('timeout-minutes'), 'timeout-minutes', 30 * 60_000, 'm');
  if (timeoutMs <= 0) {
    throw new InputError(
      'timeout-minutes',
      "Input 'timeout-minutes' must be above 0 (checks without a deadline can hang a runner)",
    );
  }

  return {
    checks: checks as CheckName[],
    engine,
    image,
    workingDirectory: workingDirectory(raw('working-directory')),
    containerWorkspace: posix.normalize(containerWorkspace).replace(/\/$/, ''),
    cargo: { features, noDefaultFeatures: inputs.boolean(raw('no-default-features'), 'no-default-features', false) },
    mypyTargets: targets(raw('mypy-targets'), 'mypy-targets'),
    goPackages: goPackages.length > 0 ? goPackages : ['./...'],
    env,
    dockerOptions: inputs.list(raw('docker-options'), { comma: false }),
    user,
    timeoutMs,
    failFast: inputs.boolean(raw('fail-fast'), 'fail-fast', false),
    resultsDir: inputs.optional(raw('results-dir'))?.trim() ?? `${defaults.temp}/code-checks`,
    maxAnnotations: inputs.integer(raw('max-annotations'), 'max-annotations', 50, { min: 0, max: 1000 }),
  };
}

/** A folder inside the workspace: relative, no `..` out of it; '' for the workspace itself. */
function workingDirectory(raw: string | undefined): string {
  const value = inputs.optional(raw)?.trim() ?? '.';
  const normalized = posix.normalize(value.replace(/\\/g, '/'));
  if (posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new InputError(
      'working-directory',
      `Input 'working-directory' must be a folder inside the repository, relative to it (e.g. deploy/operator), got ${JSON.stringify(value)}`,
    );
  }
  return normalized === '.' ? '' : normalized.replace(/\/$/, '');
}

/** Paths or module names; they go after `--`, so a name starting with `-` stays a path. */
function targets(raw: string | undefined, name: string): string[] {
  const list = inputs.list(raw);
  for (const target of list) {
    if (/[\0\n]/.test(target))
      throw new InputError(name, `Input '${name}' must list paths, got ${JSON.stringify(target)}`);
  }
  return list;
}

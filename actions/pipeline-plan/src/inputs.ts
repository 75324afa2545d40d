/** Raw input strings -> typed plan inputs, or an InputError naming the input. Pure. */
import { InputError, inputs } from '@dynamo-ci/core';
import { parse as parseYaml } from 'yaml';
import {
  type BuildUnit,
  DEFAULT_DEPLOYMENTS,
  DEFAULT_RUNNERS,
  type DeployScope,
  type DeploySpec,
  type Gpus,
  type PlanInputs,
  PRESETS,
  type Runners,
  resolveDeployScope,
} from './plan.js';

export type Raw = (name: string) => string | undefined;

const NAME = /^[a-z0-9][a-z0-9_.-]*$/;

function parseStructured(raw: string | undefined, name: string): unknown {
  const value = inputs.optional(raw);
  if (value === undefined) return undefined;
  try {
    return parseYaml(value);
  } catch (error) {
    throw new InputError(name, `Input '${name}' must be YAML or JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

function stringList(value: unknown, name: string, where: string): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== 'string' && typeof item !== 'number') {
      throw new InputError(name, `Input '${name}': ${where} must be a list of strings, got ${JSON.stringify(item)}`);
    }
    return String(item);
  });
}

export function parseUnits(raw: string | undefined, defaults: BuildUnit[] = PRESETS.pr): BuildUnit[] {
  const value = parseStructured(raw, 'units');
  if (value === undefined) return defaults;
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError('units', "Input 'units' must be a non-empty YAML list of build units (name, when, ...)");
  }
  const seen = new Set<string>();
  return value.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InputError('units', `Input 'units' entry ${index + 1} must be a mapping, got ${JSON.stringify(entry)}`);
    }
    const unit = entry as Record<string, unknown>;
    const known = [
      'name',
      'when',
      'cuda',
      'arch',
      'dockerfile',
      'context',
      'target',
      'runner',
      'tests',
      'test-framework',
      'markers',
      'deploy-cuda',
      'job',
    ];
    for (const key of Object.keys(unit)) {
      if (!known.includes(key)) {
        throw new InputError(
          'units',
          `Input 'units' entry ${index + 1} has an unknown key '${key}' (known: ${known.join(', ')})`,
        );
      }
    }
    const name = String(unit.name ?? '');
    if (!NAME.test(name)) {
      throw new InputError(
        'units',
        `Input 'units' entry ${index + 1} needs a lower-case 'name', got ${JSON.stringify(unit.name)}`,
      );
    }
    if (seen.has(name)) throw new InputError('units', `Input 'units' names '${name}' twice`);
    seen.add(name);
    const when = stringList(unit.when, 'units', `'${name}'.when`);
    if (when.length === 0) {
      throw new InputError('units', `Input 'units': '${name}' needs 'when', the filter groups that select it`);
    }
    if (typeof unit.dockerfile !== 'string' || unit.dockerfile === '') {
      throw new InputError('units', `Input 'units': '${name}' needs 'dockerfile'`);
    }
    const cuda = stringList(unit.cuda, 'units', `'${name}'.cuda`);
    for (const version of cuda) {
      if (!/^\d+\.\d+$/.test(version)) {
        throw new InputError(
          'units',
          `Input 'units': '${name}' CUDA version must look like 12.9, got ${JSON.stringify(version)}`,
        );
      }
    }
    const arch = stringList(unit.arch ?? ['amd64', 'arm64'], 'units', `'${name}'.arch`);
    const deployCuda = unit['deploy-cuda'] === undefined ? undefined : String(unit['deploy-cuda']);
    if (deployCuda !== undefined && !cuda.includes(deployCuda)) {
      throw new InputError(
        'units',
        `Input 'units': '${name}' deploy-cuda ${deployCuda} is not one of its cuda versions`,
      );
    }
    const job = unit.job === undefined ? 'build' : String(unit.job);
    if (job !== 'build' && job !== 'frontend') {
      throw new InputError(
        'units',
        `Input 'units': '${name}' job must be build or frontend, got ${JSON.stringify(unit.job)}`,
      );
    }
    return {
      name,
      when,
      cuda,
      arch,
      dockerfile: unit.dockerfile,
      context: typeof unit.context === 'string' ? unit.context : '.',
      target: typeof unit.target === 'string' ? unit.target : undefined,
      runner: typeof unit.runner === 'string' ? unit.runner : 'builder',
      tests: unit.tests === undefined ? false : unit.tests === true,
      testFramework: typeof unit['test-framework'] === 'string' ? unit['test-framework'] : undefined,
      markers: typeof unit.markers === 'string' ? unit.markers : undefined,
      deployCuda,
      job,
    };
  });
}

/**
 * The deployment table: a list of rows `{framework, always: [...], main: [...], timeout-minutes,
 * runner}`, or the short map `{framework: [profiles]}` (every profile in the `main` tier).
 */
export function parseDeployments(raw: string | undefined): DeploySpec[] {
  const value = parseStructured(raw, 'deploy-profiles');
  if (value === undefined) return DEFAULT_DEPLOYMENTS;
  const fail = (message: string): never => {
    throw new InputError('deploy-profiles', `Input 'deploy-profiles' ${message}`);
  };
  const profiles = (list: unknown, where: string) => {
    const names = stringList(list, 'deploy-profiles', where);
    for (const profile of names)
      if (!NAME.test(profile)) fail(`: profile ${JSON.stringify(profile)} is not a file stem`);
    return names;
  };
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([framework, list]) => ({
      framework,
      always: [],
      main: profiles(list, framework),
      timeoutMinutes: 30,
      runner: 'deploy',
    }));
  }
  if (!Array.isArray(value)) {
    return fail(
      'must be a list of rows (framework, always, main, timeout-minutes, runner) or a map framework -> profiles',
    );
  }
  const known = ['framework', 'always', 'main', 'timeout-minutes', 'runner'];
  const seen = new Set<string>();
  return value.map((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) fail(`row ${index + 1} must be a mapping`);
    const entry = row as Record<string, unknown>;
    for (const key of Object.keys(entry)) {
      if (!known.includes(key)) fail(`row ${index + 1} has an unknown key '${key}' (known: ${known.join(', ')})`);
    }
    const framework = String(entry.framework ?? '');
    if (!NAME.test(framework))
      fail(`row ${index + 1} needs a lower-case 'framework', got ${JSON.stringify(entry.framework)}`);
    if (seen.has(framework)) fail(`names '${framework}' twice`);
    seen.add(framework);
    const timeout = entry['timeout-minutes'] ?? 30;
    if (!Number.isInteger(timeout) || (timeout as number) < 1 || (timeout as number) > 360) {
      fail(`: '${framework}' timeout-minutes must be a whole number from 1 to 360, got ${JSON.stringify(timeout)}`);
    }
    const runner = entry.runner ?? 'deploy';
    if (typeof runner !== 'string' || runner.trim() === '')
      fail(`: '${framework}' runner must be a role or a runner label`);
    return {
      framework,
      always: profiles(entry.always, `${framework}.always`),
      main: profiles(entry.main, `${framework}.main`),
      timeoutMinutes: timeout as number,
      runner: (runner as string).trim(),
    };
  });
}

/** What `deploy: auto` is decided from. */
export interface RunFacts {
  eventName: string;
  refName: string;
  defaultBranch: string | undefined;
}

export function parseInputs(
  raw: Raw,
  run: RunFacts = { eventName: '', refName: '', defaultBranch: undefined },
): PlanInputs {
  const changes = inputs.json<unknown>(raw('changes'), 'changes') ?? [];
  if (!Array.isArray(changes) || changes.some((item) => typeof item !== 'string')) {
    throw new InputError(
      'changes',
      "Input 'changes' must be a JSON array of filter names (changed-files' 'changes' output)",
    );
  }
  const preset = inputs.oneOf(raw('preset'), 'preset', ['pr', 'suite'] as const, 'pr');
  const units = parseUnits(raw('units'), PRESETS[preset]);
  const only = inputs.list(raw('only'));
  for (const name of only) {
    if (!units.some((unit) => unit.name === name)) {
      throw new InputError(
        'only',
        `Input 'only' names '${name}', which is not a unit (${units.map((u) => u.name).join(', ')})`,
      );
    }
  }
  const exclude = inputs.list(raw('exclude'));
  for (const name of exclude) {
    if (!units.some((unit) => unit.name === name)) {
      throw new InputError(
        'exclude',
        `Input 'exclude' names '${name}', which is not a unit (${units.map((u) => u.name).join(', ')})`,
      );
    }
    if (only.includes(name)) {
      throw new InputError(
        'exclude',
        `Input 'exclude' names '${name}', which 'only' asks for: name each unit in one of them`,
      );
    }
  }
  const runners: Runners = { ...DEFAULT_RUNNERS };
  for (const [role, label] of inputs.keyValues(raw('runners'), 'runners')) {
    if (!(role in DEFAULT_RUNNERS)) {
      throw new InputError(
        'runners',
        `Input 'runners' has an unknown role '${role}' (known: ${Object.keys(DEFAULT_RUNNERS).join(', ')})`,
      );
    }
    if (label.trim() === '') throw new InputError('runners', `Input 'runners': role '${role}' has an empty label`);
    (runners as unknown as Record<string, string>)[role] = label.trim();
  }
  const testGpus = inputs.list(raw('test-gpus') ?? '0,1,multi') as Gpus[];
  for (const count of testGpus) {
    if (!['0', '1', 'multi'].includes(count)) {
      throw new InputError(
        'test-gpus',
        `Input 'test-gpus' entries must be 0, 1 or multi, got ${JSON.stringify(count)}`,
      );
    }
  }
  return {
    changes: changes as string[],
    units,
    only,
    exclude,
    forceAll: inputs.boolean(raw('force-all'), 'force-all', false),
    runners,
    testGpus,
    deploy: resolveDeployScope(parseDeploy(raw('deploy')), run),
    deployments: parseDeployments(raw('deploy-profiles')),
    profilePath: inputs.optional(raw('profile-path')) ?? 'examples/backends/{framework}/deploy/{profile}.yaml',
    tagPrefix: tagPrefix(raw('tag-prefix'), 'tag-prefix', 'local'),
    fallbackTagPrefix: tagPrefix(raw('fallback-tag-prefix'), 'fallback-tag-prefix', 'main'),
  };
}

/** `deploy`: auto (decided from the run by `resolveDeployScope`), none, always or all; true/false mean all/none. */
export function parseDeploy(raw: string | undefined): 'auto' | DeployScope {
  const value = inputs.oneOf(raw, 'deploy', ['auto', 'none', 'always', 'all', 'true', 'false'] as const, 'none');
  return value === 'true' ? 'all' : value === 'false' ? 'none' : value;
}

function tagPrefix(raw: string | undefined, name: string, fallback: string): string {
  const value = inputs.optional(raw)?.trim() ?? fallback;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(value)) {
    throw new InputError(
      name,
      `Input '${name}' must be an image tag prefix (letters, digits, '_', '.', '-'), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

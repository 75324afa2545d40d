/**
 * The exact command lines: pytest's arguments for one phase, and the `docker run` argv that
 * wraps them. Pure: every path and name comes in, an argument array goes out (never a shell string).
 */
import type { Inputs, Mount } from './inputs.js';

/** Where the helper and the results live as pytest sees them (container paths for docker). */
export interface Layout {
  helper: string;
  results: string;
}

export const CONTAINER_LAYOUT: Layout = {
  helper: '/dynamo-ci/helper/dynamo_ci_pytest.py',
  results: '/dynamo-ci/results',
};

export type PhaseName = 'all' | 'parallel' | 'sequential' | `rerun-${number}`;

export interface PhaseRequest {
  name: PhaseName;
  expression?: string;
  /** 0 = no xdist. */
  workers: number | 'auto';
  /** A file of node ids to keep (shards and reruns), as pytest sees the path. */
  selectFile?: string;
}

export type PytestOptions = Pick<Inputs, 'testTimeoutSeconds' | 'timeoutMethod' | 'pytestArgs' | 'paths'>;

export function junitName(phase: string): string {
  return `junit-${phase}.xml`;
}

export function liveName(phase: string): string {
  return `live-${phase}.jsonl`;
}

/** Arguments after `python`: the helper script, then pytest's own. */
export function pytestArgv(options: PytestOptions, phase: PhaseRequest, layout: Layout): string[] {
  const args = [
    layout.helper,
    '-p',
    'no:cacheprovider',
    // xunit1 keeps `file` and `line` on each testcase, which the annotations need.
    '-o',
    'junit_family=xunit1',
    `--junitxml=${layout.results}/${junitName(phase.name)}`,
    `--dynamo-ci-live=${layout.results}/${liveName(phase.name)}`,
    '--continue-on-collection-errors',
  ];
  if (phase.expression !== undefined) args.push('-m', phase.expression);
  if (phase.workers !== 0) args.push('-n', String(phase.workers), '--dist=loadscope');
  if (phase.selectFile !== undefined) args.push(`--dynamo-ci-select=${phase.selectFile}`);
  args.push(...timeoutArgs(options));
  args.push(...options.pytestArgs);
  // `--` keeps a test path such as `-k.py` from being read as an option.
  if (options.paths.length > 0) args.push('--', ...options.paths);
  return args;
}

/** Arguments for the collection run that feeds the shard planner. */
export function collectArgv(options: PytestOptions, expression: string, layout: Layout): string[] {
  const args = [
    layout.helper,
    '-p',
    'no:cacheprovider',
    '--collect-only',
    '-q',
    `--dynamo-ci-collected=${layout.results}/collected.jsonl`,
    '--continue-on-collection-errors',
    '-m',
    expression,
    ...options.pytestArgs,
  ];
  if (options.paths.length > 0) args.push('--', ...options.paths);
  return args;
}

function timeoutArgs(options: PytestOptions): string[] {
  const args: string[] = [];
  if (options.testTimeoutSeconds > 0) args.push(`--timeout=${options.testTimeoutSeconds}`);
  if (options.timeoutMethod !== 'auto') args.push(`--timeout-method=${options.timeoutMethod}`);
  return args;
}

export interface DockerRun {
  image: string;
  /** The container's name, so a stopped run can be removed with `docker rm -f`. */
  name: string;
  gpus: boolean;
  /** `--user` value, or undefined to keep the image's USER. */
  user?: string;
  workdir?: string;
  /** Host directories: the helper (read-only) and the results (read-write). */
  helperDir: string;
  resultsDir: string;
  /** Extra bind mounts with absolute host paths. */
  mounts: Mount[];
  /** Names only: docker reads each value from its own environment, so values never reach argv. */
  envNames: string[];
  options: string[];
  python: string;
  pytestArgs: string[];
}

export function dockerRunArgv(run: DockerRun): string[] {
  const args = ['run', '--rm', '--init', '--name', run.name];
  if (run.gpus) args.push('--gpus', 'all');
  if (run.user !== undefined) args.push('--user', run.user);
  const mounts: Mount[] = [
    { source: run.helperDir, target: dirnamePosix(CONTAINER_LAYOUT.helper), readOnly: true },
    { source: run.resultsDir, target: CONTAINER_LAYOUT.results, readOnly: false },
    ...run.mounts,
  ];
  for (const mount of mounts) args.push('--mount', mountSpec(mount));
  if (run.workdir !== undefined) args.push('--workdir', run.workdir);
  for (const name of run.envNames) args.push('--env', name);
  args.push(...run.options, run.image, run.python, ...run.pytestArgs);
  return args;
}

export interface OwnershipRun {
  image: string;
  name: string;
  python: string;
  /** `uid:gid` the files are given to. */
  owner: string;
  helperDir: string;
  resultsDir: string;
  /** The run's extra bind mounts; the writable ones are handed back too. */
  mounts: Mount[];
}

/**
 * `docker run` of the helper as root in the same image, giving everything the tests wrote into the
 * shared folders (results and writable mounts) to the runner's user, so its cleanup can delete them.
 * No network, no test environment, the image's entrypoint bypassed: it only walks the mounts.
 */
export function ownershipArgv(run: OwnershipRun): string[] {
  const writable = run.mounts.filter((mount) => !mount.readOnly);
  const args = ['run', '--rm', '--name', run.name, '--network', 'none', '--user', '0:0', '--entrypoint', run.python];
  const mounts: Mount[] = [
    { source: run.helperDir, target: dirnamePosix(CONTAINER_LAYOUT.helper), readOnly: true },
    { source: run.resultsDir, target: CONTAINER_LAYOUT.results, readOnly: false },
    ...writable,
  ];
  for (const mount of mounts) args.push('--mount', mountSpec(mount));
  args.push(
    run.image,
    CONTAINER_LAYOUT.helper,
    `--dynamo-ci-chown=${run.owner}`,
    CONTAINER_LAYOUT.results,
    ...writable.map((mount) => mount.target),
  );
  return args;
}

/**
 * `--mount` takes CSV: a field with a comma or a quote is quoted, quotes doubled. `-v` would
 * break on a colon in a path; `--mount` only needs this quoting.
 */
export function mountSpec(mount: Mount): string {
  const fields = ['type=bind', `source=${mount.source}`, `target=${mount.target}`];
  if (mount.readOnly) fields.push('readonly');
  return fields.map((field) => (/[",]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}

/** A container name docker accepts: `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. */
export function containerName(parts: readonly (string | number)[]): string {
  const name = parts
    .map(String)
    .join('-')
    .replace(/[^a-zA-Z0-9_.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '');
  return (name || 'dynamo-ci-tests').slice(0, 120);
}

function dirnamePosix(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

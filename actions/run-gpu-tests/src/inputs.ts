/** Raw action inputs -> one typed `Inputs` object, or an InputError naming the input. */
import { InputError, inputs } from '@dynamo-ci/core';
import type { Arch, Gpus, Lifecycle } from './markers.js';

export type Engine = 'docker' | 'none';
export type TimeoutMethod = 'auto' | 'signal' | 'thread';

export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface Inputs {
  engine: Engine;
  image?: string;
  python: string;
  lifecycle: Lifecycle;
  framework?: string;
  gpus: Gpus;
  markers?: string;
  /** `auto` is resolved from RUNNER_ARCH by main. */
  arch: Arch | 'auto';
  requireGpu: boolean;
  paths: string[];
  workdir?: string;
  pytestArgs: string[];
  /** 0 = no xdist; 'auto' or N = `-n` for the parallel phase. */
  workers: number | 'auto';
  twoPhase: boolean;
  parallelMarker: string;
  testTimeoutSeconds: number;
  timeoutMethod: TimeoutMethod;
  timeoutMs: number;
  failOnEmpty: boolean;
  reruns: number;
  shardCount: number;
  shardIndex: number;
  durationsCache: boolean;
  durationsKey?: string;
  resultsDir: string;
  env: Map<string, string>;
  /** Names of the step's environment variables the tests get, by name (docker reads the values itself). */
  forwardEnv: string[];
  mounts: Mount[];
  /** `image` (the image's USER), `runner` (this process's uid:gid) or an explicit user. */
  user: string;
  dockerOptions: string[];
  annotationPathPrefix: string;
}

export type RawInput = (name: string) => string | undefined;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['and', 'or', 'not']);

export function parseInputs(raw: RawInput, defaults: { workspace: string; temp: string }): Inputs {
  const engine = inputs.oneOf(raw('engine'), 'engine', ['docker', 'none'] as const, 'docker');
  const image = inputs.optional(raw('image'))?.trim();
  if (engine === 'docker' && image === undefined) {
    throw new InputError(
      'image',
      "Input 'image' is required when engine is docker (or set engine: none to run on the host)",
    );
  }
  if (image !== undefined && (/\s/.test(image) || image.startsWith('-'))) {
    throw new InputError(
      'image',
      `Input 'image' must be an image reference like repo/name:tag, got ${JSON.stringify(image)}`,
    );
  }

  const framework = inputs.optional(raw('framework'))?.trim();
  if (framework !== undefined && (!IDENTIFIER.test(framework) || RESERVED.has(framework))) {
    throw new InputError(
      'framework',
      `Input 'framework' must be one pytest marker name such as vllm, sglang, trtllm or planner, got ${JSON.stringify(framework)}`,
    );
  }
  const markers = inputs.optional(raw('markers'))?.trim();
  if (markers !== undefined && /[\r\n]/.test(markers)) {
    throw new InputError('markers', "Input 'markers' must be one pytest -m expression on a single line");
  }

  const workersRaw = inputs.optional(raw('workers'))?.trim() ?? '0';
  const workers = workersRaw === 'auto' ? 'auto' : parseWorkers(workersRaw);

  const parallelMarker = inputs.optional(raw('parallel-marker'))?.trim() ?? 'parallel';
  if (!IDENTIFIER.test(parallelMarker) || RESERVED.has(parallelMarker)) {
    throw new InputError(
      'parallel-marker',
      `Input 'parallel-marker' must be one marker name, got ${JSON.stringify(parallelMarker)}`,
    );
  }

  const shardCount = inputs.integer(raw('shard-count'), 'shard-count', 1, { min: 1, max: 256 });
  const shardIndex = inputs.integer(raw('shard-index'), 'shard-index', 0, { min: 0 });
  if (shardIndex >= shardCount) {
    throw new InputError(
      'shard-index',
      `Input 'shard-index' must be below shard-count (${shardCount}); shards are numbered 0..${shardCount - 1}, got ${shardIndex}`,
    );
  }

  const timeoutMs = inputs.duration(raw('timeout-minutes'), 'timeout-minutes', 60 * 60_000, 'm');
  if (timeoutMs <= 0) {
    throw new InputError(
      'timeout-minutes',
      "Input 'timeout-minutes' must be above 0 (a run without a deadline can hang a GPU runner for hours)",
    );
  }
  const testTimeoutMs = inputs.duration(raw('test-timeout'), 'test-timeout', 0, 's');

  const user = inputs.optional(raw('user'))?.trim() ?? 'image';
  if (!/^(image|runner|[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?)$/.test(user)) {
    throw new InputError('user', `Input 'user' must be image, runner, or uid[:gid], got ${JSON.stringify(user)}`);
  }

  return {
    engine,
    image,
    python: inputs.optional(raw('python'))?.trim() ?? 'python3',
    lifecycle: inputs.oneOf(
      raw('lifecycle'),
      'lifecycle',
      ['pre_merge', 'post_merge', 'nightly'] as const,
      'pre_merge',
    ),
    framework,
    gpus: inputs.oneOf(raw('gpus'), 'gpus', ['0', '1', '2', '4', '8', 'multi'] as const, '0'),
    markers,
    arch: inputs.oneOf(raw('arch'), 'arch', ['auto', 'amd64', 'arm64'] as const, 'auto'),
    requireGpu: inputs.boolean(raw('require-gpu'), 'require-gpu', true),
    paths: inputs.list(raw('paths'), { comma: false }),
    workdir: inputs.optional(raw('workdir'))?.trim(),
    pytestArgs: inputs.list(raw('pytest-args'), { comma: false }),
    workers,
    twoPhase: inputs.boolean(raw('two-phase'), 'two-phase', true),
    parallelMarker,
    testTimeoutSeconds: Math.ceil(testTimeoutMs / 1000),
    timeoutMethod: inputs.oneOf(raw('timeout-method'), 'timeout-method', ['auto', 'signal', 'thread'] as const, 'auto'),
    timeoutMs,
    failOnEmpty: inputs.boolean(raw('fail-on-empty'), 'fail-on-empty', true),
    reruns: inputs.integer(raw('reruns'), 'reruns', 0, { min: 0, max: 5 }),
    shardCount,
    shardIndex,
    durationsCache: inputs.boolean(raw('durations-cache'), 'durations-cache', true),
    durationsKey: inputs.optional(raw('durations-key'))?.trim(),
    resultsDir: inputs.optional(raw('results-dir'))?.trim() ?? `${defaults.temp}/run-gpu-tests`,
    env: inputs.keyValues(raw('env'), 'env'),
    forwardEnv: parseForwardEnv(raw('forward-env')),
    mounts: parseMounts(raw('mounts')),
    user,
    dockerOptions: inputs.list(raw('docker-options'), { comma: false }),
    annotationPathPrefix: pathPrefix(inputs.optional(raw('annotation-path-prefix'))?.trim()),
  };
}

/** `sub/dir` -> `sub/dir/`, so annotations point at `sub/dir/tests/test_x.py`. */
function pathPrefix(value: string | undefined): string {
  if (value === undefined) return '';
  const trimmed = value.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return trimmed === '' || trimmed === '.' ? '' : `${trimmed}/`;
}

function parseWorkers(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 256) {
    throw new InputError(
      'workers',
      `Input 'workers' must be 0 (no xdist), auto, or a number of xdist workers up to 256, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

/**
 * Names the runner keeps to itself: the action's inputs and state, and its service tokens. A test
 * never gets them, even when a workflow lists them.
 */
export const RUNNER_ONLY_ENV =
  /^(INPUT_.*|STATE_.*|ACTIONS_(RUNTIME_TOKEN|RUNTIME_URL|ID_TOKEN_REQUEST_TOKEN|ID_TOKEN_REQUEST_URL|CACHE_URL|RESULTS_URL))$/;

/** Environment variable names, newline- or comma-separated. */
export function parseForwardEnv(raw: string | undefined): string[] {
  const names = inputs.list(raw);
  for (const name of names) {
    if (!IDENTIFIER.test(name)) {
      throw new InputError(
        'forward-env',
        `Input 'forward-env' must list environment variable names such as HF_TOKEN, got ${JSON.stringify(name)}`,
      );
    }
    if (RUNNER_ONLY_ENV.test(name)) {
      throw new InputError(
        'forward-env',
        `Input 'forward-env' names ${name}, which belongs to the runner (action inputs and runner tokens never reach the tests); remove it`,
      );
    }
  }
  return [...new Set(names)];
}

/** `HOST:CONTAINER[:ro]`, one per line. Host paths stay as given; main resolves them. */
export function parseMounts(raw: string | undefined): Mount[] {
  return inputs.list(raw, { comma: false }).map((line) => {
    const match = /^(.+?):(\/[^:]*)(?::(ro|rw))?$/.exec(line);
    if (!match) {
      throw new InputError(
        'mounts',
        `Input 'mounts' lines must be HOST_PATH:/container/path[:ro], got ${JSON.stringify(line)}`,
      );
    }
    return { source: match[1] as string, target: match[2] as string, readOnly: match[3] === 'ro' };
  });
}

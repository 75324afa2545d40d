/** Raw action inputs -> one typed `Inputs` object, or an InputError naming the input. Pure. */
import { InputError, inputs as parse } from '@dynamo-ci/core';
import type { CacheMode } from './tags.js';
import { normalisePlatform } from './tags.js';

export type EngineChoice = 'auto' | 'docker' | 'buildah';

export interface SecretSpec {
  /** The id the Dockerfile mounts (`RUN --mount=type=secret,id=...`). */
  id: string;
  /** The environment variable holding the value. */
  env: string;
  /** `NAME?`: skipped with a warning when the variable is empty (fork PRs have no secrets). */
  optional: boolean;
}

export interface Inputs {
  imageName: string;
  framework: string;
  target?: string;
  variant?: string;
  cudaVersion?: string;
  tagSuffix?: string;
  platforms: string[];
  archSuffix: 'auto' | 'true' | 'false';
  tagPrefix?: string;
  addShaTag: boolean;
  extraTags: string[];
  dockerfile: string;
  context: string;
  buildArgs: Map<string, string>;
  secrets: SecretSpec[];
  labels: Map<string, string>;
  defaultLabels: boolean;
  engine: EngineChoice;
  builder?: string;
  push: boolean;
  load: boolean;
  insecureRegistry: boolean;
  cache: CacheMode;
  cacheRepository?: string;
  noCache: boolean;
  pushRetries: number;
  /** The first retry waits this long; each later one twice as long (at most 30 s). */
  pushRetryDelayMs: number;
  timeoutMs: number;
  minFreeDiskGb: number;
  diskPath?: string;
  logTailLines: number;
}

export type RawInput = (name: string) => string | undefined;

const PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const REGISTRY_HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/;

/** `[registry[:port]/]path/name` with lower-case path components and no tag or digest. */
export function isValidImageName(name: string): boolean {
  const components = name.split('/');
  const first = components[0] as string;
  const hasHost = components.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost && !REGISTRY_HOST.test(first)) return false;
  const path = hasHost ? components.slice(1) : components;
  return path.length > 0 && path.every((component) => PATH_COMPONENT.test(component));
}
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const PLATFORM = /^[a-z0-9]+(\/[a-z0-9_]+){0,2}$/;

export function parseInputs(raw: RawInput): Inputs {
  const imageName = parse.required(raw('image-name'), 'image-name').trim();
  if (!isValidImageName(imageName)) {
    throw new InputError(
      'image-name',
      `Input 'image-name' must be a repository without tag or digest, like nvcr.io/acme/dynamo or 127.0.0.1:5000/ai-dynamo/dynamo (lower case), got ${JSON.stringify(imageName)}`,
    );
  }
  const cudaVersion = parse.optional(raw('cuda-version'))?.trim();
  if (cudaVersion !== undefined && cudaVersion !== 'cpu' && !/^\d+(\.\d+){0,2}$/.test(cudaVersion)) {
    throw new InputError(
      'cuda-version',
      `Input 'cuda-version' must be a CUDA version like 12.9 or 13.0, or cpu, got ${JSON.stringify(cudaVersion)}`,
    );
  }
  const platforms = parse.list(raw('platforms')).map(normalisePlatform);
  for (const platform of platforms) {
    if (!PLATFORM.test(platform)) {
      throw new InputError(
        'platforms',
        `Input 'platforms' must list platforms like linux/amd64, linux/arm64, got ${JSON.stringify(platform)}`,
      );
    }
  }
  const cacheRepository = parse.optional(raw('cache-repository'))?.trim();
  if (cacheRepository !== undefined && !isValidImageName(cacheRepository)) {
    throw new InputError(
      'cache-repository',
      `Input 'cache-repository' must be a repository without tag, like nvcr.io/acme/dynamo-cache, got ${JSON.stringify(cacheRepository)}`,
    );
  }
  return {
    imageName,
    framework: parse.required(raw('framework'), 'framework').trim(),
    target: parse.optional(raw('target'))?.trim(),
    variant: parse.optional(raw('variant'))?.trim(),
    cudaVersion,
    tagSuffix: parse.optional(raw('tag-suffix'))?.trim(),
    platforms: [...new Set(platforms)],
    archSuffix: parse.oneOf(raw('arch-suffix'), 'arch-suffix', ['auto', 'true', 'false'], 'auto'),
    tagPrefix: parse.optional(raw('tag-prefix'))?.trim(),
    addShaTag: parse.boolean(raw('add-sha-tag'), 'add-sha-tag', true),
    extraTags: parse.list(raw('tags')),
    dockerfile: parse.optional(raw('dockerfile'))?.trim() ?? 'Dockerfile',
    context: parse.optional(raw('context'))?.trim() ?? '.',
    buildArgs: parse.keyValues(raw('build-args'), 'build-args'),
    secrets: parseSecrets(raw('secrets')),
    labels: parse.keyValues(raw('labels'), 'labels'),
    defaultLabels: parse.boolean(raw('default-labels'), 'default-labels', true),
    engine: parse.oneOf(raw('engine'), 'engine', ['auto', 'docker', 'buildah'], 'auto'),
    builder: parse.optional(raw('builder'))?.trim(),
    push: parse.boolean(raw('push'), 'push', false),
    load: parse.boolean(raw('load'), 'load', false),
    insecureRegistry: parse.boolean(raw('insecure-registry'), 'insecure-registry', false),
    cache: parse.oneOf(raw('cache'), 'cache', ['auto', 'read-only', 'off'], 'auto'),
    cacheRepository,
    noCache: parse.boolean(raw('no-cache'), 'no-cache', false),
    pushRetries: parse.integer(raw('push-retries'), 'push-retries', 3, { min: 0, max: 10 }),
    pushRetryDelayMs: parse.duration(raw('push-retry-delay'), 'push-retry-delay', 2000, 's'),
    timeoutMs: positiveDuration(raw('timeout-minutes'), 'timeout-minutes', 60 * 60_000),
    minFreeDiskGb: parse.number(raw('min-free-disk-gb'), 'min-free-disk-gb', 20),
    diskPath: parse.optional(raw('disk-path'))?.trim(),
    logTailLines: parse.integer(raw('log-tail-lines'), 'log-tail-lines', 60, { min: 1, max: 2000 }),
  };
}

function positiveDuration(value: string | undefined, name: string, defaultMs: number): number {
  const ms = parse.duration(value, name, defaultMs, 'm');
  if (ms <= 0) throw new InputError(name, `Input '${name}' must be more than 0, got ${JSON.stringify(value)}`);
  return ms;
}

/** One per line or comma: `HF_TOKEN` (id and variable alike), `id=VARIABLE`, a trailing `?` = optional. */
export function parseSecrets(value: string | undefined): SecretSpec[] {
  return parse.list(value).map((entry) => {
    const optional = entry.endsWith('?');
    const body = optional ? entry.slice(0, -1) : entry;
    const separator = body.indexOf('=');
    const id = separator === -1 ? body : body.slice(0, separator);
    const env = separator === -1 ? body : body.slice(separator + 1);
    if (!SECRET_ID.test(id) || !ENV_NAME.test(env)) {
      throw new InputError(
        'secrets',
        `Input 'secrets' entries must be an environment variable name (HF_TOKEN) or id=VARIABLE, optionally ending in ?, got ${JSON.stringify(entry)}`,
      );
    }
    return { id, env, optional };
  });
}

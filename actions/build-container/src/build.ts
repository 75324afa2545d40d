/**
 * One image variant: plan the tags and cache refs, check the disk, build under a deadline, push
 * with retries, and report. I/O goes through `BuildPorts`, so the planning is unit-testable and
 * the real engines run in the integration tests.
 */
import { join, resolve } from 'node:path';
import {
  ConfigError,
  type ExecResult,
  InputError,
  type Logger,
  retry,
  type SpawnResult,
  UserError,
} from '@dynamo-ci/core';
import {
  type BuildPlan,
  buildahBuildArgs,
  buildahPushArgs,
  countSteps,
  dockerBuildArgs,
  type Engine,
  engineErrorLine,
  isBuildahCacheExportFailure,
  isDigest,
  isDockerPushFailure,
  isManifestList,
  isTransientRegistryError,
  missingPlatforms,
  parseDockerMetadata,
} from './engines.js';
import type { EngineChoice, Inputs } from './inputs.js';
import {
  archOf,
  buildSha,
  defaultTagPrefix,
  plainTag,
  planCache,
  planTags,
  platformSafe,
  type RefContext,
  refKind,
  type TagParts,
} from './tags.js';

export interface RunContext extends RefContext {
  /** `https://github.com/ai-dynamo/dynamo` */
  repositoryUrl?: string;
  /** The host platform (`linux/amd64`), for cache refs when `platforms` is empty. */
  hostPlatform: string;
  /** The `org.opencontainers.image.created` label (ISO 8601). */
  createdAt?: string;
}

export interface BuildPorts {
  spawn(
    command: string,
    args: string[],
    options: { timeoutMs: number; onLine: (line: string) => void },
  ): Promise<SpawnResult>;
  exec(command: string, args: string[]): Promise<ExecResult>;
  /** Free and total bytes of the filesystem holding `path` (or its nearest existing parent). */
  diskSpace(path: string): Promise<{ path: string; freeBytes: number; totalBytes: number }>;
  readFile(path: string): Promise<string | undefined>;
  /** A fresh directory for this run's metadata files. */
  workDir: string;
  /** The value of an environment variable (for secrets: only checked, never returned to callers). */
  env(name: string): string | undefined;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Warnings; the engine's output goes to `toolOutput`, as text that can issue no workflow command. */
  log: Logger;
  /** Aborted when the run is cancelled. */
  signal?: AbortSignal;
  retryBaseDelayMs?: number;
}

export interface ImagePlan {
  engine: Engine;
  imageName: string;
  primary: string;
  tags: string[];
  refs: string[];
  plain: string;
  parts: TagParts;
  build: BuildPlan;
  buildArgs: string[];
  pushArgs?: (ref: string, digestFile: string) => string[];
}

export type BuildStatus = 'succeeded' | 'build-failed' | 'push-failed' | 'timed-out' | 'cancelled';

export interface BuildOutcome {
  plan: ImagePlan;
  status: BuildStatus;
  /** One sentence for the `::error::` line when status is not `succeeded`. */
  message?: string;
  digest?: string;
  imageId?: string;
  cachedSteps: number;
  totalSteps: number;
  durationMs: number;
  pushAttempts: number;
  disk?: { path: string; freeBytes: number; totalBytes: number };
  /** The build and push output (the last few MiB). */
  log: string;
}

const GB = 1024 ** 3;

/**
 * `auto`: docker when buildx can reach its builder (`docker buildx inspect` needs the daemon or the
 * remote builder, unlike `docker buildx version`), else buildah. `docker` needs the buildx plugin:
 * the classic builder has no registry cache, build secrets, multi-platform builds or digest
 * metadata, so a docker without buildx is refused before anything starts, not built with less.
 */
export async function resolveEngine(
  choice: EngineChoice,
  ports: Pick<BuildPorts, 'exec'>,
  builder?: string,
): Promise<Engine> {
  if (choice === 'docker') {
    const probe = await ports
      .exec('docker', ['buildx', 'version'])
      .catch((error: Error) => ({ exitCode: 127, stdout: '', stderr: error.message }));
    if (probe.exitCode !== 0) throw new ConfigError(missingBuildx(probe.stderr || probe.stdout));
    return 'docker';
  }
  if (choice !== 'auto') return choice;
  const works = async (command: string, args: string[]) => {
    try {
      return (await ports.exec(command, args)).exitCode === 0;
    } catch {
      return false;
    }
  };
  if (await works('docker', ['buildx', 'inspect', ...(builder ? ['--builder', builder] : [])])) return 'docker';
  if (await works('buildah', ['--version'])) return 'buildah';
  throw new ConfigError(
    "engine: auto found neither a working 'docker buildx' (docker buildx inspect failed) nor 'buildah' on PATH; install one (e.g. docker/setup-buildx-action, or apt-get install buildah) or set engine",
  );
}

/** The refusal for engine: docker when `docker buildx version` fails, with docker's own words. */
export function missingBuildx(output: string): string {
  const said = output
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !/^(Run|See) 'docker/.test(line));
  const answer = said ? ` (docker buildx version: ${said})` : '';
  return `engine: docker builds with the docker buildx plugin, which this runner's docker lacks${answer}. Install it (docker/setup-buildx-action, or the docker-buildx-plugin package), or set engine: buildah (engine: auto picks buildah when buildx is missing).`;
}

export function planImage(inputs: Inputs, context: RunContext, engine: Engine, workDir: string): ImagePlan {
  const sha = buildSha(context);
  const singleArch = inputs.platforms.length === 1 ? archOf(inputs.platforms[0] as string) : undefined;
  const arch =
    inputs.archSuffix === 'false'
      ? undefined
      : inputs.archSuffix === 'true'
        ? (singleArch ?? archOf(context.hostPlatform))
        : singleArch;
  if (inputs.archSuffix === 'true' && inputs.platforms.length > 1) {
    throw new UserError(
      "Input 'arch-suffix' is true but 'platforms' lists several platforms; one tag cannot name one architecture. Build one platform per matrix job or set arch-suffix: auto",
    );
  }
  const parts: TagParts = {
    prefix: inputs.tagPrefix ?? defaultTagPrefix(context),
    framework: inputs.framework,
    target: inputs.target,
    variant: inputs.variant,
    cudaVersion: inputs.cudaVersion,
    suffix: inputs.tagSuffix,
    arch,
  };
  const tags = planTags({ parts, extraTags: inputs.extraTags, addShaTag: inputs.addShaTag, sha });
  const refs = tags.map((tag) => `${inputs.imageName}:${tag}`);
  const cacheRepository =
    inputs.cacheRepository ?? (engine === 'buildah' ? `${inputs.imageName}-cache` : inputs.imageName);
  const cache = planCache({
    engine,
    mode: inputs.cache,
    repository: cacheRepository,
    parts: {
      framework: parts.framework,
      target: parts.target,
      variant: parts.variant,
      cudaVersion: parts.cudaVersion,
      suffix: parts.suffix,
    },
    platformsafe: platformSafe(inputs.platforms.length > 0 ? inputs.platforms : [context.hostPlatform]),
    kind: refKind(context),
  });
  const labels = new Map<string, string>();
  if (inputs.defaultLabels) {
    if (context.repositoryUrl) labels.set('org.opencontainers.image.source', context.repositoryUrl);
    if (sha) labels.set('org.opencontainers.image.revision', sha);
    labels.set('org.opencontainers.image.version', tags[0] as string);
    if (context.createdAt) labels.set('org.opencontainers.image.created', context.createdAt);
  }
  for (const [key, value] of inputs.labels) labels.set(key, value);
  const buildArgs = new Map<string, string>();
  // Upstream CI always passes the commit to the Dockerfiles.
  if (sha) buildArgs.set('DYNAMO_COMMIT_SHA', sha);
  for (const [key, value] of inputs.buildArgs) buildArgs.set(key, value);

  const build: BuildPlan = {
    engine,
    refs,
    platforms: inputs.platforms,
    dockerfile: inputs.dockerfile,
    context: inputs.context,
    target: inputs.target,
    buildArgs: [...buildArgs],
    secrets: inputs.secrets.map(({ id, env }) => ({ id, env })),
    labels: [...labels],
    cache,
    noCache: inputs.noCache,
    push: inputs.push,
    load: inputs.load,
    insecureRegistry: inputs.insecureRegistry,
    builder: inputs.builder,
    metadataFile: join(workDir, 'metadata.json'),
    iidFile: join(workDir, 'iid'),
  };
  return {
    engine,
    imageName: inputs.imageName,
    primary: refs[0] as string,
    tags,
    refs,
    plain: plainTag(parts),
    parts,
    build,
    buildArgs: engine === 'docker' ? dockerBuildArgs(build) : buildahBuildArgs(build),
    pushArgs: engine === 'buildah' && inputs.push ? (ref, file) => buildahPushArgs(build, ref, file) : undefined,
  };
}

/** Drop secrets whose variable is empty when they are optional; fail when a required one is. */
export function checkSecrets(inputs: Inputs, env: (name: string) => string | undefined, log: Logger) {
  const kept = [];
  for (const secret of inputs.secrets) {
    if (env(secret.env) !== undefined) {
      kept.push(secret);
      continue;
    }
    if (secret.optional) {
      log.warning(
        `Build secret '${secret.id}' skipped: environment variable ${secret.env} is empty (fork PRs get no secrets)`,
      );
      continue;
    }
    throw new ConfigError(
      `Build secret '${secret.id}' needs environment variable ${secret.env}, which is empty; set it on the step (env: ${secret.env}: \${{ secrets.${secret.env} }}) or mark it optional with '${secret.env}?' in secrets`,
    );
  }
  return { ...inputs, secrets: kept };
}

export async function checkDisk(
  minFreeGb: number,
  path: string,
  ports: Pick<BuildPorts, 'diskSpace'>,
): Promise<{ path: string; freeBytes: number; totalBytes: number } | undefined> {
  if (minFreeGb <= 0) return undefined;
  const disk = await ports.diskSpace(path);
  if (disk.freeBytes < minFreeGb * GB) {
    throw new ConfigError(
      `Only ${(disk.freeBytes / GB).toFixed(1)} GB free on ${disk.path} (of ${(disk.totalBytes / GB).toFixed(1)} GB) but min-free-disk-gb is ${minFreeGb}; free space before the build (remove unused images and tool caches) or lower min-free-disk-gb`,
    );
  }
  return disk;
}

/** Where the engine keeps its layers, to check its free space. */
export async function storagePath(engine: Engine, ports: Pick<BuildPorts, 'exec'>): Promise<string> {
  const [command, args, fallback] =
    engine === 'buildah'
      ? ['buildah', ['info', '--format', '{{.store.GraphRoot}}'], '/var/lib/containers/storage']
      : ['docker', ['info', '--format', '{{.DockerRootDir}}'], '/var/lib/docker'];
  try {
    const result = await ports.exec(command, args as string[]);
    const path = result.stdout.trim();
    if (result.exitCode === 0 && path.startsWith('/')) return path;
  } catch {
    // Fall through to the engine's usual location.
  }
  return fallback as string;
}

/** The end of a failure message: the engine's own last error line, and where the rest of the log is. */
function engineSaid(output: string): string {
  const line = engineErrorLine(output);
  return line ? `: ${line} (the log tail is in the job summary)` : '; see the log tail in the job summary';
}

/**
 * Fail before starting anything when the Dockerfile or the context is not there (an engine
 * would start, then stop with exit code 125). Paths are from `cwd`, the workspace, as the engines
 * read them.
 */
export function checkBuildFiles(
  inputs: Pick<Inputs, 'dockerfile' | 'context'>,
  cwd: string,
  kind: (path: string) => 'file' | 'directory' | undefined,
): void {
  if (kind(resolve(cwd, inputs.dockerfile)) !== 'file') {
    throw new InputError(
      'dockerfile',
      `Input 'dockerfile' names ${JSON.stringify(inputs.dockerfile)}, which is not a file in ${cwd}: give its path from the workspace root, and check out the repository before this step.`,
    );
  }
  if (kind(resolve(cwd, inputs.context)) !== 'directory') {
    throw new InputError(
      'context',
      `Input 'context' names ${JSON.stringify(inputs.context)}, which is not a directory in ${cwd}: give the build context's path from the workspace root.`,
    );
  }
}

export async function runBuild(plan: ImagePlan, timeoutMs: number, pushRetries: number, ports: BuildPorts) {
  const started = ports.now();
  const deadline = started + timeoutMs;
  const remaining = () => Math.max(1, deadline - ports.now());
  const command = plan.engine === 'docker' ? 'docker' : 'buildah';
  let log = '';
  const onLine = (line: string) => {
    log += `${line}\n`;
    if (log.length > 4 * 1024 * 1024) log = log.slice(-2 * 1024 * 1024);
    ports.log.toolOutput(line);
  };
  let pushAttempts = 0;
  let counts = { cached: 0, total: 0 };
  const outcome = (status: BuildStatus, extra: Partial<BuildOutcome> = {}): BuildOutcome => ({
    plan,
    status,
    cachedSteps: counts.cached,
    totalSteps: counts.total,
    durationMs: ports.now() - started,
    pushAttempts,
    log,
    ...extra,
  });
  const minutes = (ms: number) => `${Math.round((ms / 60_000) * 100) / 100} minute(s)`;
  const stopped = (result: SpawnResult): BuildOutcome | undefined => {
    if (result.timedOut) {
      return outcome('timed-out', {
        message: `The build did not finish within timeout-minutes (${minutes(timeoutMs)}) and was stopped`,
      });
    }
    if (ports.signal?.aborted) return outcome('cancelled', { message: 'The build was cancelled and stopped' });
    return undefined;
  };

  // docker pushes as part of the build; a transient push failure reruns it, which BuildKit
  // answers from its cache, so only the export is repeated.
  const pushesInBuild = plan.engine === 'docker' && plan.build.push;
  let buildArgs = plan.buildArgs;
  let halted: BuildOutcome | undefined;
  let result: SpawnResult | undefined;
  const build = async (attempt: number): Promise<SpawnResult> => {
    if (pushesInBuild) pushAttempts = attempt;
    result = await ports.spawn(command, buildArgs, { timeoutMs: remaining(), onLine });
    if (attempt === 1 && buildArgs === plan.buildArgs)
      counts = countSteps(
        plan.engine,
        log,
        plan.build.labels.map(([key]) => key),
      );
    halted = stopped(result);
    const transientPush =
      !halted && result.exitCode !== 0 && pushesInBuild && isDockerPushFailure(log) && isTransientRegistryError(log);
    if (transientPush) throw new PushError(log, result.exitCode);
    return result;
  };
  try {
    await retry(build, {
      attempts: pushesInBuild ? pushRetries + 1 : 1,
      baseDelayMs: ports.retryBaseDelayMs ?? 2000,
      jitter: false,
      decide: (error) => ({ retry: error instanceof PushError }),
      onRetry: (_error, _attempt, delayMs) =>
        ports.log.warning(
          `Push of ${plan.primary} failed with a transient registry error; retrying in ${Math.round(delayMs / 1000)}s`,
        ),
      sleep: (ms) => ports.sleep(ms),
    });
  } catch (error) {
    if (!(error instanceof PushError)) throw error;
  }
  if (halted) return halted;
  // A failed cache export must not fail a good build (docker has ignore-error=true for it;
  // buildah has nothing like it and stops): build once more without exporting the cache, which
  // buildah's local layers answer at once.
  if (result?.exitCode !== 0 && plan.engine === 'buildah' && plan.build.cache.to && isBuildahCacheExportFailure(log)) {
    ports.log.warning(
      `Exporting the layer cache to ${plan.build.cache.to} failed; building again without exporting it`,
    );
    buildArgs = buildahBuildArgs({ ...plan.build, cache: { ...plan.build.cache, to: undefined } });
    await build(2);
    if (halted) return halted;
  }
  if (result && result.exitCode !== 0) {
    const pushing = pushesInBuild && isDockerPushFailure(log);
    return outcome(pushing ? 'push-failed' : 'build-failed', {
      message: pushing
        ? `Pushing ${plan.primary} failed after ${pushAttempts} attempt(s) (exit code ${result.exitCode})${engineSaid(log)}`
        : `${command} build failed with exit code ${result.exitCode}${engineSaid(log)}`,
    });
  }

  if (plan.engine === 'buildah' && isManifestList(plan.build)) {
    const inspected = await ports.exec('buildah', ['manifest', 'inspect', '--', plan.primary]);
    const missing = missingPlatforms(plan.build.platforms, inspected.stdout);
    if (inspected.exitCode !== 0) {
      return outcome('build-failed', {
        message: `buildah could not inspect the manifest list ${plan.primary} it built: ${inspected.stderr.trim().split('\n').pop()}`,
      });
    }
    if (missing.length > 0) {
      return outcome('build-failed', {
        message: `The manifest list ${plan.primary} lacks ${missing.join(', ')}: buildah reused another platform's cached image (identical steps, e.g. FROM scratch with the same files); give the platforms different content or set no-cache`,
      });
    }
  }

  let digest: string | undefined;
  let imageId = (await ports.readFile(plan.build.iidFile))?.trim() || undefined;
  if (plan.engine === 'docker') {
    const metadata = parseDockerMetadata(await ports.readFile(plan.build.metadataFile));
    imageId = metadata.imageId ?? imageId;
    // Without a push the manifest digest is not what a registry would serve; report it only when pushed.
    if (plan.build.push) digest = metadata.digest;
  }

  if (plan.pushArgs) {
    const digests = new Map<string, string>();
    for (const [index, ref] of plan.refs.entries()) {
      const digestFile = join(plan.build.metadataFile, '..', `digest-${index}`);
      let failure: BuildOutcome | undefined;
      try {
        await retry(
          async (attempt) => {
            pushAttempts = Math.max(pushAttempts, attempt);
            const pushed = await ports.spawn(command, plan.pushArgs?.(ref, digestFile) ?? [], {
              timeoutMs: remaining(),
              onLine,
            });
            const halted = stopped(pushed);
            if (halted) {
              failure = halted;
              return;
            }
            if (pushed.exitCode !== 0) throw new PushError(`${pushed.stdout}\n${pushed.stderr}`, pushed.exitCode);
          },
          {
            attempts: pushRetries + 1,
            baseDelayMs: ports.retryBaseDelayMs ?? 2000,
            decide: (error) => ({ retry: error instanceof PushError && isTransientRegistryError(error.output) }),
            onRetry: (_error, attempt, delayMs) =>
              ports.log.warning(
                `Push of ${ref} failed with a transient registry error (attempt ${attempt}); retrying in ${Math.round(delayMs / 1000)}s`,
              ),
            sleep: (ms) => ports.sleep(ms),
          },
        );
      } catch (error) {
        const exitCode = error instanceof PushError ? error.exitCode : 1;
        return outcome('push-failed', {
          imageId,
          message: `Pushing ${ref} failed (exit code ${exitCode}) after ${pushAttempts} attempt(s)${engineSaid(error instanceof PushError ? error.output : '')}`,
        });
      }
      if (failure) return { ...failure, imageId };
      const pushedDigest = (await ports.readFile(digestFile))?.trim();
      if (pushedDigest && isDigest(pushedDigest)) digests.set(ref, pushedDigest);
    }
    digest = digests.get(plan.primary);
    if (new Set(digests.values()).size > 1) {
      ports.log.warning(`The tags of ${plan.imageName} were pushed with different digests: ${[...digests].join(', ')}`);
    }
  }
  if (plan.build.push && (digest === undefined || !isDigest(digest))) {
    return outcome('push-failed', {
      imageId,
      message: `${command} reported no manifest digest for ${plan.primary} after pushing; the registry may not have stored it`,
    });
  }
  return outcome('succeeded', { digest, imageId });
}

class PushError extends Error {
  constructor(
    readonly output: string,
    readonly exitCode: number,
  ) {
    super(`push failed with exit code ${exitCode}`);
  }
}

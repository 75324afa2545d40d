/**
 * The two engines as argument arrays and log readers. Pure: nothing here runs a program.
 * docker = `docker buildx build` (what GitHub's runners and upstream's BuildKit pods use);
 * buildah = daemonless builds (`buildah build` + `buildah push`), for runners without Docker.
 */
import type { CachePlan } from './tags.js';

export type Engine = 'docker' | 'buildah';

export interface BuildPlan {
  engine: Engine;
  /** Full references, primary first: `registry/repo:tag`. */
  refs: string[];
  /** Empty: the engine's default (the host platform). */
  platforms: string[];
  dockerfile: string;
  context: string;
  target?: string;
  buildArgs: [string, string][];
  /** Values come from the environment; only the names appear on the command line. */
  secrets: { id: string; env: string }[];
  labels: [string, string][];
  cache: CachePlan;
  noCache: boolean;
  push: boolean;
  load: boolean;
  insecureRegistry: boolean;
  builder?: string;
  /** docker: `--metadata-file` (digest, config digest). */
  metadataFile: string;
  iidFile: string;
}

export function dockerBuildArgs(plan: BuildPlan): string[] {
  const insecure = plan.insecureRegistry ? ',registry.insecure=true' : '';
  const args = ['buildx', 'build'];
  if (plan.builder) args.push('--builder', plan.builder);
  args.push('--progress=plain', '--file', plan.dockerfile);
  if (plan.target) args.push('--target', plan.target);
  if (plan.platforms.length > 0) args.push('--platform', plan.platforms.join(','));
  for (const [key, value] of plan.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of plan.labels) args.push('--label', `${key}=${value}`);
  for (const secret of plan.secrets) args.push('--secret', `id=${secret.id},env=${secret.env}`);
  for (const ref of plan.refs) args.push('--tag', ref);
  if (plan.noCache) {
    args.push('--no-cache');
  } else {
    for (const ref of plan.cache.from) args.push('--cache-from', `type=registry,ref=${ref}${insecure}`);
  }
  // A failed cache export must not fail a good build (docker/build-push-action#545 and friends).
  if (plan.cache.to)
    args.push('--cache-to', `type=registry,ref=${plan.cache.to},mode=max,ignore-error=true${insecure}`);
  args.push('--metadata-file', plan.metadataFile, '--iidfile', plan.iidFile);
  if (plan.push) {
    if (plan.insecureRegistry) args.push('--output', 'type=image,push=true,registry.insecure=true');
    else args.push('--push');
  }
  if (plan.load) args.push('--load');
  args.push('--', plan.context);
  return args;
}

/** Multi-platform buildah builds go into a local manifest list named after the primary ref. */
export function buildahBuildArgs(plan: BuildPlan): string[] {
  const args = ['build', '--layers', '--file', plan.dockerfile];
  if (plan.target) args.push('--target', plan.target);
  if (plan.platforms.length > 0) args.push('--platform', plan.platforms.join(','));
  for (const [key, value] of plan.buildArgs) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of plan.labels) args.push('--label', `${key}=${value}`);
  for (const secret of plan.secrets) args.push('--secret', `id=${secret.id},env=${secret.env}`);
  if (isManifestList(plan)) args.push('--manifest', plan.refs[0] as string);
  else for (const ref of plan.refs) args.push('--tag', ref);
  if (plan.noCache) {
    args.push('--no-cache');
  } else {
    // buildah 1.28 keeps only the last --cache-from; its cache tags are content hashes, so one
    // repository serves main and release alike.
    const from = plan.cache.from[0];
    if (from) args.push('--cache-from', from);
  }
  if (plan.cache.to) args.push('--cache-to', plan.cache.to);
  if (plan.insecureRegistry) args.push('--tls-verify=false');
  // buildah refuses --iidfile for a manifest list (one ID per platform).
  if (!isManifestList(plan)) args.push('--iidfile', plan.iidFile);
  args.push('--', plan.context);
  return args;
}

export function isManifestList(plan: Pick<BuildPlan, 'platforms'>): boolean {
  return plan.platforms.length > 1;
}

/** One push of the built image (or manifest list) to `ref`; our own loop does the retrying. */
export function buildahPushArgs(plan: BuildPlan, ref: string, digestFile: string): string[] {
  const source = plan.refs[0] as string;
  const args = isManifestList(plan) ? ['manifest', 'push', '--all'] : ['push'];
  if (!isManifestList(plan)) args.push('--retry=0');
  args.push('--digestfile', digestFile);
  if (plan.insecureRegistry) args.push('--tls-verify=false');
  args.push('--', source, `docker://${ref}`);
  return args;
}

export interface StepCounts {
  cached: number;
  total: number;
}

/**
 * buildah prints `STEP n/m: ...` per instruction and `--> Using cache <id>` per reused step;
 * BuildKit's plain progress prints `#N [stage i/m] ...` and `#N CACHED`.
 */
export function countSteps(engine: Engine, log: string, injectedLabels: readonly string[] = []): StepCounts {
  const lines = log.split('\n');
  if (engine === 'buildah') {
    // buildah --layers appends each --label as a `LABEL "key"="value"` step; those are ours, not the Dockerfile's.
    const injected = new Set(injectedLabels.map((key) => JSON.stringify(key)));
    let counting = false;
    const counts = { cached: 0, total: 0 };
    for (const line of lines) {
      const step = /^(?:\[[^\]]+\] )?STEP \d+\/\d+: (\S+)\s*(.*)$/.exec(line);
      if (step) {
        const [, instruction = '', rest = ''] = step;
        const label = /^("(?:[^"\\]|\\.)*")=/.exec(rest)?.[1];
        counting =
          instruction.toUpperCase() !== 'FROM' &&
          !(instruction.toUpperCase() === 'LABEL' && label && injected.has(label));
        if (counting) counts.total++;
      } else if (counting && /^--> Using cache [0-9a-f]{12,}/.test(line)) {
        counts.cached++;
        counting = false;
      }
    }
    return counts;
  }
  const steps = new Set<string>();
  const cached = new Set<string>();
  for (const line of lines) {
    const step = /^#(\d+) \[(?:[^\]]* )?\d+\/\d+\] /.exec(line);
    if (step && !/\] FROM /i.test(line)) steps.add(step[1] as string);
    const hit = /^#(\d+) CACHED\s*$/.exec(line);
    if (hit) cached.add(hit[1] as string);
  }
  return { cached: [...cached].filter((id) => steps.has(id)).length, total: steps.size };
}

const PERMANENT = [
  /\b(400|401|403|404) [A-Z][a-z]/,
  /(status|code)\W{1,3}(400|401|403|404)\b/i,
  /unauthori[sz]ed|authentication required|access.*denied|denied:|forbidden/i,
  /name unknown|manifest invalid|name invalid|unsupported/i,
];
const TRANSIENT = [
  /\b(408|429|500|502|503|504) [A-Z][a-z]/,
  /(status|code)\W{1,3}(408|429|5\d\d)\b/i,
  /too many requests|service unavailable|bad gateway|gateway time-?out|internal server error/i,
  /timeout|timed out|deadline exceeded/i,
  /connection (reset|refused|closed)|broken pipe|unexpected EOF|: EOF\b|TLS handshake/i,
  /no such host|temporary failure in name resolution|network is unreachable/i,
];

/** Is this push failure worth retrying? 429, 5xx, timeouts and network errors are; auth and 4xx are not. */
export function isTransientRegistryError(text: string): boolean {
  const last = text.split('\n').slice(-30).join('\n');
  if (PERMANENT.some((pattern) => pattern.test(last))) return false;
  return TRANSIENT.some((pattern) => pattern.test(last));
}

/** A failed buildah build whose last words are about exporting its layer cache (`--cache-to`). */
export function isBuildahCacheExportFailure(log: string): boolean {
  return /failed pushing cache to/i.test(log.split('\n').slice(-30).join('\n'));
}

/** A failed buildx run whose last words are about pushing (the build itself succeeded). */
export function isDockerPushFailure(log: string): boolean {
  const last = log.split('\n').slice(-30).join('\n');
  return /failed to push|error pushing|pushing layers|pushing manifest|failed commit on ref .*(manifest|layer|config)/i.test(
    last,
  );
}

/** docker's `--metadata-file`: `containerimage.digest` (manifest) and `containerimage.config.digest`. */
export function parseDockerMetadata(text: string | undefined): { digest?: string; imageId?: string } {
  if (!text) return {};
  try {
    const metadata = JSON.parse(text) as Record<string, unknown>;
    const digest = metadata['containerimage.digest'];
    const config = metadata['containerimage.config.digest'];
    return {
      digest: typeof digest === 'string' ? digest : undefined,
      imageId: typeof config === 'string' ? config : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * Platforms of `platforms` that a built manifest list (`buildah manifest inspect` JSON) lacks.
 * buildah 1.28 with --layers can reuse one platform's cached image for another when their steps
 * hash alike (e.g. `FROM scratch` with identical files) and the list silently ends up short.
 */
export function missingPlatforms(platforms: readonly string[], manifestJson: string): string[] {
  let present: string[] = [];
  try {
    const list = JSON.parse(manifestJson) as {
      manifests?: { platform?: { os?: string; architecture?: string; variant?: string } }[];
    };
    present = (list.manifests ?? []).map(({ platform }) =>
      [platform?.os ?? 'linux', platform?.architecture ?? '', platform?.variant].filter(Boolean).join('/'),
    );
  } catch {
    return [...platforms];
  }
  const key = (platform: string) => {
    const [os = '', arch = '', variant] = platform.split('/');
    return arch === 'arm64' ? `${os}/arm64` : [os, arch, variant].filter(Boolean).join('/');
  };
  const have = new Set(present.map(key));
  return platforms.filter((platform) => !have.has(key(platform)));
}

/**
 * The engine's own last error line in its output, for the annotation: buildah ends with
 * `Error: <what>` (for example `Error: The target "runtime" was not found in the provided
 * Dockerfile`, or `Error: building at STEP "RUN make": exit status 2`), buildx with
 * `ERROR: failed to solve: <what>`, the docker CLI with `Error response from daemon: <what>`, and
 * the containers libraries log `level=error msg="<what>"`. Read from the end, so a program in a
 * RUN step that prints `Error: ...` earlier does not stand in for the engine's verdict.
 */
export function engineErrorLine(output: string): string | undefined {
  const lines = output.split(/\r\n|\r|\n/);
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = (lines[index] as string).trim();
    const said =
      /^(?:ERROR|Error|error)(?: response from daemon)?: (.+)$/.exec(line)?.[1] ??
      /\blevel=(?:error|fatal) msg="((?:[^"\\]|\\.)+)"/.exec(line)?.[1]?.replace(/\\(.)/g, '$1');
    if (said?.trim()) return clip(said.trim());
  }
  return undefined;
}

/** An error line is for one annotation: long ones (a whole JSON body) are cut. */
function clip(line: string, max = 500): string {
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function isDigest(text: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(text);
}

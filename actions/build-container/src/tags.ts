/**
 * The one tag function. Upstream computed tags in two places and they disagreed (`-cpu` vs no
 * suffix); every tag and cache ref here comes from `variantTag`:
 *
 *   <prefix>-<framework>[-<target>][-<variant>][-cuda<major>|-cpu][-<suffix>][-<arch>]
 *
 * Pure: the GitHub context is passed in.
 */
import { InputError } from '@dynamo-ci/core';

export interface TagParts {
  /** `main`, a commit SHA, `release`, ... */
  prefix: string;
  framework: string;
  target?: string;
  /** An infix such as `efa`. */
  variant?: string;
  /** `12.9` -> `cuda12`; `cpu` -> `cpu`; undefined -> nothing. */
  cudaVersion?: string;
  /** Appended after the CUDA part, e.g. `test` for upstream's test images. */
  suffix?: string;
  /** Added for one platform of a per-architecture matrix, e.g. `amd64`. */
  arch?: string;
}

/** A registry tag: at most 128 characters of `[A-Za-z0-9_.-]`, not starting with `.` or `-`. */
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** One tag component: what may sit between the dashes of a computed tag. */
const PART_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.]*(-[A-Za-z0-9_.]+)*$/;

export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** `12.9` -> `cuda12`, `13` -> `cuda13`, `cpu` -> `cpu`. */
export function cudaPart(cudaVersion: string | undefined): string | undefined {
  if (cudaVersion === undefined) return undefined;
  if (cudaVersion === 'cpu') return 'cpu';
  const major = /^(\d+)(\.\d+){0,2}$/.exec(cudaVersion)?.[1];
  if (major === undefined) throw new Error(`not a CUDA version: ${cudaVersion}`);
  return `cuda${major}`;
}

/** The tag without its prefix (`vllm-runtime-cuda12`): upstream's `target_tag_plain`. */
export function plainTag(parts: Omit<TagParts, 'prefix'>): string {
  return [parts.framework, parts.target, parts.variant, cudaPart(parts.cudaVersion), parts.suffix, parts.arch]
    .filter((part): part is string => part !== undefined && part !== '')
    .join('-');
}

export function variantTag(parts: TagParts): string {
  return `${parts.prefix}-${plainTag(parts)}`;
}

/** `linux/amd64` -> `amd64`, `linux/arm64/v8` -> `arm64`, `linux/arm/v7` -> `armv7`. */
export function archOf(platform: string): string {
  const [os, arch = os, variant] = platform.split('/');
  if (arch === 'arm64' || variant === undefined) return arch as string;
  return `${arch}${variant}`;
}

/** Upstream's `platformsafe`: `linux/amd64,linux/arm64` -> `amd64-arm64`. */
export function platformSafe(platforms: readonly string[]): string {
  return platforms.map(archOf).join('-');
}

/** `amd64` -> `linux/amd64`; full platforms pass through. */
export function normalisePlatform(platform: string): string {
  return platform.includes('/') ? platform : `linux/${platform}`;
}

export interface RefContext {
  eventName: string;
  /** `refs/heads/main`, `refs/pull/12/merge`, ... */
  ref?: string;
  sha?: string;
  /** The PR head commit for pull_request events (GITHUB_SHA is the merge commit there). */
  pullRequestHeadSha?: string;
}

export type RefKind = 'main' | 'release' | 'other';

/** Upstream writes cache from `main` and `release*` branch pushes only. */
export function refKind(context: RefContext): RefKind {
  if (context.eventName === 'pull_request' || context.eventName === 'pull_request_target') return 'other';
  const branch = context.ref?.startsWith('refs/heads/') ? context.ref.slice('refs/heads/'.length) : undefined;
  if (branch === 'main') return 'main';
  if (branch?.startsWith('release')) return 'release';
  return 'other';
}

/** The commit the image is built from: the PR head on pull_request events, else GITHUB_SHA. */
export function buildSha(context: RefContext): string | undefined {
  return context.pullRequestHeadSha ?? context.sha;
}

/**
 * `main` for a push to main (the PR workflow's `main-{framework}-{arch}`), otherwise the commit SHA
 * (`{sha}-{framework}-{arch}`), which copy-pr-bot's `pull-request/N` pushes and PRs both get.
 */
export function defaultTagPrefix(context: RefContext): string {
  if (refKind(context) === 'main' && context.eventName === 'push') return 'main';
  const sha = buildSha(context);
  if (sha === undefined) {
    throw new InputError(
      'tag-prefix',
      "Input 'tag-prefix' is needed: GITHUB_SHA is not set, so there is no commit to tag",
    );
  }
  return sha;
}

/** What an extra tag's placeholders can name: the tag's parts, the commit, the primary tag. */
export interface ExtraTagValues extends TagParts {
  sha?: string;
  /** The primary tag. */
  tag: string;
}

/**
 * Extra tags may use placeholders, so upstream's post-merge extras are expressible:
 * `main-{framework}-{cuda}` -> `main-vllm-cuda12`, `main-{framework}-{sha}-{cuda}`. A placeholder
 * with no value disappears with its dash.
 */
export function expandExtraTag(template: string, values: ExtraTagValues): string {
  const table: Record<string, string | undefined> = {
    sha: values.sha,
    'short-sha': values.sha?.slice(0, 7),
    prefix: values.prefix,
    framework: values.framework,
    target: values.target,
    variant: values.variant,
    cuda: cudaPart(values.cudaVersion),
    suffix: values.suffix,
    arch: values.arch,
    tag: values.tag,
    plain: plainTag(values),
  };
  const expanded = template.replace(/\{([a-z-]+)\}/g, (whole, name: string) => {
    if (!(name in table)) {
      throw new InputError(
        'tags',
        `Input 'tags' has an unknown placeholder ${whole} in ${JSON.stringify(template)}; use one of ${Object.keys(
          table,
        )
          .map((key) => `{${key}}`)
          .join(' ')}`,
      );
    }
    return table[name] ?? '';
  });
  return expanded.replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '');
}

export interface TagPlanInput {
  parts: TagParts;
  extraTags: readonly string[];
  /** Also tag `<sha>-...` when the prefix is not the SHA (an immutable tag next to `main-...`). */
  addShaTag: boolean;
  sha?: string;
}

/** The primary tag first, then the SHA tag and the extras, without duplicates. */
export function planTags(input: TagPlanInput): string[] {
  const { parts } = input;
  for (const [name, value] of [
    ['tag-prefix', parts.prefix],
    ['framework', parts.framework],
    ['target', parts.target],
    ['variant', parts.variant],
    ['tag-suffix', parts.suffix],
  ] as const) {
    if (value !== undefined && !PART_PATTERN.test(value)) {
      throw new InputError(
        name,
        `Input '${name}' must be letters, digits, '_', '.' or inner '-' so it can be part of an image tag, got ${JSON.stringify(value)}`,
      );
    }
  }
  const primary = variantTag(parts);
  const tags = [primary];
  if (input.addShaTag && input.sha !== undefined && parts.prefix !== input.sha) {
    tags.push(variantTag({ ...parts, prefix: input.sha }));
  }
  for (const template of input.extraTags) {
    const tag = expandExtraTag(template, { ...parts, sha: input.sha, tag: primary });
    tags.push(tag);
  }
  for (const tag of tags) {
    if (!isValidTag(tag)) {
      throw new InputError(
        tag === primary ? 'tag-prefix' : 'tags',
        `Image tag ${JSON.stringify(tag)} is not valid: a tag is 1-128 characters of letters, digits, '_', '.', '-' and cannot start with '.' or '-'`,
      );
    }
  }
  return [...new Set(tags)];
}

export interface CachePlan {
  /** Registry cache refs (docker: `repo:tag`; buildah: a repository) read on every build. */
  from: string[];
  /** Written only on main/release pushes; never from PRs. */
  to?: string;
}

export type CacheMode = 'auto' | 'read-only' | 'off';

/**
 * Docker: `<repo>:main-<plain>-<platformsafe>-cache` and `release-...`, as upstream (§3.3), plus
 * the target so runtime and dev images stop overwriting each other's cache.
 * Buildah keeps its cache as content-addressed tags in one repository, so main and release share it;
 * it is still written only from main/release.
 */
export function planCache(options: {
  engine: 'docker' | 'buildah';
  mode: CacheMode;
  repository: string;
  parts: Omit<TagParts, 'prefix' | 'arch'>;
  platformsafe: string;
  kind: RefKind;
}): CachePlan {
  if (options.mode === 'off') return { from: [] };
  const write = options.mode === 'auto' && options.kind !== 'other';
  if (options.engine === 'buildah') {
    return { from: [options.repository], to: write ? options.repository : undefined };
  }
  const ref = (prefix: string) =>
    `${options.repository}:${variantTag({ ...options.parts, prefix, arch: options.platformsafe })}-cache`;
  return {
    from: [ref('main'), ref('release')],
    to: write ? ref(options.kind === 'release' ? 'release' : 'main') : undefined,
  };
}

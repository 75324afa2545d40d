/** Pure: a build outcome -> outputs, the `metadata` JSON and the job summary. */
import { code, codeBlock, escapeCell, redact, table, tail } from '@dynamo-ci/core';
import type { BuildOutcome } from './build.js';

export interface BuildMetadata {
  engine: string;
  image: string;
  imageName: string;
  tag: string;
  /** The tag without its prefix (`vllm-runtime-cuda12`), safe to pass between jobs. */
  plainTag: string;
  tags: string[];
  tagNames: string[];
  digest: string | null;
  imageRef: string | null;
  imageId: string | null;
  platforms: string[];
  pushed: boolean;
  status: string;
  cache: { from: string[]; to: string | null };
  cachedSteps: number;
  totalSteps: number;
  durationSeconds: number;
  pushAttempts: number;
  labels: Record<string, string>;
  variant: {
    framework: string;
    target: string | null;
    variant: string | null;
    cuda: string | null;
    arch: string | null;
  };
}

export function buildMetadata(outcome: BuildOutcome): BuildMetadata {
  const { plan } = outcome;
  const digest = outcome.digest ?? null;
  return {
    engine: plan.engine,
    image: plan.primary,
    imageName: plan.imageName,
    tag: plan.tags[0] as string,
    plainTag: plan.plain,
    tags: plan.refs,
    tagNames: plan.tags,
    digest,
    imageRef: digest && plan.build.push ? `${plan.imageName}@${digest}` : null,
    imageId: outcome.imageId ?? null,
    platforms: plan.build.platforms,
    pushed: plan.build.push && outcome.status === 'succeeded',
    status: outcome.status,
    cache: { from: plan.build.noCache ? [] : plan.build.cache.from, to: plan.build.cache.to ?? null },
    cachedSteps: outcome.cachedSteps,
    totalSteps: outcome.totalSteps,
    durationSeconds: Math.round(outcome.durationMs / 100) / 10,
    pushAttempts: outcome.pushAttempts,
    labels: Object.fromEntries(plan.build.labels),
    variant: {
      framework: plan.parts.framework,
      target: plan.parts.target ?? null,
      variant: plan.parts.variant ?? null,
      cuda: plan.parts.cudaVersion ?? null,
      arch: plan.parts.arch ?? null,
    },
  };
}

export function outputs(metadata: BuildMetadata): Record<string, string | number> {
  return {
    image: metadata.image,
    tag: metadata.tag,
    tags: JSON.stringify(metadata.tags),
    digest: metadata.digest ?? '',
    'image-ref': metadata.imageRef ?? '',
    'image-id': metadata.imageId ?? '',
    metadata: JSON.stringify(metadata),
    'duration-seconds': metadata.durationSeconds,
    'cached-steps': metadata.cachedSteps,
  };
}

const HEADLINE: Record<string, string> = {
  succeeded: 'built',
  'build-failed': 'build failed',
  'push-failed': 'push failed',
  'timed-out': 'timed out',
  cancelled: 'cancelled',
};

/** `secrets` are replaced by `***` in the log tail: the runner masks the log, not the summary. */
export function renderSummary(
  outcome: BuildOutcome,
  metadata: BuildMetadata,
  logTailLines: number,
  secrets: readonly string[] = [],
): string {
  const icon = outcome.status === 'succeeded' ? '✅' : '❌';
  const rows: [string, string][] = [
    ['Image', code(metadata.image)],
    ['Tags', metadata.tagNames.map(code).join('<br>')],
    ['Digest', metadata.digest ? code(metadata.digest) : metadata.pushed ? '' : '_not pushed_'],
    ['Platforms', metadata.platforms.length > 0 ? metadata.platforms.map(code).join(', ') : '_host_'],
    ['Engine', metadata.engine],
    [
      'Cache',
      `${metadata.cachedSteps}/${metadata.totalSteps} steps cached; read ${metadata.cache.from.map(code).join(', ') || '_none_'}; ${
        metadata.cache.to ? `wrote ${code(metadata.cache.to)}` : 'not written (only main/release pushes write)'
      }`,
    ],
    ['Duration', `${metadata.durationSeconds} s`],
  ];
  if (outcome.pushAttempts > 1) rows.push(['Push attempts', String(outcome.pushAttempts)]);
  if (outcome.disk) {
    rows.push([
      'Free disk before build',
      `${(outcome.disk.freeBytes / 1024 ** 3).toFixed(1)} GB on ${code(outcome.disk.path)}`,
    ]);
  }
  let markdown = `### ${icon} build-container: ${escapeCell(metadata.plainTag)} ${HEADLINE[outcome.status] ?? outcome.status}\n\n`;
  markdown += table(['Item', 'Value'], rows, { rawColumns: [1] });
  if (outcome.status !== 'succeeded') {
    markdown += `\n${escapeCell(outcome.message ?? '')}\n\n**Last ${logTailLines} lines of the log**\n\n`;
    markdown += codeBlock(redact(tail(outcome.log, logTailLines), secrets) || '(no output)');
  }
  return markdown;
}

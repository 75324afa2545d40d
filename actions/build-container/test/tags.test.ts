import { describe, expect, it } from 'vitest';
import {
  archOf,
  cudaPart,
  defaultTagPrefix,
  expandExtraTag,
  plainTag,
  planCache,
  planTags,
  platformSafe,
  refKind,
  type TagParts,
  variantTag,
} from '../src/tags.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe("variantTag: every upstream form and the PR workflow's", () => {
  const cases: [string, TagParts, string][] = [
    [
      'PR runtime, CUDA 12',
      { prefix: SHA, framework: 'vllm', target: 'runtime', cudaVersion: '12.9' },
      `${SHA}-vllm-runtime-cuda12`,
    ],
    [
      'PR runtime, trtllm 13.1',
      { prefix: SHA, framework: 'trtllm', target: 'runtime', cudaVersion: '13.1' },
      `${SHA}-trtllm-runtime-cuda13`,
    ],
    [
      'sglang CUDA 13.0',
      { prefix: SHA, framework: 'sglang', target: 'runtime', cudaVersion: '13.0' },
      `${SHA}-sglang-runtime-cuda13`,
    ],
    [
      'EFA infix',
      { prefix: SHA, framework: 'vllm', target: 'runtime', variant: 'efa', cudaVersion: '12.9' },
      `${SHA}-vllm-runtime-efa-cuda12`,
    ],
    [
      'shared-build test image: runtime tag + -test',
      { prefix: SHA, framework: 'vllm', target: 'runtime', cudaVersion: '12.9', suffix: 'test' },
      `${SHA}-vllm-runtime-cuda12-test`,
    ],
    [
      'build-flavor test image: -test before the CUDA suffix',
      { prefix: SHA, framework: 'trtllm', target: 'runtime', variant: 'test', cudaVersion: '13.1' },
      `${SHA}-trtllm-runtime-test-cuda13`,
    ],
    ['planner: no CUDA part', { prefix: SHA, framework: 'dynamo', target: 'planner' }, `${SHA}-dynamo-planner`],
    [
      'planner test',
      { prefix: SHA, framework: 'dynamo', target: 'planner', suffix: 'test' },
      `${SHA}-dynamo-planner-test`,
    ],
    [
      'post-merge cpu_only',
      { prefix: SHA, framework: 'dynamo', target: 'planner', cudaVersion: 'cpu' },
      `${SHA}-dynamo-planner-cpu`,
    ],
    [
      'core dynamo runtime, amd64 only',
      { prefix: SHA, framework: 'dynamo', target: 'runtime', cudaVersion: '12.9', arch: 'amd64' },
      `${SHA}-dynamo-runtime-cuda12-amd64`,
    ],
    [
      'core dynamo test image',
      { prefix: SHA, framework: 'dynamo', target: 'test', cudaVersion: '12.9', arch: 'amd64' },
      `${SHA}-dynamo-test-cuda12-amd64`,
    ],
    ['operator', { prefix: SHA, framework: 'operator' }, `${SHA}-operator`],
    ['operator fallback', { prefix: 'main', framework: 'operator' }, 'main-operator'],
    ['snapshot agent', { prefix: SHA, framework: 'snapshot-agent' }, `${SHA}-snapshot-agent`],
    ['frontend', { prefix: SHA, framework: 'frontend' }, `${SHA}-frontend`],
    ['frontend on main', { prefix: 'main', framework: 'frontend' }, 'main-frontend'],
    ['frontend with image_prefix', { prefix: 'nightly-2026', framework: 'frontend' }, 'nightly-2026-frontend'],
    ['PR workflow {sha}-{framework}-{arch}', { prefix: SHA, framework: 'vllm', arch: 'arm64' }, `${SHA}-vllm-arm64`],
    [
      'PR workflow main-{framework}-{arch}',
      { prefix: 'main', framework: 'sglang', arch: 'amd64' },
      'main-sglang-amd64',
    ],
  ];
  it.each(cases)('%s', (_name, parts, expected) => {
    expect(variantTag(parts)).toBe(expected);
  });

  it('gives the ACR image_suffix (target_tag_plain) without the prefix', () => {
    expect(plainTag({ framework: 'trtllm', target: 'runtime', cudaVersion: '13.1' })).toBe('trtllm-runtime-cuda13');
    expect(plainTag({ framework: 'vllm', target: 'runtime', variant: 'efa' })).toBe('vllm-runtime-efa');
  });
});

describe('planTags', () => {
  const parts: TagParts = { prefix: 'main', framework: 'vllm', target: 'runtime', cudaVersion: '12.9' };

  it('adds the immutable SHA tag next to main- and expands upstream extra tags', () => {
    const tags = planTags({
      parts,
      extraTags: ['main-{framework}-{cuda}', 'main-{framework}-{sha}-{cuda}', 'main-vllm-cuda12'],
      addShaTag: true,
      sha: SHA,
    });
    expect(tags).toEqual([
      'main-vllm-runtime-cuda12',
      `${SHA}-vllm-runtime-cuda12`,
      'main-vllm-cuda12',
      `main-vllm-${SHA}-cuda12`,
    ]);
  });

  it('adds no SHA tag when the prefix is the SHA or when turned off', () => {
    expect(planTags({ parts: { ...parts, prefix: SHA }, extraTags: [], addShaTag: true, sha: SHA })).toEqual([
      `${SHA}-vllm-runtime-cuda12`,
    ]);
    expect(planTags({ parts, extraTags: [], addShaTag: false, sha: SHA })).toEqual(['main-vllm-runtime-cuda12']);
  });

  it('drops an empty placeholder with its dash (frontend has no CUDA part)', () => {
    expect(
      planTags({
        parts: { prefix: 'main', framework: 'frontend' },
        extraTags: ['main-{framework}-{cuda}-{sha}'],
        addShaTag: false,
        sha: SHA,
      }),
    ).toEqual(['main-frontend', `main-frontend-${SHA}`]);
  });

  it.each([
    [{ ...parts, prefix: 'feature/x' }, [], /Input 'tag-prefix' must be letters, digits.*"feature\/x"/],
    [{ ...parts, framework: '-vllm' }, [], /Input 'framework' must be letters.*"-vllm"/],
    [{ ...parts, target: 'run time' }, [], /Input 'target'/],
    [{ ...parts, suffix: '$(id)' }, [], /Input 'tag-suffix'/],
    [parts, ['bad tag'], /Image tag "bad tag" is not valid/],
    [parts, ['{nope}-x'], /unknown placeholder \{nope\}.*use one of \{sha\}/],
    [parts, ['.hidden'], /Image tag ".hidden" is not valid/],
    [{ ...parts, prefix: 'x'.repeat(120) }, [], /is not valid: a tag is 1-128 characters/],
  ] as [TagParts, string[], RegExp][])('rejects %j %j', (badParts, extras, message) => {
    expect(() => planTags({ parts: badParts, extraTags: extras, addShaTag: false, sha: SHA })).toThrow(message);
  });
});

describe('default prefix and ref kinds', () => {
  it.each([
    [{ eventName: 'push', ref: 'refs/heads/main', sha: SHA }, 'main', 'main'],
    [{ eventName: 'push', ref: 'refs/heads/pull-request/42', sha: SHA }, SHA, 'other'],
    [{ eventName: 'push', ref: 'refs/heads/release/1.2', sha: SHA }, SHA, 'release'],
    [{ eventName: 'push', ref: 'refs/heads/release-0.9', sha: SHA }, SHA, 'release'],
    [{ eventName: 'schedule', ref: 'refs/heads/main', sha: SHA }, SHA, 'main'],
    [{ eventName: 'pull_request', ref: 'refs/pull/7/merge', sha: 'merge', pullRequestHeadSha: SHA }, SHA, 'other'],
    [{ eventName: 'push', ref: 'refs/tags/main', sha: SHA }, SHA, 'other'],
  ])('%j -> prefix %s, %s', (context, prefix, kind) => {
    expect(defaultTagPrefix(context)).toBe(prefix);
    expect(refKind(context)).toBe(kind);
  });

  it('asks for tag-prefix when there is no commit', () => {
    expect(() => defaultTagPrefix({ eventName: 'workflow_dispatch' })).toThrow(/Input 'tag-prefix' is needed/);
  });
});

describe('platforms and CUDA', () => {
  it.each([
    ['linux/amd64', 'amd64'],
    ['linux/arm64', 'arm64'],
    ['linux/arm64/v8', 'arm64'],
    ['linux/arm/v7', 'armv7'],
  ])('%s -> %s', (platform, arch) => expect(archOf(platform)).toBe(arch));

  it('makes upstream platformsafe', () => {
    expect(platformSafe(['linux/amd64', 'linux/arm64'])).toBe('amd64-arm64');
  });

  it.each([
    ['12.9', 'cuda12'],
    ['13', 'cuda13'],
    ['13.1.0', 'cuda13'],
    ['cpu', 'cpu'],
  ])('%s -> %s', (version, part) => expect(cudaPart(version)).toBe(part));
});

describe('planCache: read main and release always, write only from main/release', () => {
  const parts = { framework: 'vllm', cudaVersion: '12.9' };
  const repo = 'ecr.example/ai-dynamo/dynamo';
  it('docker on a PR reads both refs and writes none', () => {
    expect(
      planCache({
        engine: 'docker',
        mode: 'auto',
        repository: repo,
        parts,
        platformsafe: 'amd64-arm64',
        kind: 'other',
      }),
    ).toEqual({
      from: [`${repo}:main-vllm-cuda12-amd64-arm64-cache`, `${repo}:release-vllm-cuda12-amd64-arm64-cache`],
      to: undefined,
    });
  });
  it('docker on main writes main-, on release writes release-', () => {
    const main = planCache({
      engine: 'docker',
      mode: 'auto',
      repository: repo,
      parts,
      platformsafe: 'amd64',
      kind: 'main',
    });
    expect(main.to).toBe(`${repo}:main-vllm-cuda12-amd64-cache`);
    const release = planCache({
      engine: 'docker',
      mode: 'auto',
      repository: repo,
      parts,
      platformsafe: 'amd64',
      kind: 'release',
    });
    expect(release.to).toBe(`${repo}:release-vllm-cuda12-amd64-cache`);
    expect(release.from).toHaveLength(2);
  });
  it('keeps runtime and dev caches apart by target', () => {
    const plan = planCache({
      engine: 'docker',
      mode: 'auto',
      repository: repo,
      parts: { ...parts, target: 'dev' },
      platformsafe: 'amd64',
      kind: 'main',
    });
    expect(plan.to).toBe(`${repo}:main-vllm-dev-cuda12-amd64-cache`);
  });
  it('read-only and off', () => {
    expect(
      planCache({ engine: 'docker', mode: 'read-only', repository: repo, parts, platformsafe: 'amd64', kind: 'main' })
        .to,
    ).toBeUndefined();
    expect(
      planCache({ engine: 'docker', mode: 'off', repository: repo, parts, platformsafe: 'amd64', kind: 'main' }),
    ).toEqual({ from: [] });
  });
  it('buildah uses one content-addressed repository', () => {
    expect(
      planCache({
        engine: 'buildah',
        mode: 'auto',
        repository: `${repo}-cache`,
        parts,
        platformsafe: 'amd64',
        kind: 'other',
      }),
    ).toEqual({
      from: [`${repo}-cache`],
      to: undefined,
    });
    expect(
      planCache({
        engine: 'buildah',
        mode: 'auto',
        repository: `${repo}-cache`,
        parts,
        platformsafe: 'amd64',
        kind: 'main',
      }).to,
    ).toBe(`${repo}-cache`);
  });
});

describe('expandExtraTag', () => {
  it('knows short-sha, arch and plain', () => {
    expect(
      expandExtraTag('{short-sha}-{plain}', { prefix: 'main', framework: 'vllm', arch: 'arm64', sha: SHA, tag: 'x' }),
    ).toBe('0123456-vllm-arm64');
  });
});

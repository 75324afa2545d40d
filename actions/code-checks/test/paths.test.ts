import { describe, expect, it } from 'vitest';
import { type PathContext, repositoryPath } from '../src/paths.js';

const files = new Set(['lib/runtime/src/lib.rs', 'deploy/operator/internal/x.go', 'bad.yaml']);
const context = (workingDirectory: string, containerWorkspace?: string): PathContext => ({
  workspace: '/runner/_work/repo/repo',
  workingDirectory,
  containerWorkspace,
  exists: (relative) => files.has(relative),
});

describe('repositoryPath', () => {
  it.each([
    ['relative to the working directory', 'internal/x.go', context('deploy/operator'), 'deploy/operator/internal/x.go'],
    [
      'relative to a parent (cargo names files from the workspace root)',
      'lib/runtime/src/lib.rs',
      context('lib/runtime'),
      'lib/runtime/src/lib.rs',
    ],
    ['relative to the git root (pre-commit)', 'bad.yaml', context('deploy/operator'), 'bad.yaml'],
    ['absolute on the runner', '/runner/_work/repo/repo/lib/runtime/src/lib.rs', context(''), 'lib/runtime/src/lib.rs'],
    [
      'absolute in the container',
      '/workspace/lib/runtime/src/lib.rs',
      context('lib', '/workspace'),
      'lib/runtime/src/lib.rs',
    ],
    ['not found: from the working directory', 'src/new.rs', context('lib/llm'), 'lib/llm/src/new.rs'],
    ['with ./ and ..', './internal/../internal/x.go', context('deploy/operator'), 'deploy/operator/internal/x.go'],
  ])('%s', (_, reported, where, expected) => {
    expect(repositoryPath(reported, where)).toBe(expected);
  });

  it.each([
    ['a dependency outside the checkout', '/usr/local/cargo/registry/src/serde/lib.rs', context('', '/workspace')],
    ['a path climbing out of the repository', '../../etc/passwd', context('lib')],
    ['the repository root itself', '.', context('')],
  ])('is undefined for %s', (_, reported, where) => {
    expect(repositoryPath(reported, where)).toBeUndefined();
  });
});

/**
 * Where a finding's file is in the repository. Tools name files relative to where they ran (or
 * to a parent of it: cargo names files from the workspace root, pre-commit from the git root), or
 * absolutely, in the container (under the mount) or on the runner (under the workspace).
 * Annotations need the path from the repository root, and nothing outside it.
 */
import { posix } from 'node:path';

export interface PathContext {
  /** The workspace on the runner. */
  workspace: string;
  /** The project folder the tool ran in, relative to the workspace ('' for the root). */
  workingDirectory: string;
  /** Where the workspace is mounted when the tool ran in a container. */
  containerWorkspace?: string;
  /** Whether a path relative to the workspace exists. */
  exists(relative: string): boolean;
}

/** The repository-relative path of a reported file, or undefined when it is outside the repository. */
export function repositoryPath(reported: string, context: PathContext): string | undefined {
  const path = reported.replace(/\\/g, '/');
  if (posix.isAbsolute(path)) {
    for (const root of [context.containerWorkspace, context.workspace]) {
      if (root === undefined) continue;
      const base = root.replace(/\/+$/, '');
      if (path.startsWith(`${base}/`)) return inside(path.slice(base.length + 1));
    }
    return undefined;
  }
  // Relative: from the working directory, else from the nearest parent where the file exists.
  const candidates: string[] = [];
  for (let dir = context.workingDirectory; ; dir = parentOf(dir)) {
    const candidate = inside(dir === '' ? path : `${dir}/${path}`);
    if (candidate !== undefined) candidates.push(candidate);
    if (dir === '') break;
  }
  return candidates.find((candidate) => context.exists(candidate)) ?? candidates[0];
}

function parentOf(dir: string): string {
  const index = dir.lastIndexOf('/');
  return index === -1 ? '' : dir.slice(0, index);
}

/** A normalized relative path that stays inside the repository, or undefined. */
function inside(relative: string): string | undefined {
  const normalized = posix.normalize(relative);
  if (normalized === '..' || normalized.startsWith('../') || posix.isAbsolute(normalized)) return undefined;
  return normalized === '.' ? undefined : normalized;
}

/**
 * The I/O behind `ScanPorts`: git through `@dynamo-ci/core` (file listing, change set, commit
 * years, one streamed `git log` for the last-commit rule) and bounded, synchronous file reads
 * that never follow a symlink.
 */
import { closeSync, constants, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ChangeSet, changedPaths, createChangeSetApi, resolveChangeSet } from '@dynamo-ci/core/changes';
import { ConfigError } from '@dynamo-ci/core/errors';
import { spawnProcess } from '@dynamo-ci/core/exec';
import { GIT_CONFIG_ARGS, type Git, gitEnv, splitNul } from '@dynamo-ci/core/git';
import type { GitHubContext } from '@dynamo-ci/core/github';
import type { Logger } from '@dynamo-ci/core/runner';
import { LastChangeCollector, lastChangeLogArgs } from './history.js';
import { HEAD_BYTES, type HeadRead, type ScanPorts } from './scan.js';

/** Every tracked file under the working directory, with paths from the top level. */
const LS_FILES_ARGS: readonly string[] = ['ls-files', '-z', '--full-name', '--', '.'];

export interface PortOptions {
  git: Git;
  /** The repository's top level (paths are relative to it). */
  topLevel: string;
  /** The working directory relative to the top level, `''` or ending in `/`. */
  prefix: string;
  context: GitHubContext;
  baseSha?: string;
  headSha?: string;
  token?: string;
  log: Logger;
}

export interface RepositoryPorts extends ScanPorts {
  /** The change set, once resolved (for the summary's scope line). */
  changeSet(): ChangeSet | undefined;
}

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | (constants.O_NONBLOCK ?? 0);

export function createPorts(options: PortOptions): RepositoryPorts {
  const { git, topLevel, prefix } = options;
  let resolved: ChangeSet | undefined;
  // One buffer for every bounded read: a header check keeps no bytes after the file is judged.
  const buffer = Buffer.allocUnsafe(HEAD_BYTES + 1);
  const underPrefix = (path: string) => prefix === '' || path.startsWith(prefix);
  // Paths from git are already normal: plain concatenation is enough (and cheaper than join()).
  const root = topLevel.endsWith('/') ? topLevel : `${topLevel}/`;

  /** The head commit: head-sha, else the change set's head (a PR's head, not the merge), else HEAD. */
  const headRevision = async (): Promise<string> => {
    const revision = options.headSha ?? resolved?.head;
    if (revision && (await git.resolveCommit(revision))) return revision;
    return 'HEAD';
  };

  return {
    changeSet: () => resolved,

    async listTracked() {
      return splitNul(await git.run(LS_FILES_ARGS)).filter(underPrefix);
    },

    async changedFiles() {
      const { context, token } = options;
      resolved = await resolveChangeSet(
        { context, baseSha: options.baseSha, headSha: options.headSha },
        {
          git,
          api: token ? () => createChangeSetApi(token, context.repo, { baseUrl: context.apiUrl }) : undefined,
          log: options.log,
        },
      );
      options.log.info(`Change set: ${resolved.reason}`);
      if (resolved.source === 'none') return undefined;
      // A rename counts as its new path; deletions have nothing left to check.
      return changedPaths(resolved.files, ['added', 'modified', 'copied', 'type-changed']).filter(underPrefix);
    },

    async movedOnly() {
      const renames = resolved?.files.filter((change) => change.status === 'renamed') ?? [];
      if (resolved?.source !== 'git' || !resolved.base || !resolved.head || renames.length === 0) return new Set();
      // One `git diff-tree --raw` (plumbing: no user diff config): a rename scored R100 kept its
      // content (the same blob).
      const raw = await git.run([
        'diff-tree',
        '-r',
        '--raw',
        '-z',
        '-M',
        '--no-color',
        '--no-ext-diff',
        resolved.base,
        resolved.head,
        '--',
      ]);
      return pureRenames(raw);
    },

    async headYear() {
      // One git process in the usual case: it starts at once, before the scan's synchronous reads
      // (a second one would wait for the first to exit, that is, for the reads to end).
      const wanted = options.headSha ?? resolved?.head;
      const dateOf = (revision: string) =>
        git.run(['show', '-s', '--format=%cs', '--end-of-options', `${revision}^{commit}`]);
      let revision = wanted ?? 'HEAD';
      let date: string;
      try {
        date = (await dateOf(revision)).trim();
      } catch (error) {
        if (wanted === undefined) throw error;
        revision = 'HEAD';
        date = (await dateOf(revision)).trim();
      }
      const year = Number(date.slice(0, 4));
      if (!Number.isInteger(year) || year < 1970)
        throw new ConfigError(`Could not read the date of commit ${revision}`);
      return year;
    },

    async lastChangeYears(paths) {
      const collector = new LastChangeCollector(paths);
      const shallow = await git.isShallow();
      const stop = new AbortController();
      const result = await spawnProcess('git', [...GIT_CONFIG_ARGS, ...lastChangeLogArgs(await headRevision())], {
        cwd: topLevel,
        env: gitEnv(),
        signal: stop.signal,
        killGraceMs: 1000,
        // Lines are consumed as they stream; keep no copy of the output.
        maxBufferBytes: 64 * 1024,
        onLine(line, stream) {
          if (stream === 'stdout' && !stop.signal.aborted && collector.push(line)) stop.abort();
        },
      });
      if (!stop.signal.aborted && result.exitCode !== 0) {
        throw new ConfigError(`git log failed in ${topLevel}: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
      }
      return { years: collector.result(), shallow };
    },

    readHead(path): HeadRead {
      let fd: number;
      try {
        fd = openSync(`${root}${path}`, READ_FLAGS);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') return { kind: 'symlink' };
        if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
        if (code === 'EISDIR' || code === 'ENXIO') return { kind: 'not-a-file' };
        throw error;
      }
      try {
        // From the new descriptor's own position (0) rather than at an offset: the same bytes,
        // and Node skips a position check that allocates (this runs once per file).
        const read = readSync(fd, buffer, 0, HEAD_BYTES + 1, null);
        const complete = read <= HEAD_BYTES;
        return { kind: 'file', bytes: buffer.subarray(0, Math.min(read, HEAD_BYTES)), complete };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'EAGAIN') return { kind: 'not-a-file' };
        throw error;
      } finally {
        closeSync(fd);
      }
    },

    readFile(path) {
      const fd = openSync(join(topLevel, path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return readFileSync(fd);
      } finally {
        closeSync(fd);
      }
    },

    writeFile(path, bytes) {
      // Same inode (mode, owner, hard links kept); O_NOFOLLOW so a swapped-in symlink is refused.
      const fd = openSync(join(topLevel, path), constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeFileSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
    },

    currentYear: () => new Date().getUTCFullYear(),
  };
}

/** New paths of the renames scored R100 in `git diff-tree -r --raw -z -M` output. */
export function pureRenames(raw: string): Set<string> {
  const fields = raw.split('\0');
  const moved = new Set<string>();
  for (let index = 0; index < fields.length; index++) {
    const meta = fields[index] as string;
    if (!meta.startsWith(':')) continue;
    const status = meta.split(' ').pop() ?? '';
    if (status.startsWith('R') || status.startsWith('C')) {
      if (status === 'R100') moved.add(fields[index + 2] as string);
      index += 2;
    } else {
      index += 1;
    }
  }
  return moved;
}

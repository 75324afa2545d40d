/**
 * The results folder is shared with the container, which may leave anything in it: symbolic links
 * (to the runner's credentials, or to a file the host would then overwrite), FIFOs that block a
 * reader, and root-owned folders the runner cannot delete. Every host read and write goes through
 * here: links are removed, never followed; only regular files are read; files are replaced by
 * rename, never written through.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  createReadStream,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  type ReadStream,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';

/** Files a run writes; a reused folder must not show an earlier step's reports as this one's. */
const REPORT_FILE = /^(junit-.*\.xml|live-.*\.jsonl|select-.*\.txt|collected\.jsonl|report\.json)$/;

/**
 * Create the folder, clear an earlier run's reports and, when it is shared with a container,
 * open it to every user (the image's user is often not the runner's).
 */
export function prepareResultsDir(dir: string, shared: boolean): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    if (REPORT_FILE.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  if (shared) chmodSync(dir, 0o777);
}

/**
 * Remove every symbolic link under `dir` (lstat only: nothing is followed) and return their paths
 * relative to it, so neither this action nor a later upload of the folder reads through them.
 */
export function removeLinks(dir: string): string[] {
  const removed: string[] = [];
  const visit = (folder: string) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(folder, name);
      let stats: ReturnType<typeof lstatSync>;
      try {
        stats = lstatSync(path);
      } catch {
        continue;
      }
      if (stats.isSymbolicLink()) {
        unlinkSync(path);
        removed.push(relative(dir, path));
      } else if (stats.isDirectory()) {
        visit(path);
      }
    }
  };
  visit(dir);
  return removed.sort();
}

/** Open `path` for reading only when it is a regular file (not a link, FIFO or device); else undefined. */
export function openRegular(path: string): number | undefined {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang the step.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return undefined;
  }
  return fd;
}

/** The text of a regular file, or undefined when there is none at `path`. */
export function readRegular(path: string): string | undefined {
  const fd = openRegular(path);
  if (fd === undefined) return undefined;
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** A stream over a regular file (closed when read to its end), or undefined. */
export function streamRegular(path: string): ReadStream | undefined {
  const fd = openRegular(path);
  return fd === undefined ? undefined : createReadStream('', { fd, encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 });
}

/**
 * Write `text` to `path` by creating a fresh file beside it (exclusively: an existing name, a link
 * included, is an error) and renaming it over `path`, which replaces a link instead of following it.
 */
export function writeRegular(path: string, text: string): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { flag: 'wx', mode: 0o644 });
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Whether anything under `dirs` (the folders themselves included) is owned by a user other than `uid`. */
export function ownedByOthers(dirs: readonly string[], uid: number): boolean {
  const visit = (path: string): boolean => {
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(path);
    } catch {
      return false;
    }
    if (stats.uid !== uid) return true;
    if (!stats.isDirectory()) return false;
    let names: string[] = [];
    try {
      names = readdirSync(path);
    } catch {
      return true;
    }
    return names.some((name) => visit(join(path, name)));
  };
  return dirs.some(visit);
}

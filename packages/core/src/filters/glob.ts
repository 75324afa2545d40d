/**
 * Glob patterns as filters use them, with the semantics of tj-actions/changed-files over
 * micromatch (`dot: true`, no extglobs), which upstream's `.github/filters.yaml` relies on:
 * `*` and `**` match dotfiles and dot-directories, and `*` never crosses `/` (`*.py` is
 * root-only). The shapes filter files are made of compile to plain string tests; the rest goes
 * through picomatch.
 */
import picomatch from 'picomatch';
import type { FilterGroup } from './config.js';

/** Globs that match every path (with `dot: true`). */
export const CATCH_ALL_GLOBS: ReadonlySet<string> = new Set(['**', '**/*', '**/**', '*/**']);

/** picomatch options equal to micromatch's `{dot: true, noext: true}` as tj-actions passes them. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true };

/** Characters that make a glob more than a literal (or that picomatch treats specially). */
export const SPECIAL = /[*?[\]{}()!+@\\]/;

/**
 * True when a group matches every path: it has a catch-all positive (`**`) with no `!` after it.
 * Such a group (upstream's `all: ['**']`) says nothing about coverage.
 */
export function isCatchAll(group: FilterGroup): boolean {
  let catchAll = false;
  for (const pattern of group.patterns) {
    if (pattern.negated) catchAll = false;
    else if (CATCH_ALL_GLOBS.has(pattern.glob)) catchAll = true;
  }
  return catchAll;
}

/**
 * One glob as a test. The shapes filter files are made of get exact string tests (git paths are
 * relative, never end in `/` and have no `.`/`..` segments, which is all the shortcuts assume;
 * a differential test checks them against picomatch); anything else runs picomatch's regex.
 */
export function compileGlob(glob: string): (path: string) => boolean {
  if (!SPECIAL.test(glob)) return (path) => path === glob;
  if (CATCH_ALL_GLOBS.has(glob) && glob !== '*/**') return (path) => path !== '';
  let match = /^\*\*\/\*([^/]*)$/.exec(glob);
  if (match && !SPECIAL.test(match[1] as string)) {
    const suffix = match[1] as string;
    return (path) => path.endsWith(suffix) && path.length - path.lastIndexOf('/') - 1 >= suffix.length;
  }
  match = /^\*\*\/([^/]+)$/.exec(glob);
  if (match && !SPECIAL.test(match[1] as string)) {
    const name = match[1] as string;
    const tail = `/${name}`;
    return (path) => path === name || path.endsWith(tail);
  }
  match = /^(.+)\/\*\*$/.exec(glob);
  if (match && !SPECIAL.test(match[1] as string)) {
    const dir = match[1] as string;
    const prefix = `${dir}/`;
    return (path) => path === dir || path.startsWith(prefix);
  }
  match = /^((?:[^/]+\/)*)([^/]*)\*([^/]*)$/.exec(glob);
  if (match && !SPECIAL.test(`${match[1]}${match[2]}${match[3]}`)) {
    const head = `${match[1]}${match[2]}`;
    const tail = match[3] as string;
    // A whole-segment `*` (`deploy/*`) needs at least one character; `dynamo_*` does not.
    const minLength = head.length + tail.length + (match[2] === '' && tail === '' ? 1 : 0);
    return (path) =>
      path.length >= minLength && path.startsWith(head) && path.endsWith(tail) && path.indexOf('/', head.length) === -1;
  }
  const compiled = picomatch.makeRe(glob, GLOB_OPTIONS);
  // picomatch's `.` stops at a newline; a newline is a legal file-name character.
  const regex = new RegExp(compiled.source, `${compiled.flags.replace('s', '')}s`);
  return (path) => path === glob || regex.test(path);
}

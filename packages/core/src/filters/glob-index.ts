/**
 * Filter groups compiled for matching: each distinct glob compiled once and given an id, the ids
 * indexed by what a matching path must have, and each group as its ordered list of ids (its
 * "program"). Most globs are never tested at all:
 * - a literal (`LICENSE`) is looked up by the whole path;
 * - `**\/*.ext` by the path's extension, `**\/name` by its base name, `**` always matches;
 * - any other glob with a literal base directory (`lib/**`, `container/templates/dynamo_*`) by
 *   that directory: it is only tested for paths under it;
 * - a glob without `/` or `**` (`*.py`) is tested for files at the root only;
 * - the rest (`**\/*_test.py`, `{a,b}/**`) is tested for every path.
 */
import picomatch from 'picomatch';
import type { FilterGroup } from './config.js';
import { CATCH_ALL_GLOBS, compileGlob, isCatchAll, SPECIAL } from './glob.js';

export type GlobTest = (path: string) => boolean;

/** `directoryShape` of `dir/**`: every path under the folder matches. */
export const SUBTREE = 1;
/** `directoryShape` of `dir/*`: every file directly in the folder matches. */
export const CHILDREN = 2;
/** `directoryShape` of any other glob under a folder: each path there is tested. */
export const OTHER = 3;

/** No `/`, no character class, no escape: `*` and `?` never cross `/`, so only root files match. */
const ROOT_ONLY = /^[^/[\\]+$/;

/** Every distinct glob by id (its index in `tests`), and the ids by what a matching path has. */
export class GlobIndex {
  readonly tests: GlobTest[] = [];
  readonly byPath = new Map<string, number[]>();
  readonly byExtension = new Map<string, number[]>();
  readonly byBaseName = new Map<string, number[]>();
  readonly byDirectory = new Map<string, number[]>();
  /** For globs indexed by folder: `SUBTREE`, `CHILDREN` or `OTHER`. */
  readonly directoryShape: number[] = [];
  readonly always: number[] = [];
  readonly everywhere: number[] = [];
  /** Globs without `/` or `**` (`*.py`): they only match files at the root. */
  readonly rootOnly: number[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `glob`, compiling and indexing it when it is new. */
  idOf(glob: string): number {
    let id = this.ids.get(glob);
    if (id !== undefined) return id;
    id = this.tests.length;
    this.ids.set(glob, id);
    this.tests.push(compileGlob(glob));
    const extension = /^\*\*\/\*\.([^/.]+)$/.exec(glob)?.[1];
    const baseName = /^\*\*\/([^/]+)$/.exec(glob)?.[1];
    if (!SPECIAL.test(glob)) addTo(this.byPath, glob, id);
    else if (CATCH_ALL_GLOBS.has(glob) && glob !== '*/**') this.always.push(id);
    else if (extension !== undefined && !SPECIAL.test(extension)) addTo(this.byExtension, extension, id);
    else if (baseName !== undefined && !SPECIAL.test(baseName)) addTo(this.byBaseName, baseName, id);
    else if (ROOT_ONLY.test(glob) && !glob.includes('**')) this.rootOnly.push(id);
    else {
      const base = picomatch.scan(glob).base;
      if (base === '' || SPECIAL.test(base)) this.everywhere.push(id);
      else {
        addTo(this.byDirectory, base, id);
        this.directoryShape[id] = glob === `${base}/**` ? SUBTREE : glob === `${base}/*` ? CHILDREN : OTHER;
      }
    }
    return id;
  }
}

function addTo(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

/** A group as its patterns' glob ids, in order, with their signs. */
export interface GroupProgram {
  group: FilterGroup;
  ids: Int32Array;
  /** 1 where the pattern at the same step is a `!` pattern. */
  negated: Uint8Array;
  /** Only `!` patterns: the group starts out holding every path. */
  allNegative: boolean;
}

export interface CompiledFilters {
  index: GlobIndex;
  programs: GroupProgram[];
  /** Per program: whether it counts for coverage (catch-all groups do not). */
  coverage: boolean[];
}

export function compileFilters(groups: readonly FilterGroup[]): CompiledFilters {
  const index = new GlobIndex();
  const programs = groups.map((group) => ({
    group,
    ids: Int32Array.from(group.patterns.map((pattern) => index.idOf(pattern.glob))),
    negated: Uint8Array.from(group.patterns.map((pattern) => (pattern.negated ? 1 : 0))),
    allNegative: group.patterns.length > 0 && group.patterns.every((pattern) => pattern.negated),
  }));
  return { index, programs, coverage: groups.map((group) => !isCatchAll(group)) };
}

/**
 * What a matching strategy returns: per program, the matched paths as flattened `[start, end)`
 * runs of input indexes, and the paths no coverage-counting group matched.
 */
export interface MatchRuns {
  runs: number[][];
  uncovered: string[];
}

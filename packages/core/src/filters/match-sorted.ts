/**
 * Matching paths in ascending order, as git lists them: the usual case, and the fast one. Every
 * path under a folder is then one block of the list, so `dir/**` costs two binary searches however
 * many paths it matches; each glob's matches become a bit set, and each group applies its
 * patterns in order as bit-set operations.
 */
import { BitSet, lastWordMask, lowestBit } from './bitset.js';
import { type CompiledFilters, type GlobTest, type MatchRuns, SUBTREE } from './glob-index.js';

/**
 * Each glob's matches as a bit set (literals and folders by binary search, extensions and base
 * names in one pass over the paths, the few shapes that need a test only over their folder's
 * block), then each group's patterns in order. Undefined when the paths are not in strictly
 * ascending order (then match-each.ts answers); `ascending`: the caller vouches for the order
 * and it is not checked.
 */
export function matchSorted(
  { index: globs, programs, coverage }: CompiledFilters,
  paths: readonly string[],
  ascending: boolean,
): MatchRuns | undefined {
  const count = paths.length;
  const { tests, byPath, byExtension, byBaseName, byDirectory, directoryShape, always, everywhere, rootOnly } = globs;
  const words = (count + 31) >>> 5;
  const sets: (BitSet | undefined)[] = tests.map(() => undefined);
  const setOf = (id: number): BitSet => {
    let set = sets[id];
    if (set === undefined) {
      set = new BitSet(words);
      sets[id] = set;
    }
    return set;
  };
  const add = (id: number, index: number): void => setOf(id).add(index);
  /** Path `index` matches each of the globs `ids`. */
  const addToAll = (ids: readonly number[], index: number): void => {
    for (let at = 0; at < ids.length; at++) add(ids[at] as number, index);
  };
  const testEach = (ids: readonly number[], path: string, index: number): void => {
    for (let at = 0; at < ids.length; at++) {
      if ((tests[ids[at] as number] as GlobTest)(path)) add(ids[at] as number, index);
    }
  };
  /** The first index whose path is not below `key`. */
  const lowerBound = (key: string): number => {
    let low = 0;
    let high = count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((paths[middle] as string) < key) low = middle + 1;
      else high = middle;
    }
    return low;
  };
  /** The indexes of the paths starting with `prefix`: one block, as the paths are sorted. */
  const blockOf = (prefix: string): [number, number] => {
    const from = lowerBound(prefix);
    let low = from;
    let high = count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((paths[middle] as string).startsWith(prefix)) low = middle + 1;
      else high = middle;
    }
    return [from, low];
  };
  const find = (path: string): number => {
    const at = lowerBound(path);
    return paths[at] === path ? at : -1;
  };

  // One pass over the paths, which also checks their order unless the caller vouches for it
  // (the searches below rely on it): what each ends with (`.ext` for `**/*.ext`, `/name` for
  // `**/name`), and the tests of globs tied to no folder at all.
  const endings = new Endings();
  for (const [extension, ids] of byExtension) endings.add(`.${extension}`, ids);
  for (const [name, ids] of byBaseName) endings.add(`/${name}`, ids);
  const onEach = everywhere.length > 0 ? (path: string, index: number) => testEach(everywhere, path, index) : undefined;
  if (!scanPaths(paths, endings, onEach, !ascending)) return undefined;
  for (const { ids, hits } of endings.all) {
    if (hits.length > 0) for (const id of ids) setOf(id).addEach(hits);
  }

  // Files at the root, for `*.py`: between the blocks of the top-level folders.
  if (rootOnly.length > 0) {
    for (let index = 0; index < count; ) {
      const path = paths[index] as string;
      const slash = path.indexOf('/');
      if (slash === -1) testEach(rootOnly, path, index++);
      else index = blockOf(path.slice(0, slash + 1))[1];
    }
  }

  for (const id of always) if (count > 0) setOf(id).fill(0, count);
  for (const [path, ids] of byPath) {
    const at = find(path);
    if (at !== -1) addToAll(ids, at);
  }
  // `**/name` matches `name` at the root too (elsewhere it ends a path: see below).
  for (const [name, ids] of byBaseName) {
    const at = find(name);
    if (at !== -1) addToAll(ids, at);
  }
  for (const [base, ids] of byDirectory) {
    const at = find(base);
    const [from, to] = blockOf(`${base}/`);
    for (const id of ids) {
      const test = tests[id] as GlobTest;
      // `dir/**` also matches the path `dir` itself.
      if (at !== -1 && test(base)) add(id, at);
      if (directoryShape[id] === SUBTREE) {
        if (from < to) setOf(id).fill(from, to);
      } else {
        for (let index = from; index < to; index++) if (test(paths[index] as string)) add(id, index);
      }
    }
  }
  // Each group: its patterns in order, a positive one adding its matches, a negation removing them.
  const covered = new BitSet(words);
  const runs = programs.map((program, programIndex) => {
    const members = new BitSet(words);
    if (program.allNegative && count > 0) members.fill(0, count);
    program.ids.forEach((id, step) => {
      const set = sets[id];
      if (set === undefined) return;
      if (program.negated[step] === 1) members.remove(set);
      else members.addAll(set);
    });
    if (coverage[programIndex]) covered.addAll(members);
    return members.runs();
  });
  const uncovered: string[] = [];
  if (coverage.some(Boolean)) {
    for (let word = 0; word < words; word++) {
      // Bits past the last path are clear in `covered`: keep them out.
      let missing = ~(covered.words[word] as number) & (word === words - 1 ? lastWordMask(count) : 0xffffffff);
      while (missing !== 0) {
        uncovered.push(paths[word * 32 + lowestBit(missing)] as string);
        missing &= missing - 1;
      }
    }
  }
  return { runs, uncovered };
}

/** Strings a path may end with, each with its globs, looked up by the path's last two characters. */
class Endings {
  /** Per pair of last characters (folded into 14 bits): an index into `lists`, or -1. */
  readonly slots = new Int32Array(1 << 14).fill(-1);
  readonly lists: Ending[][] = [];
  readonly all: Ending[] = [];

  add(text: string, ids: number[]): void {
    const slot = lastTwoOf(text);
    if (this.slots[slot] === -1) {
      this.slots[slot] = this.lists.length;
      this.lists.push([]);
    }
    const ending = { text, ids, hits: [] };
    (this.lists[this.slots[slot] as number] as Ending[]).push(ending);
    this.all.push(ending);
  }
}

interface Ending {
  text: string;
  ids: number[];
  /** The indexes of the paths that end with `text`, ascending. */
  hits: number[];
}

/**
 * One pass over every path: each ending's `hits`, and the path to `onEach` when given. With
 * `checkOrder`, false (and stopped) at the first path not above the one before it. A small
 * function of its own, so V8 optimizes the loop early.
 */
function scanPaths(
  paths: readonly string[],
  endings: Endings,
  onEach: ((path: string, index: number) => void) | undefined,
  checkOrder: boolean,
): boolean {
  const { slots, lists } = endings;
  const hasEndings = endings.all.length > 0;
  let previous = '';
  for (let index = 0; index < paths.length; index++) {
    const path = paths[index] as string;
    if (checkOrder) {
      if (index > 0 && !(previous < path)) return false;
      previous = path;
    }
    if (hasEndings) {
      const slot = slots[lastTwoOf(path)] as number;
      if (slot !== -1) {
        const candidates = lists[slot] as Ending[];
        for (let at = 0; at < candidates.length; at++) {
          const candidate = candidates[at] as Ending;
          if (path.endsWith(candidate.text)) candidate.hits.push(index);
        }
      }
    }
    if (onEach !== undefined) onEach(path, index);
  }
  return true;
}

/** The last two characters of a string (the second-last 0 for one character), in 14 bits. */
function lastTwoOf(text: string): number {
  const end = text.length;
  return ((text.charCodeAt(end - 1) & 127) << 7) | (end >= 2 ? text.charCodeAt(end - 2) & 127 : 0);
}

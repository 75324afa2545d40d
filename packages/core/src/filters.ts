/**
 * Filter groups: named, ordered lists of glob patterns read from YAML (a file or inline text),
 * and the matcher that decides which groups a set of paths touches.
 *
 * Semantics are those of tj-actions/changed-files over micromatch (`dot: true`, no extglobs), which
 * upstream's `.github/filters.yaml` relies on:
 * - patterns apply in order; a positive pattern adds the paths it matches, a `!pattern` removes
 *   the paths it matches from what earlier patterns added, and a later positive adds them back;
 * - a group made only of `!` patterns matches every path none of them excludes;
 * - `*` and `**` match dotfiles and dot-directories; `*` never crosses `/` (`*.py` is root-only).
 * YAML anchors and aliases work as upstream uses them (`ci: &ci [...]`, `core: [*ci, ...]`):
 * nested lists are flattened in place.
 *
 * ```ts
 * const config = loadFilters('.github/filters.yaml', repoRoot);   // or parseFilters(yamlText)
 * const findings = lintFilters(config);                             // warnings with file and line
 * const result = new FilterMatcher(config.groups).match(paths);      // per group: matched paths
 * ```
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import picomatch from 'picomatch';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { ConfigError } from './errors.js';

export interface FilterPattern {
  /** The glob without its leading `!`. */
  glob: string;
  negated: boolean;
  /** The 1-based line where the pattern enters its group (the alias line for `*anchor` items). */
  line: number | undefined;
  /** The line where the pattern is written, when it came in through an alias. */
  sourceLine?: number;
}

export interface FilterGroup {
  name: string;
  /** The line of the group's key. */
  line: number | undefined;
  patterns: FilterPattern[];
}

export interface FilterConfig {
  /** The filters file as given (for messages and annotations); undefined for inline YAML. */
  file: string | undefined;
  groups: FilterGroup[];
}

/** Globs that match every path (with `dot: true`). */
const CATCH_ALL_GLOBS = new Set(['**', '**/*', '**/**', '*/**']);

/**
 * What a filter may be called: its name becomes an output name (`steps.changes.outputs.<name>`,
 * so it starts as an expression's property name must), and a newline or `=` in it could write
 * outputs of other names.
 */
export const FILTER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** picomatch options equal to micromatch's `{dot: true, noext: true}` as tj-actions passes them. */
const GLOB_OPTIONS: picomatch.PicomatchOptions = { dot: true, noextglob: true };

/**
 * Read filters from `value`: the path of a YAML file (relative to `cwd`), or inline YAML when no
 * such file exists and the text is a YAML mapping. A missing file is a ConfigError naming it.
 */
export function loadFilters(value: string, cwd: string, inputName = 'filters'): FilterConfig {
  const trimmed = value.trim();
  const looksInline = trimmed.includes('\n') || /^[^\s#][^:\n]*:(\s|$)/.test(trimmed);
  const path = isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed);
  if (!looksInline || (existsSync(path) && statSync(path).isFile())) {
    if (!existsSync(path)) {
      throw new ConfigError(
        `The filters file ${trimmed} does not exist (input '${inputName}', looked in ${cwd}). ` +
          'Create it, or pass the filters as inline YAML.',
      );
    }
    return parseFilters(readFileSync(path, 'utf8'), trimmed);
  }
  return parseFilters(value, undefined);
}

/** Parse filters YAML. `file` names the source in errors; undefined means inline YAML. */
export function parseFilters(text: string, file?: string): FilterConfig {
  const where = file ?? "the inline 'filters'";
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, schema: 'failsafe', uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = firstError.linePos?.[0]?.line;
    throw new ConfigError(
      `${where}${line ? ` line ${line}` : ''} is not valid YAML: ${firstError.message.split('\n')[0]}`,
    );
  }
  const lineOf = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    throw new ConfigError(`${where} defines no filters: write \`name: [glob, ...]\` entries.`);
  }
  if (!isMap(root)) {
    throw new ConfigError(`${where} must be a mapping of filter names to lists of glob patterns.`);
  }
  const groups: FilterGroup[] = [];
  for (const pair of root.items) {
    const keyNode = pair.key as Node | null;
    const name = isScalar(keyNode) ? String(keyNode.value ?? '') : '';
    const line = lineOf(keyNode);
    if (name === '') throw new ConfigError(`${where} line ${line ?? '?'}: a filter needs a name.`);
    if (!FILTER_NAME.test(name)) {
      throw new ConfigError(
        `${where} line ${line ?? '?'}: filter name ${JSON.stringify(name)} cannot be an output name (each filter ` +
          "sets the step output of its name); use only letters, digits, '_' and '-', starting with a letter or '_'.",
      );
    }
    const patterns: FilterPattern[] = [];
    const collect = (node: unknown, aliasLine: number | undefined, depth: number): void => {
      if (depth > 20) throw new ConfigError(`${where} line ${line}: filter '${name}' nests aliases too deeply.`);
      if (node === null || node === undefined) return;
      if (isAlias(node)) {
        collect(node.resolve(doc), aliasLine ?? lineOf(node), depth + 1);
        return;
      }
      if (isSeq(node)) {
        for (const item of node.items) collect(item, aliasLine, depth + 1);
        return;
      }
      if (isScalar(node)) {
        const raw = node.value === null ? '' : String(node.value).trim();
        const ownLine = lineOf(node);
        if (raw === '' || raw === '!') {
          throw new ConfigError(`${where} line ${ownLine ?? line}: filter '${name}' has an empty pattern.`);
        }
        const negated = raw.startsWith('!');
        // micromatch drops a leading `./` from patterns; paths never have one.
        const glob = (negated ? raw.slice(1) : raw).replace(/^(\.\/)+/, '');
        const pattern: FilterPattern = { glob, negated, line: aliasLine ?? ownLine };
        if (aliasLine !== undefined) pattern.sourceLine = ownLine;
        patterns.push(pattern);
        return;
      }
      throw new ConfigError(
        `${where} line ${lineOf(node as Node) ?? line}: filter '${name}' must be a list of glob patterns (strings).`,
      );
    };
    collect(pair.value, undefined, 0);
    groups.push({ name, line, patterns });
  }
  return { file, groups };
}

export interface FilterFinding {
  file: string | undefined;
  line: number | undefined;
  group: string;
  message: string;
}

/**
 * Patterns that can never have an effect: a `!` pattern before any positive pattern of its
 * group (it has nothing to remove; upstream's docs-only PRs built everything because of this,
 * PR #8123), a pattern repeating an earlier one with nothing of the opposite sign in between,
 * and empty groups.
 */
export function lintFilters(config: FilterConfig): FilterFinding[] {
  const findings: FilterFinding[] = [];
  for (const group of config.groups) {
    const report = (line: number | undefined, message: string) =>
      findings.push({ file: config.file, line, group: group.name, message });
    if (group.patterns.length === 0) {
      report(group.line, `Filter '${group.name}' has no patterns, so it is always false.`);
      continue;
    }
    const hasPositive = group.patterns.some((pattern) => !pattern.negated);
    let seenPositive = false;
    // Patterns since the last pattern of the opposite sign, by sign: a repeat among them is inert.
    const sinceFlip = { positive: new Map<string, FilterPattern>(), negative: new Map<string, FilterPattern>() };
    for (const pattern of group.patterns) {
      const text = `${pattern.negated ? '!' : ''}${pattern.glob}`;
      const via = pattern.sourceLine !== undefined ? ` (from the alias on line ${pattern.line})` : '';
      if (pattern.negated && hasPositive && !seenPositive) {
        report(
          pattern.line,
          `Pattern '${text}' in filter '${group.name}'${via} comes before any positive pattern, so it never excludes ` +
            'anything: patterns apply in order. Move it after the patterns whose matches it should remove.',
        );
      }
      const same = pattern.negated ? sinceFlip.negative : sinceFlip.positive;
      const earlier = same.get(pattern.glob);
      if (earlier) {
        report(
          pattern.line,
          `Pattern '${text}' in filter '${group.name}'${via} repeats the one on line ${earlier.line ?? '?'} and has no effect.`,
        );
      } else {
        same.set(pattern.glob, pattern);
      }
      (pattern.negated ? sinceFlip.positive : sinceFlip.negative).clear();
      if (!pattern.negated) seenPositive = true;
    }
  }
  return findings;
}

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

export interface GroupMatch {
  name: string;
  /** How many paths the group matched. */
  count: number;
  /** The matched paths as runs of consecutive input indexes: flattened `[start, end)` pairs. */
  runs: number[];
  /** The matched paths, in input order (made from `runs` when first read). */
  readonly files: string[];
  catchAll: boolean;
}

/**
 * A group's result. The path list is made only when asked for: on a big diff the runs are all a
 * caller needs (changed-files cuts its JSON lists by them), and a list per group is 100,000s of
 * array slots for the garbage collector.
 */
class MatchedGroup implements GroupMatch {
  private list: string[] | undefined;

  constructor(
    readonly name: string,
    readonly runs: number[],
    readonly catchAll: boolean,
    private readonly paths: readonly string[],
  ) {}

  get count(): number {
    let count = 0;
    for (let index = 0; index < this.runs.length; index += 2) {
      count += (this.runs[index + 1] as number) - (this.runs[index] as number);
    }
    return count;
  }

  get files(): string[] {
    if (this.list === undefined) {
      const list: string[] = [];
      for (let index = 0; index < this.runs.length; index += 2) {
        for (let at = this.runs[index] as number; at < (this.runs[index + 1] as number); at++) {
          list.push(this.paths[at] as string);
        }
      }
      this.list = list;
    }
    return this.list;
  }
}

export interface MatchOptions {
  /**
   * The caller knows the paths are in strictly ascending order (JavaScript's string order): the
   * matcher skips checking it. Paths as git lists them are, when they are all ASCII (git's order
   * is by bytes; for ASCII that is the same order).
   */
  ascending?: boolean;
}

export interface FilterMatchResult {
  groups: GroupMatch[];
  /** Paths no group matched, leaving out catch-all groups; empty when every group is catch-all. */
  uncovered: string[];
}

type Test = (path: string) => boolean;

/**
 * The compiled matcher. Each distinct glob is compiled once and evaluated at most once per path,
 * and most globs are never tested at all: they are indexed by what a matching path must have.
 * - a literal (`LICENSE`) by the whole path;
 * - `**\/*.ext` by the path's extension, `**\/name` by its base name, `**` always matches;
 * - any other glob with a literal base directory (`lib/**`, `container/templates/dynamo_*`) by
 *   that directory: it is only tested for paths under it;
 * - a glob without `/` or `**` (`*.py`) is tested for files at the root only;
 * - the rest (`**\/*_test.py`, `{a,b}/**`) is tested for every path.
 * Paths in git's (ascending) order, the usual case, are matched as bit sets, a folder's paths
 * being one block of the list (`matchSorted`). Paths in any other order are matched one by one
 * (`matchEach`): most only have hits that depend on their folder and extension (the folder's
 * `dir/**` globs, `**\/*.md`, `**`), so their groups are worked out once per folder and
 * extension and reused; the others go through each group's ordered program with all their hits.
 */
export class FilterMatcher {
  private readonly tests: Test[] = [];
  private readonly byPath = new Map<string, number[]>();
  private readonly byExtension = new Map<string, number[]>();
  private readonly byBaseName = new Map<string, number[]>();
  private readonly byDirectory = new Map<string, number[]>();
  /** For globs indexed by folder: `dir/**`, `dir/*`, or something to test. */
  private readonly directoryShape: number[] = [];
  private readonly always: number[] = [];
  private readonly everywhere: number[] = [];
  /** Globs without `/` or `**` (`*.py`): they only match files at the root. */
  private readonly rootOnly: number[] = [];
  private readonly programs: { group: FilterGroup; ids: Int32Array; negated: Uint8Array; allNegative: boolean }[];
  private readonly coverage: boolean[];

  constructor(readonly groups: readonly FilterGroup[]) {
    const ids = new Map<string, number>();
    const index = (map: Map<string, number[]>, key: string, id: number) => {
      const list = map.get(key);
      if (list) list.push(id);
      else map.set(key, [id]);
    };
    const idOf = (glob: string): number => {
      let id = ids.get(glob);
      if (id !== undefined) return id;
      id = this.tests.length;
      ids.set(glob, id);
      const test = compileGlob(glob);
      this.tests.push(test);
      const extension = /^\*\*\/\*\.([^/.]+)$/.exec(glob)?.[1];
      const baseName = /^\*\*\/([^/]+)$/.exec(glob)?.[1];
      if (!SPECIAL.test(glob)) index(this.byPath, glob, id);
      else if (CATCH_ALL_GLOBS.has(glob) && glob !== '*/**') this.always.push(id);
      else if (extension !== undefined && !SPECIAL.test(extension)) index(this.byExtension, extension, id);
      else if (baseName !== undefined && !SPECIAL.test(baseName)) index(this.byBaseName, baseName, id);
      else if (ROOT_ONLY.test(glob) && !glob.includes('**')) this.rootOnly.push(id);
      else {
        const base = picomatch.scan(glob).base;
        if (base === '' || SPECIAL.test(base)) this.everywhere.push(id);
        else {
          index(this.byDirectory, base, id);
          this.directoryShape[id] = glob === `${base}/**` ? SUBTREE : glob === `${base}/*` ? CHILDREN : OTHER;
        }
      }
      return id;
    };
    this.programs = groups.map((group) => ({
      group,
      ids: Int32Array.from(group.patterns.map((pattern) => idOf(pattern.glob))),
      negated: Uint8Array.from(group.patterns.map((pattern) => (pattern.negated ? 1 : 0))),
      allNegative: group.patterns.length > 0 && group.patterns.every((pattern) => pattern.negated),
    }));
    this.coverage = groups.map((group) => !isCatchAll(group));
  }

  /**
   * Which groups each path falls in, and the paths no (non-catch-all) group covers. A group's
   * path list is read from `paths` when first asked for: leave the array as it is.
   */
  match(paths: readonly string[], options: MatchOptions = {}): FilterMatchResult {
    return this.matchSorted(paths, options.ascending === true) ?? this.matchEach(paths);
  }

  /**
   * Matching paths in ascending order, as git lists them: every path under a folder is then one
   * block of the list, found by binary search, so `dir/**` costs two searches however many paths
   * it matches. Each glob's matches become a bit set (literals and folders by search, extensions
   * and base names in one pass over the paths, the few shapes that need a test only over their
   * folder's block), and each group applies its patterns in order as bit-set operations.
   * Undefined when the paths are not in strictly ascending order (then `matchEach` answers).
   */
  private matchSorted(paths: readonly string[], ascending: boolean): FilterMatchResult | undefined {
    const count = paths.length;
    const { tests, byPath, byExtension, byBaseName, byDirectory, directoryShape, always, everywhere, rootOnly } = this;
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
        if ((tests[ids[at] as number] as Test)(path)) add(ids[at] as number, index);
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
    const onEach =
      everywhere.length > 0 ? (path: string, index: number) => testEach(everywhere, path, index) : undefined;
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
        const test = tests[id] as Test;
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
    const groups = this.programs.map((program, programIndex) => {
      const members = new BitSet(words);
      if (program.allNegative && count > 0) members.fill(0, count);
      program.ids.forEach((id, step) => {
        const set = sets[id];
        if (set === undefined) return;
        if (program.negated[step] === 1) members.remove(set);
        else members.addAll(set);
      });
      if (this.coverage[programIndex]) covered.addAll(members);
      return new MatchedGroup(program.group.name, members.runs(), !this.coverage[programIndex], paths);
    });
    const uncovered: string[] = [];
    if (this.coverage.some(Boolean)) {
      for (let word = 0; word < words; word++) {
        // Bits past the last path are clear in `covered`: keep them out.
        let missing = ~(covered.words[word] as number) & (word === words - 1 ? lastWordMask(count) : 0xffffffff);
        while (missing !== 0) {
          uncovered.push(paths[word * 32 + lowestBit(missing)] as string);
          missing &= missing - 1;
        }
      }
    }
    return { groups, uncovered };
  }

  /** Matching paths in any order: each path on its own (see the class comment). */
  private matchEach(paths: readonly string[]): FilterMatchResult {
    const { tests, programs, byPath, byExtension, byBaseName, byDirectory, directoryShape, always, everywhere } = this;
    // Applying patterns in order, each matching positive sets "in" and each matching negation
    // sets "out", so a group's verdict is the sign of its LAST matching pattern (none matching:
    // "in" only for all-negation groups). Per glob: its last position in each group, flattened.
    const occurrenceStart = new Int32Array(tests.length + 1);
    const occurrenceProgram: number[] = [];
    const occurrencePosition: number[] = [];
    const occurrencePositive: boolean[] = [];
    const lastPositions = programs.map((program) => {
      const last = new Map<number, number>();
      program.ids.forEach((id, step) => {
        last.set(id, step);
      });
      return last;
    });
    for (let id = 0; id < tests.length; id++) {
      occurrenceStart[id] = occurrenceProgram.length;
      lastPositions.forEach((last, programIndex) => {
        const step = last.get(id);
        if (step === undefined) return;
        occurrenceProgram.push(programIndex);
        occurrencePosition.push(step);
        occurrencePositive.push((programs[programIndex] as (typeof programs)[number]).negated[step] === 0);
      });
    }
    occurrenceStart[tests.length] = occurrenceProgram.length;
    const programCount = programs.length;
    const decidedAt = new Uint32Array(programCount);
    const decidedPosition = new Int32Array(programCount);
    const decidedIn = new Uint8Array(programCount);
    const initiallyIn = programs.map((program) => program.allNegative);
    const coverage = this.coverage;
    // Cheap guards before hashing a string: a key's length and last two characters (a path's
    // base name and the path end with the same characters).
    const fingerprints = (map: Map<string, unknown>) => {
      const flags = new Uint8Array(FINGERPRINTS);
      for (const key of map.keys()) {
        if (key !== '') flags[fingerprintOf(key, key.length)] = 1;
      }
      return flags;
    };
    const pathFlags = fingerprints(byPath);
    const baseNameFlags = fingerprints(byBaseName);
    const directoryFlags = fingerprints(byDirectory);
    const hasExtensions = byExtension.size > 0;
    const hasDirectories = byDirectory.size > 0;
    // Per folder: globs that surely match every file in it (`dir/**` of an ancestor, `dir/*` of
    // the folder itself) and globs that need a test (`container/templates/dynamo_*`).
    const directoryCandidates = new Map<string, DirectoryCandidates>();
    const interned = new Map<string, DirectoryCandidates>();
    let lastDirectory: string | undefined;
    let lastCandidates: DirectoryCandidates = { sure: [], test: [] };
    const runs: number[][] = programs.map(() => []);
    const uncovered: string[] = [];
    const hasCoverageGroup = coverage.some(Boolean);
    let stamp = 0;
    const hit = (id: number) => {
      const end = occurrenceStart[id + 1] as number;
      for (let index = occurrenceStart[id] as number; index < end; index++) {
        const program = occurrenceProgram[index] as number;
        const position = occurrencePosition[index] as number;
        if (decidedAt[program] !== stamp || position > (decidedPosition[program] as number)) {
          decidedAt[program] = stamp;
          decidedPosition[program] = position;
          decidedIn[program] = occurrencePositive[index] ? 1 : 0;
        }
      }
    };
    const hitAll = (list: number[] | undefined) => {
      if (list !== undefined) for (let index = 0; index < list.length; index++) hit(list[index] as number);
    };
    const testAll = (list: number[] | undefined, path: string) => {
      if (list === undefined) return;
      for (let index = 0; index < list.length; index++) {
        const id = list[index] as number;
        if ((tests[id] as Test)(path)) hit(id);
      }
    };
    const rootOnly = this.rootOnly;
    /** The groups a path is in, given its hits so far (`hit` calls since `stamp++`). */
    const verdict = (): Membership => {
      const members: number[] = [];
      let covered = false;
      for (let programIndex = 0; programIndex < programCount; programIndex++) {
        const isIn = decidedAt[programIndex] === stamp ? decidedIn[programIndex] === 1 : initiallyIn[programIndex];
        if (isIn) {
          members.push(programIndex);
          if (coverage[programIndex]) covered = true;
        }
      }
      return { members, covered: covered || !hasCoverageGroup };
    };
    // Per folder and extension (`''`: none), the verdict from the hits that depend on nothing else.
    const shared = new Map<DirectoryCandidates, Map<string, Membership>>();
    const noTests: number[] = [];
    let lastShared: Map<string, Membership> = new Map();
    let lastExtension = '';
    let lastMembership: Membership | undefined;
    // The loop is split into small functions: V8 optimizes small functions much sooner, which is
    // what counts for a single pass over the paths.
    /** Paths come grouped by folder (git sorts them): look a folder's globs up once. */
    const enterFolder = (path: string, slash: number): void => {
      lastDirectory = slash === -1 ? '' : path.slice(0, slash);
      let candidates = directoryCandidates.get(lastDirectory);
      if (candidates === undefined) {
        candidates = { sure: [], test: [] };
        for (let at = path.indexOf('/'); at !== -1 && at <= slash; at = path.indexOf('/', at + 1)) {
          for (const id of byDirectory.get(path.slice(0, at)) ?? []) {
            const shape = directoryShape[id];
            if (shape === SUBTREE || (shape === CHILDREN && at === slash)) candidates.sure.push(id);
            else if (shape !== CHILDREN) candidates.test.push(id);
          }
        }
        // Folders with the same globs share one object, and so their verdicts per extension.
        const key = `${candidates.sure.join(',')}|${candidates.test.join(',')}`;
        candidates = interned.get(key) ?? candidates;
        interned.set(key, candidates);
        directoryCandidates.set(lastDirectory, candidates);
      }
      if (candidates !== lastCandidates) {
        lastMembership = undefined;
        lastCandidates = candidates;
        let known = shared.get(candidates);
        if (known === undefined) {
          known = new Map();
          shared.set(candidates, known);
        }
        lastShared = known;
      }
    };
    /** The verdict of a path whose hits depend only on its folder and extension. */
    const sharedVerdict = (path: string, dot: number, extensionLength: number): Membership => {
      const extension = extensionLength > 0 ? path.slice(dot + 1) : extensionLength === 0 ? '.' : '';
      let known = lastShared.get(extension);
      if (known === undefined) {
        stamp++;
        hitAll(always);
        hitAll(lastCandidates.sure);
        if (extensionLength > 0 && hasExtensions) hitAll(byExtension.get(extension));
        known = verdict();
        lastShared.set(extension, known);
      }
      lastMembership = extensionLength > 0 ? known : undefined;
      lastExtension = extension;
      return known;
    };
    /** The verdict of any path, from all its hits. */
    const pathVerdict = (path: string, slash: number, dot: number, tested: number[]): Membership => {
      stamp++;
      hitAll(always);
      const whole = fingerprintOf(path, path.length);
      if (pathFlags[whole] === 1) hitAll(byPath.get(path));
      if (baseNameFlags[fingerprintOf(path, path.length - slash - 1)] === 1)
        hitAll(byBaseName.get(path.slice(slash + 1)));
      if (hasExtensions && dot > slash && dot < path.length - 1) hitAll(byExtension.get(path.slice(dot + 1)));
      if (hasDirectories) {
        hitAll(lastCandidates.sure);
        testAll(lastCandidates.test, path);
        // `dir/**` also matches the path `dir` itself.
        if (directoryFlags[whole] === 1) testAll(byDirectory.get(path), path);
      }
      testAll(tested, path);
      testAll(everywhere, path);
      return verdict();
    };
    const membershipOf = (path: string, slash: number): Membership => {
      const dot = path.lastIndexOf('.');
      const extensionLength = dot > slash ? path.length - dot - 1 : -1;
      const tested = slash === -1 ? rootOnly : noTests;
      const whole = fingerprintOf(path, path.length);
      if (
        pathFlags[whole] === 1 ||
        baseNameFlags[fingerprintOf(path, path.length - slash - 1)] === 1 ||
        (hasDirectories && directoryFlags[whole] === 1) ||
        lastCandidates.test.length !== 0 ||
        everywhere.length !== 0 ||
        tested.length !== 0
      ) {
        return pathVerdict(path, slash, dot, tested);
      }
      if (
        lastMembership !== undefined &&
        extensionLength === lastExtension.length &&
        path.endsWith(lastExtension) &&
        path.charCodeAt(dot) === 46
      ) {
        return lastMembership;
      }
      return sharedVerdict(path, dot, extensionLength);
    };
    if (!hasDirectories) enterFolder('', -1);
    for (let pathIndex = 0; pathIndex < paths.length; pathIndex++) {
      const path = paths[pathIndex] as string;
      const slash = path.lastIndexOf('/');
      if (
        hasDirectories &&
        (lastDirectory === undefined ||
          lastDirectory.length !== Math.max(slash, 0) ||
          (slash > 0 && !path.startsWith(lastDirectory)))
      ) {
        enterFolder(path, slash);
      }
      const membership = membershipOf(path, slash);
      const members = membership.members;
      for (let index = 0; index < members.length; index++) {
        const run = runs[members[index] as number] as number[];
        const end = run.length - 1;
        if (end > 0 && run[end] === pathIndex) run[end] = pathIndex + 1;
        else run.push(pathIndex, pathIndex + 1);
      }
      if (!membership.covered) uncovered.push(path);
    }
    return {
      groups: programs.map(
        (program, programIndex) =>
          new MatchedGroup(program.group.name, runs[programIndex] as number[], !this.coverage[programIndex], paths),
      ),
      uncovered,
    };
  }
}

interface DirectoryCandidates {
  /** Globs that match every file in the folder. */
  sure: number[];
  /** Globs to test on each file of the folder. */
  test: number[];
}

/** The groups (program indexes) a path is in, and whether one of them counts for coverage. */
interface Membership {
  members: number[];
  covered: boolean;
}

/**
 * A set of path indexes, one bit each, and the span of words that can have bits set: most globs
 * match one folder's block, and set operations only walk that span.
 */
class BitSet {
  readonly words: Uint32Array;
  /** Words below `low` and from `high` on are 0. */
  private low: number;
  private high = 0;

  constructor(size: number) {
    this.words = new Uint32Array(size);
    this.low = size;
  }

  add(index: number): void {
    const word = index >>> 5;
    this.words[word] = (this.words[word] as number) | (1 << (index & 31));
    this.widen(word, word + 1);
  }

  /** Add ascending indexes. */
  addEach(indexes: readonly number[]): void {
    if (indexes.length === 0) return;
    const { words } = this;
    for (let at = 0; at < indexes.length; at++) {
      const index = indexes[at] as number;
      words[index >>> 5] = (words[index >>> 5] as number) | (1 << (index & 31));
    }
    this.widen((indexes[0] as number) >>> 5, ((indexes[indexes.length - 1] as number) >>> 5) + 1);
  }

  /** Add the indexes [from, to) (from < to). */
  fill(from: number, to: number): void {
    const first = from >>> 5;
    const last = (to - 1) >>> 5;
    const head = (0xffffffff << (from & 31)) >>> 0;
    const tail = 0xffffffff >>> (31 - ((to - 1) & 31));
    const { words } = this;
    if (first === last) words[first] = (words[first] as number) | (head & tail);
    else {
      words[first] = (words[first] as number) | head;
      words.fill(0xffffffff, first + 1, last);
      words[last] = (words[last] as number) | tail;
    }
    this.widen(first, last + 1);
  }

  addAll(other: BitSet): void {
    orWords(this.words, other.words, other.low, other.high);
    this.widen(other.low, other.high);
  }

  remove(other: BitSet): void {
    andNotWords(this.words, other.words, Math.max(this.low, other.low), Math.min(this.high, other.high));
  }

  /** The runs of set bits, as flattened `[start, end)` pairs. */
  runs(): number[] {
    const runs: number[] = [];
    const { words } = this;
    let carry = 0;
    for (let word = this.low; word < this.high; word++) {
      const bits = words[word] as number;
      // A set bit of `edges` is where a run starts (the bit before it is clear) or ends.
      let edges = (bits ^ ((bits << 1) | carry)) >>> 0;
      carry = bits >>> 31;
      while (edges !== 0) {
        runs.push(word * 32 + lowestBit(edges));
        edges &= edges - 1;
      }
    }
    if (carry === 1) runs.push(this.high * 32);
    return runs;
  }

  private widen(low: number, high: number): void {
    if (low >= high) return;
    if (low < this.low) this.low = low;
    if (high > this.high) this.high = high;
  }
}

function orWords(target: Uint32Array, source: Uint32Array, from: number, to: number): void {
  for (let word = from; word < to; word++) target[word] = (target[word] as number) | (source[word] as number);
}

function andNotWords(target: Uint32Array, source: Uint32Array, from: number, to: number): void {
  for (let word = from; word < to; word++) target[word] = (target[word] as number) & ~(source[word] as number);
}

/** The bits of the last word of a set of `count` indexes that stand for an index. */
function lastWordMask(count: number): number {
  return count % 32 === 0 ? 0xffffffff : 2 ** (count % 32) - 1;
}

/** The index of the lowest set bit of a 32-bit word (not 0). */
function lowestBit(word: number): number {
  return 31 - Math.clz32(word & -word);
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

const FINGERPRINTS = 1 << 20;
/**
 * The fingerprint of the last `length` characters of `text` (a path, or its base name): that
 * length and the last two characters, folded into 20 bits.
 */
function fingerprintOf(text: string, length: number): number {
  const end = text.length;
  const secondLast = length >= 2 ? text.charCodeAt(end - 2) : 0;
  return ((length & 255) << 12) | ((text.charCodeAt(end - 1) & 63) << 6) | (secondLast & 63);
}

const SUBTREE = 1;
/** No `/`, no character class, no escape: `*` and `?` never cross `/`, so only root files match. */
const ROOT_ONLY = /^[^/[\\]+$/;
const CHILDREN = 2;
const OTHER = 3;

/** Characters that make a glob more than a literal (or that picomatch treats specially). */
const SPECIAL = /[*?[\]{}()!+@\\]/;

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

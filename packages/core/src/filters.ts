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
  /** The matched paths, in input order. */
  files: string[];
  catchAll: boolean;
}

export interface FilterMatchResult {
  groups: GroupMatch[];
  /** Paths no group matched, leaving out catch-all groups; empty when every group is catch-all. */
  uncovered: string[];
}

type Test = (path: string) => boolean;

/**
 * The compiled matcher. Each distinct glob is compiled once and tested at most once per path;
 * globs are bucketed by the first segment of their literal base (`lib/**` only ever sees paths
 * under `lib/`), so a path is tested against the globs that can match it, not all of them.
 */
export class FilterMatcher {
  private readonly tests: Test[] = [];
  /** First path segment -> glob ids whose literal base starts with it. */
  private readonly buckets = new Map<string, number[]>();
  /** Glob ids with no literal base (`**`, `*.py`, `**\/*.md`): tested for every path. */
  private readonly everywhere: number[] = [];
  private readonly programs: { group: FilterGroup; ids: Int32Array; negated: Uint8Array; allNegative: boolean }[];
  private readonly coverage: boolean[];

  constructor(readonly groups: readonly FilterGroup[]) {
    const ids = new Map<string, number>();
    const idOf = (glob: string): number => {
      let id = ids.get(glob);
      if (id === undefined) {
        id = this.tests.length;
        ids.set(glob, id);
        this.tests.push(compileGlob(glob));
        const base = picomatch.scan(glob).base;
        const first = base === '' ? undefined : base.split('/')[0];
        if (first === undefined || first === '' || /[\\]/.test(base)) this.everywhere.push(id);
        else {
          const bucket = this.buckets.get(first) ?? [];
          bucket.push(id);
          this.buckets.set(first, bucket);
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

  /** Which groups each path falls in, and the paths no (non-catch-all) group covers. */
  match(paths: readonly string[]): FilterMatchResult {
    const tests = this.tests;
    const programs = this.programs;
    const matched = new Uint32Array(tests.length);
    const groupTouched = new Uint32Array(programs.length);
    // glob id -> groups where it is a positive pattern: only those groups can turn true.
    const positiveGroups: number[][] = tests.map(() => []);
    programs.forEach((program, index) => {
      program.ids.forEach((id, step) => {
        const groups = positiveGroups[id] as number[];
        if (program.negated[step] === 0 && groups.at(-1) !== index) groups.push(index);
      });
    });
    const alwaysRun = programs.flatMap((program, index) => (program.allNegative ? [index] : []));
    const files: string[][] = programs.map(() => []);
    const uncovered: string[] = [];
    const hasCoverageGroup = this.coverage.some(Boolean);
    let stamp = 0;
    const hit = (id: number) => {
      matched[id] = stamp;
      for (const group of positiveGroups[id] as number[]) groupTouched[group] = stamp;
    };
    for (const path of paths) {
      stamp++;
      for (const id of this.everywhere) if ((tests[id] as Test)(path)) hit(id);
      const slash = path.indexOf('/');
      const bucket = this.buckets.get(slash === -1 ? path : path.slice(0, slash));
      if (bucket) for (const id of bucket) if ((tests[id] as Test)(path)) hit(id);
      for (const index of alwaysRun) groupTouched[index] = stamp;
      let covered = false;
      for (let index = 0; index < programs.length; index++) {
        if (groupTouched[index] !== stamp) continue;
        const { ids, negated, allNegative } = programs[index] as (typeof programs)[number];
        let state = allNegative;
        for (let step = 0; step < ids.length; step++) {
          if (negated[step] === 1) {
            if (state && matched[ids[step] as number] === stamp) state = false;
          } else if (!state && matched[ids[step] as number] === stamp) {
            state = true;
          }
        }
        if (state) {
          (files[index] as string[]).push(path);
          if (this.coverage[index]) covered = true;
        }
      }
      if (!covered && hasCoverageGroup) uncovered.push(path);
    }
    return {
      groups: programs.map((program, index) => ({
        name: program.group.name,
        files: files[index] as string[],
        catchAll: !this.coverage[index],
      })),
      uncovered,
    };
  }
}

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

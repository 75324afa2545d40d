/**
 * The matcher: which filter groups a set of paths touches, patterns applied in order as
 * tj-actions/changed-files applies them (a positive pattern adds the paths it matches, a
 * `!pattern` removes the paths it matches from what earlier patterns added, a later positive adds
 * them back; a group of only `!` patterns matches every path none of them excludes), and which
 * paths no group covers.
 *
 * Two strategies answer the same question: paths in git's (ascending) order, the usual case, are
 * matched as bit sets, a folder's paths being one block of the list (match-sorted.ts); paths in
 * any other order one by one (match-each.ts). Both work on the globs compiled and indexed once
 * per matcher (glob-index.ts).
 */
import type { FilterGroup } from './config.js';
import { type CompiledFilters, compileFilters } from './glob-index.js';
import { matchEach } from './match-each.js';
import { matchSorted } from './match-sorted.js';

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

/** Filter groups compiled once, to match any number of path lists against. */
export class FilterMatcher {
  private readonly compiled: CompiledFilters;

  constructor(readonly groups: readonly FilterGroup[]) {
    this.compiled = compileFilters(groups);
  }

  /**
   * Which groups each path falls in, and the paths no (non-catch-all) group covers. A group's
   * path list is read from `paths` when first asked for: leave the array as it is.
   */
  match(paths: readonly string[], options: MatchOptions = {}): FilterMatchResult {
    const { programs, coverage } = this.compiled;
    const { runs, uncovered } =
      matchSorted(this.compiled, paths, options.ascending === true) ?? matchEach(this.compiled, paths);
    return {
      groups: programs.map(
        (program, programIndex) =>
          new MatchedGroup(program.group.name, runs[programIndex] as number[], !coverage[programIndex], paths),
      ),
      uncovered,
    };
  }
}

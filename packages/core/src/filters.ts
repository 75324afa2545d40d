/**
 * Filter groups: named, ordered lists of glob patterns read from YAML (a file or inline text),
 * and the matcher that decides which groups a set of paths touches. One module per job, under
 * filters/:
 * - config.ts: the filters file (YAML, anchors and aliases, the line of every pattern);
 * - lint.ts: patterns that can never have an effect;
 * - glob.ts: one glob as a test, with the semantics of tj-actions/changed-files;
 * - matcher.ts: groups applied in order to a list of paths, over glob-index.ts (globs compiled
 *   and indexed once) and two strategies: match-sorted.ts (git's order, with bitset.ts) and
 *   match-each.ts (any order).
 *
 * ```ts
 * const config = loadFilters('.github/filters.yaml', repoRoot);   // or parseFilters(yamlText)
 * const findings = lintFilters(config);                             // warnings with file and line
 * const result = new FilterMatcher(config.groups).match(paths);      // per group: matched paths
 * ```
 */
export {
  FILTER_NAME,
  type FilterConfig,
  type FilterGroup,
  type FilterPattern,
  loadFilters,
  parseFilters,
} from './filters/config.js';
export { compileGlob, isCatchAll } from './filters/glob.js';
export { type FilterFinding, lintFilters } from './filters/lint.js';
export { FilterMatcher, type FilterMatchResult, type GroupMatch, type MatchOptions } from './filters/matcher.js';

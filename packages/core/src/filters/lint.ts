/**
 * Lint of a filters file: patterns that can never have an effect, reported with the file and
 * line so they become annotations on the filters file.
 */
import type { FilterConfig, FilterPattern } from './config.js';

export interface FilterFinding {
  file: string | undefined;
  line: number | undefined;
  group: string;
  message: string;
}

/**
 * Patterns that can never have an effect: a `!` pattern before any positive pattern of its
 * group (it has nothing to remove, so a `!docs/**` meant to keep docs-only changes out keeps
 * nothing out), a pattern repeating an earlier one with nothing of the opposite sign in between,
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

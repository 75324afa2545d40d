/**
 * `ignore` globs with .gitignore-like meaning, so users need not know glob dialects: a pattern
 * without `/` matches a base name at any depth (`*.md`), a pattern that matches a folder ignores
 * everything under it (`.github`, `lib/llm/tests/data`), a leading `/` anchors at the repository
 * root, and `!pattern` re-includes; the last matching pattern wins. Pure.
 */
import picomatch from 'picomatch';

interface CompiledPattern {
  negated: boolean;
  isMatch: (path: string) => boolean;
}

export type IgnoreMatcher = (path: string) => boolean;

export function compileIgnore(patterns: readonly string[]): IgnoreMatcher {
  const compiled: CompiledPattern[] = patterns.map((raw) => {
    const negated = raw.startsWith('!');
    let pattern = negated ? raw.slice(1) : raw;
    pattern = pattern.replace(/\/+$/, '');
    const anchored = pattern.startsWith('/') || pattern.includes('/');
    pattern = pattern.replace(/^\/+/, '');
    return { negated, isMatch: picomatch(pattern, { dot: true, basename: !anchored }) };
  });
  if (compiled.length === 0) return () => false;
  return (path) => {
    let ignored = false;
    for (const pattern of compiled) {
      if (pattern.negated === ignored && matchesPathOrParent(pattern.isMatch, path)) ignored = !pattern.negated;
    }
    return ignored;
  };
}

function matchesPathOrParent(isMatch: (path: string) => boolean, path: string): boolean {
  if (isMatch(path)) return true;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (isMatch(path.slice(0, slash))) return true;
  }
  return false;
}

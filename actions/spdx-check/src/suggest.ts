/**
 * Corrections for bad license identifiers (`BSD-3` -> `BSD-3-Clause`, `Apache-2` -> `Apache-2.0`)
 * through spdx-correct. Imported dynamically, only when an invalid expression needs a hint:
 * spdx-correct sorts its tables with `localeCompare` when it loads, which costs every run
 * tens of milliseconds.
 */
import correctIdentifier from 'spdx-correct';
import parseExpression from 'spdx-expression-parse';
import { CANONICAL_EXCEPTIONS, CANONICAL_LICENSES, isReference, joinTokens, OPERATORS, tokenize } from './license.js';

/** A corrected expression when every unknown identifier has a confident correction. */
export function suggestLicense(expression: string): string | undefined {
  const tokens = tokenize(expression.trim());
  let afterWith = false;
  let changed = false;
  const corrected: string[] = [];
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (OPERATORS.has(lower)) {
      afterWith = lower === 'with';
      corrected.push(lower.toUpperCase());
      continue;
    }
    if (token === '(' || token === ')') {
      corrected.push(token);
      continue;
    }
    const bare = token.replace(/\+$/, '');
    if (afterWith) {
      afterWith = false;
      const canonical = CANONICAL_EXCEPTIONS.get(bare.toLowerCase());
      if (!canonical) return undefined;
      corrected.push(canonical);
      continue;
    }
    const canonical = CANONICAL_LICENSES.get(bare.toLowerCase());
    if (canonical || isReference(token)) {
      corrected.push(token === bare ? (canonical ?? token) : `${canonical ?? bare}+`);
      continue;
    }
    const guess = correctIdentifier(bare.replace(/^[^A-Za-z0-9]+/, ''), { upgrade: true });
    if (!guess) return undefined;
    corrected.push(guess);
    changed = true;
  }
  if (!changed) return undefined;
  const suggestion = joinTokens(corrected);
  try {
    parseExpression(suggestion);
    return suggestion;
  } catch {
    return undefined;
  }
}

/**
 * SPDX license expressions: normalise case (identifiers are case-insensitive in SPDX, operators
 * are written upper-case) and validate against the SPDX license and exception lists. Corrections
 * for bad identifiers live in `suggest.ts`, loaded only when one is needed.
 */
import exceptionIds from 'spdx-exceptions';
import parseExpression from 'spdx-expression-parse';
import licenseIds from 'spdx-license-ids';
import deprecatedIds from 'spdx-license-ids/deprecated.json';

export const CANONICAL_LICENSES = new Map<string, string>();
for (const id of [...licenseIds, ...deprecatedIds]) CANONICAL_LICENSES.set(id.toLowerCase(), id);
export const CANONICAL_EXCEPTIONS = new Map<string, string>();
for (const id of exceptionIds) CANONICAL_EXCEPTIONS.set(id.toLowerCase(), id);
const DEPRECATED = new Set(deprecatedIds);

export const OPERATORS = new Set(['and', 'or', 'with']);

export type LicenseCheck = { valid: true; normalized: string; deprecated: string[] } | { valid: false; reason: string };

/** Split an expression into identifiers, operators and parentheses. */
export function tokenize(expression: string): string[] {
  return expression.match(/\(|\)|[^\s()]+/g) ?? [];
}

/**
 * Validate an SPDX expression. `LicenseRef-*` and `DocumentRef-*:LicenseRef-*` are valid by
 * definition. The normalised form uses the list's spelling of every identifier, upper-case
 * operators and single spaces, so `apache-2.0` and `Apache-2.0` compare equal.
 */
export function checkLicense(expression: string): LicenseCheck {
  // Nearly every file of a repository carries the same expression: judge each text once.
  let result = CHECKED.get(expression);
  if (result === undefined) {
    result = judge(expression);
    if (CHECKED.size < 1000) CHECKED.set(expression, result);
  }
  return result;
}

const CHECKED = new Map<string, LicenseCheck>();

function judge(expression: string): LicenseCheck {
  const tokens = tokenize(expression.trim());
  if (tokens.length === 0) return { valid: false, reason: 'the license expression is empty' };
  const deprecated: string[] = [];
  let afterWith = false;
  const normalizedTokens = tokens.map((token) => {
    const lower = token.toLowerCase();
    if (OPERATORS.has(lower)) {
      afterWith = lower === 'with';
      return lower.toUpperCase();
    }
    if (token === '(' || token === ')') return token;
    const plus = token.endsWith('+') ? '+' : '';
    const bare = plus ? token.slice(0, -1) : token;
    const table = afterWith ? CANONICAL_EXCEPTIONS : CANONICAL_LICENSES;
    afterWith = false;
    const canonical = table.get(bare.toLowerCase());
    if (canonical && DEPRECATED.has(canonical)) deprecated.push(canonical);
    return (canonical ?? bare) + plus;
  });
  const normalized = joinTokens(normalizedTokens);
  try {
    parseExpression(normalized);
    return { valid: true, normalized, deprecated };
  } catch {
    const unknown = unknownIdentifiers(tokens);
    const reason =
      unknown.length > 0
        ? `${unknown.map((id) => JSON.stringify(id)).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not on the SPDX license list`
        : `${JSON.stringify(expression.trim())} is not a valid SPDX license expression`;
    return { valid: false, reason };
  }
}

export function joinTokens(tokens: readonly string[]): string {
  return tokens.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

export function isReference(token: string): boolean {
  return /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(token);
}

function unknownIdentifiers(tokens: readonly string[]): string[] {
  const unknown: string[] = [];
  let afterWith = false;
  for (const token of tokens) {
    const lower = token.toLowerCase();
    if (OPERATORS.has(lower)) {
      afterWith = lower === 'with';
      continue;
    }
    if (token === '(' || token === ')') continue;
    const bare = token.replace(/\+$/, '').toLowerCase();
    const known = afterWith ? CANONICAL_EXCEPTIONS.has(bare) : CANONICAL_LICENSES.has(bare) || isReference(token);
    if (!known) unknown.push(token);
    afterWith = false;
  }
  return unknown;
}

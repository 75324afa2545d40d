/**
 * Typed input parsers. Each takes the raw input (undefined when empty or unset) and the input's
 * name, and returns the typed value or throws an InputError that names the input and what was
 * expected. They are pure: `readInput` from the runner supplies the raw strings.
 */
import { InputError } from './errors.js';

/** Empty or whitespace-only values are `undefined`, never `''`. */
export function optional(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  return raw.trim() === '' ? undefined : raw;
}

export function required(raw: string | undefined, name: string): string {
  const value = optional(raw);
  if (value === undefined) {
    throw new InputError(name, `Input required and not supplied: ${name}. Set it in the step's 'with:' block.`);
  }
  return value;
}

const TRUE = new Set(['true', 'True', 'TRUE', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'False', 'FALSE', 'no', 'off', '0']);

export function boolean(raw: string | undefined, name: string, defaultValue: boolean): boolean {
  const value = optional(raw)?.trim();
  if (value === undefined) return defaultValue;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new InputError(name, `Input '${name}' must be true or false, got ${JSON.stringify(value)}`);
}

/** A list separated by newlines or commas; blank entries and `#` comment lines are dropped. */
export function list(raw: string | undefined, options: { comma?: boolean } = {}): string[] {
  const value = optional(raw);
  if (value === undefined) return [];
  const separator = options.comma === false ? /\r?\n/ : /\r?\n|,/;
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'));
}

export function oneOf<const T extends string>(
  raw: string | undefined,
  name: string,
  allowed: readonly T[],
  defaultValue: T,
): T {
  const value = optional(raw)?.trim();
  if (value === undefined) return defaultValue;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new InputError(name, `Input '${name}' must be one of ${allowed.join('|')}, got ${JSON.stringify(value)}`);
}

export function integer(
  raw: string | undefined,
  name: string,
  defaultValue: number,
  range: { min?: number; max?: number } = {},
): number {
  const value = optional(raw)?.trim();
  if (value === undefined) return defaultValue;
  if (!/^-?\d+$/.test(value)) {
    throw new InputError(name, `Input '${name}' must be a whole number, got ${JSON.stringify(value)}`);
  }
  const parsed = Number(value);
  if ((range.min !== undefined && parsed < range.min) || (range.max !== undefined && parsed > range.max)) {
    const bounds =
      range.min === undefined
        ? `at most ${range.max}`
        : range.max === undefined
          ? `at least ${range.min}`
          : `between ${range.min} and ${range.max}`;
    throw new InputError(name, `Input '${name}' must be ${bounds}, got ${parsed}`);
  }
  return parsed;
}

export function number(raw: string | undefined, name: string, defaultValue: number, min = 0): number {
  const value = optional(raw)?.trim();
  if (value === undefined) return defaultValue;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) {
    throw new InputError(name, `Input '${name}' must be a number >= ${min}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: `90s`, `15m`, `1h30m`, `250ms`, or a bare number in `bareUnit`
 * (minutes for the `*-minutes` inputs, seconds elsewhere).
 */
export function duration(
  raw: string | undefined,
  name: string,
  defaultMs: number,
  bareUnit: 'ms' | 's' | 'm' | 'h' = 's',
): number {
  const value = optional(raw)?.trim();
  if (value === undefined) return defaultMs;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * (UNIT_MS[bareUnit] as number);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== value) {
    throw new InputError(
      name,
      `Input '${name}' must be a duration like 90s, 15m or 1h30m, got ${JSON.stringify(value)}`,
    );
  }
  return parts.reduce((total, part) => total + Number(part[1]) * (UNIT_MS[part[2] as string] as number), 0);
}

export function json<T = unknown>(raw: string | undefined, name: string): T | undefined {
  const value = optional(raw);
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(name, `Input '${name}' must be valid JSON (${reason})`);
  }
}

/**
 * Multiline `KEY=VALUE` pairs (build args, env). The value is everything after the first `=`;
 * blank lines and `#` comments are skipped. Keys must be identifiers-with-dashes-and-dots.
 */
export function keyValues(raw: string | undefined, name: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const value = optional(raw);
  if (value === undefined) return pairs;
  for (const [index, line] of value.split(/\r?\n/).entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const separator = trimmed.indexOf('=');
    const key = separator === -1 ? trimmed : trimmed.slice(0, separator).trim();
    if (separator === -1 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new InputError(
        name,
        `Input '${name}' line ${index + 1} must be KEY=VALUE, got ${JSON.stringify(trimmed.slice(0, 80))}`,
      );
    }
    pairs.set(key, trimmed.slice(separator + 1));
  }
  return pairs;
}

/**
 * `${{ }}` evaluation with GitHub's own @actions/expressions: contexts are plain JSON values
 * (turned into the library's case-insensitive data), the status functions (success, failure,
 * cancelled, always) come from the caller, who knows whether it evaluates a job's or a step's
 * condition. Template tokens from @actions/workflow-parser are walked into plain values, each
 * embedded expression evaluated in place, as the runner does for `with:`, `env:` and `strategy:`.
 */
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import { falsy } from '@actions/expressions/result';
import { isBasicExpression, isBoolean, isMapping, isNumber, isSequence, isString } from '@actions/workflow-parser';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';

/** Plain JSON as contexts hold it. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The contexts an expression may read (`github`, `inputs`, `needs`, `matrix`, ...). */
export type Contexts = Record<string, Json | undefined>;

/** The job's or step's status as the status functions see it. */
export interface Status {
  success: () => boolean;
  failure: () => boolean;
  cancelled: () => boolean;
}

/** Outside a job (`with:` of a reusable call, `strategy:`): nothing failed and nothing was cancelled. */
export const NO_STATUS: Status = { success: () => true, failure: () => false, cancelled: () => false };

const STATUS_FUNCTIONS = ['success', 'failure', 'cancelled', 'always'] as const;

/** An expression that could not be parsed or evaluated, with the expression it was. */
export class ExpressionFailure extends Error {
  constructor(
    readonly expression: string,
    cause: unknown,
  ) {
    super(`cannot evaluate \${{ ${expression} }}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function toData(value: Json | undefined): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

function fromData(value: data.ExpressionData): Json {
  return JSON.parse(JSON.stringify(value, data.replacer)) as Json;
}

/** Evaluate one expression (the text inside `${{ }}`) to a plain value. */
export function evaluate(expression: string, contexts: Contexts, status: Status = NO_STATUS): Json {
  const functions = new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      {
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () => new data.BooleanData(name === 'always' ? true : status[name]()),
      },
    ]),
  );
  try {
    const names = Object.keys(contexts);
    const tree = new Parser(new Lexer(expression).lex().tokens, names, [...functions.values()]).parse();
    const dictionary = new data.Dictionary(...names.map((key) => ({ key, value: toData(contexts[key]) })));
    return fromData(new Evaluator(tree, dictionary, functions).evaluate());
  } catch (error) {
    throw new ExpressionFailure(expression, error);
  }
}

/** GitHub's truthiness: false, 0, -0, '', null and NaN are false; everything else is true. */
export function truthy(value: Json): boolean {
  return !falsy(toData(value));
}

/** A value as a string the way the runner coerces it into `with:` and `env:` (true -> 'true', null -> ''). */
export function asString(value: Json | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

/**
 * A workflow template token as a plain value: literals as they are, each expression evaluated,
 * mappings and sequences walked (a mapping key may itself be an expression).
 */
export function evaluateToken(token: TemplateToken | undefined, contexts: Contexts, status: Status = NO_STATUS): Json {
  if (token === undefined) return null;
  if (isBasicExpression(token)) return evaluate(token.expression, contexts, status);
  if (isString(token) || isNumber(token) || isBoolean(token)) return token.value;
  if (isSequence(token)) return [...token].map((item) => evaluateToken(item, contexts, status));
  if (isMapping(token)) {
    const result: Record<string, Json> = {};
    for (const pair of token) {
      result[asString(evaluateToken(pair.key, contexts, status))] = evaluateToken(pair.value, contexts, status);
    }
    return result;
  }
  if (token.isExpression) throw new Error(`${token.toString()}: only \${{ }} expressions are supported here`);
  return null;
}

/** `${{ }}` in a plain string (an action.yml default, a test's template) replaced by their values. */
export function interpolate(text: string, contexts: Contexts, status: Status = NO_STATUS): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) =>
    asString(evaluate(expression.trim(), contexts, status)),
  );
}

/**
 * A workflow value as the runner evaluates it: a string that is one whole `${{ }}` keeps the
 * expression's type (`cancel-in-progress: ${{ ... }}` is a boolean), any other string is
 * interpolated, and non-strings stay as they are.
 */
export function evaluateValue(value: Json | undefined, contexts: Contexts, status: Status = NO_STATUS): Json {
  if (typeof value !== 'string') return value ?? null;
  const whole = /^\s*\$\{\{(.*)\}\}\s*$/s.exec(value);
  if (whole && !(whole[1] as string).includes('${{')) return evaluate((whole[1] as string).trim(), contexts, status);
  return interpolate(value, contexts, status);
}

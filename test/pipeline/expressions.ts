/**
 * A small evaluator for GitHub Actions expressions (`${{ ... }}`), enough to evaluate what the
 * workflow invariants need (concurrency groups and `cancel-in-progress` under a given context):
 * literals, property access (`a.b`, `a['b']`, hyphenated names), `!`, comparisons, `&&`/`||`
 * (returning operand values, as GitHub does), and the functions startsWith, endsWith, contains,
 * format, toJSON, fromJSON, always, success, failure, cancelled.
 */

type Value = unknown;

interface Token {
  kind: 'num' | 'str' | 'ident' | 'op' | 'eof';
  text: string;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index] as string;
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    if (char === "'") {
      let text = '';
      index++;
      while (index < source.length) {
        if (source[index] === "'" && source[index + 1] === "'") {
          text += "'";
          index += 2;
        } else if (source[index] === "'") break;
        else text += source[index++];
      }
      if (source[index] !== "'") throw new Error(`unterminated string in ${source}`);
      index++;
      tokens.push({ kind: 'str', text });
      continue;
    }
    const two = source.slice(index, index + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push({ kind: 'op', text: two });
      index += 2;
      continue;
    }
    if ('!<>()[].,*'.includes(char)) {
      tokens.push({ kind: 'op', text: char });
      index++;
      continue;
    }
    const number = /^-?\d+(\.\d+)?/.exec(source.slice(index));
    if (number && (tokens.length === 0 || tokens.at(-1)?.kind === 'op')) {
      tokens.push({ kind: 'num', text: number[0] });
      index += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(index));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0] });
      index += ident[0].length;
      continue;
    }
    throw new Error(`unexpected character ${JSON.stringify(char)} in ${source}`);
  }
  tokens.push({ kind: 'eof', text: '' });
  return tokens;
}

function truthy(value: Value): boolean {
  return !(
    value === false ||
    value === 0 ||
    value === '' ||
    value === null ||
    value === undefined ||
    Number.isNaN(value)
  );
}

function coerceNumber(value: Value): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

function equals(left: Value, right: Value): boolean {
  if (typeof left === 'string' && typeof right === 'string') return left.toLowerCase() === right.toLowerCase();
  if (typeof left === typeof right && (typeof left === 'object' || left === undefined)) return left === right;
  return coerceNumber(left) === coerceNumber(right);
}

function toText(value: Value): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  startswith: (a, b) => toText(a).toLowerCase().startsWith(toText(b).toLowerCase()),
  endswith: (a, b) => toText(a).toLowerCase().endsWith(toText(b).toLowerCase()),
  contains: (a, b) =>
    Array.isArray(a) ? a.some((item) => equals(item, b)) : toText(a).toLowerCase().includes(toText(b).toLowerCase()),
  format: (template, ...args) => toText(template).replace(/\{(\d+)\}/g, (_, index) => toText(args[Number(index)])),
  tojson: (value) => JSON.stringify(value ?? null, null, 2),
  fromjson: (value) => JSON.parse(toText(value)),
  always: () => true,
  success: () => true,
  failure: () => false,
  cancelled: () => false,
};

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly context: Record<string, Value>,
  ) {}

  parse(): Value {
    const value = this.or();
    if (this.peek().kind !== 'eof') throw new Error(`unexpected ${this.peek().text}`);
    return value;
  }

  private peek(): Token {
    return this.tokens[this.position] as Token;
  }

  private take(text?: string): Token {
    const token = this.peek();
    if (text !== undefined && token.text !== text) throw new Error(`expected ${text}, got ${token.text || 'end'}`);
    this.position++;
    return token;
  }

  private or(): Value {
    let left = this.and();
    while (this.peek().text === '||') {
      this.take();
      const right = this.and();
      left = truthy(left) ? left : right;
    }
    return left;
  }

  private and(): Value {
    let left = this.comparison();
    while (this.peek().text === '&&') {
      this.take();
      const right = this.comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }

  private comparison(): Value {
    let left = this.unary();
    while (['==', '!=', '<', '>', '<=', '>='].includes(this.peek().text)) {
      const op = this.take().text;
      const right = this.unary();
      if (op === '==') left = equals(left, right);
      else if (op === '!=') left = !equals(left, right);
      else {
        const a = coerceNumber(left);
        const b = coerceNumber(right);
        left = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      }
    }
    return left;
  }

  private unary(): Value {
    if (this.peek().text === '!') {
      this.take();
      return !truthy(this.unary());
    }
    return this.postfix();
  }

  private postfix(): Value {
    let value = this.primary();
    for (;;) {
      if (this.peek().text === '.') {
        this.take();
        const name = this.take();
        if (name.text === '*') value = Array.isArray(value) ? value : Object.values((value as object) ?? {});
        else value = property(value, name.text);
      } else if (this.peek().text === '[') {
        this.take();
        const key = this.or();
        this.take(']');
        value = property(value, toText(key));
      } else return value;
    }
  }

  private primary(): Value {
    const token = this.take();
    if (token.kind === 'str') return token.text;
    if (token.kind === 'num') return Number(token.text);
    if (token.text === '(') {
      const value = this.or();
      this.take(')');
      return value;
    }
    if (token.kind === 'ident') {
      const lower = token.text.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      if (this.peek().text === '(') {
        this.take();
        const args: Value[] = [];
        while (this.peek().text !== ')') {
          args.push(this.or());
          if (this.peek().text === ',') this.take();
        }
        this.take(')');
        const fn = FUNCTIONS[lower];
        if (!fn) throw new Error(`unknown function ${token.text}`);
        return fn(...args);
      }
      return this.context[token.text];
    }
    throw new Error(`unexpected ${token.text || 'end of expression'}`);
  }
}

function property(value: Value, name: string): Value {
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, Value>;
  if (name in record) return record[name];
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : record[key];
}

/** Evaluate one expression (without the `${{ }}`). */
export function evaluate(expression: string, context: Record<string, Value>): Value {
  return new Parser(tokenize(expression), context).parse();
}

/**
 * Evaluate a workflow value: a string that is exactly one `${{ }}` keeps the expression's type;
 * a string with embedded expressions is interpolated; anything else is returned as is.
 */
export function evaluateValue(value: Value, context: Record<string, Value>): Value {
  if (typeof value !== 'string') return value;
  const whole = /^\s*\$\{\{(.*?)\}\}\s*$/s.exec(value);
  if (whole && !whole[1]?.includes('}}')) return evaluate(whole[1] as string, context);
  return value.replace(/\$\{\{(.*?)\}\}/gs, (_, expression: string) => toText(evaluate(expression, context)));
}

export { truthy };

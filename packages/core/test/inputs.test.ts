import { describe, expect, it } from 'vitest';
import { InputError, inputs } from '../src/index.js';

describe('input parsers', () => {
  it.each([
    ['true', true],
    ['false', false],
    ['  TRUE ', true],
    ['0', false],
    [undefined, true],
    ['', true],
  ])('boolean(%j) with default true is %j', (raw, expected) => {
    expect(inputs.boolean(raw, 'force-all', true)).toBe(expected);
  });

  it('names the input and the expected values', () => {
    expect(() => inputs.boolean('maybe', 'force-all', false)).toThrow(
      new InputError('force-all', `Input 'force-all' must be true or false, got "maybe"`),
    );
    expect(() => inputs.oneOf('maybe', 'uncovered', ['fail', 'warn', 'ignore'], 'warn')).toThrow(
      `Input 'uncovered' must be one of fail|warn|ignore, got "maybe"`,
    );
    expect(() => inputs.required('   ', 'needs')).toThrow('Input required and not supplied: needs');
    expect(() => inputs.integer('2.5', 'reruns', 0)).toThrow(`Input 'reruns' must be a whole number, got "2.5"`);
    expect(() => inputs.integer('9', 'reruns', 0, { min: 0, max: 5 })).toThrow(
      `Input 'reruns' must be between 0 and 5, got 9`,
    );
    expect(() => inputs.integer('0', 'shard-count', 1, { min: 1 })).toThrow(
      `Input 'shard-count' must be at least 1, got 0`,
    );
    expect(() => inputs.json('{', 'needs')).toThrow(/^Input 'needs' must be valid JSON/);
  });

  it('splits lists on newlines and commas, dropping blanks and comments', () => {
    expect(inputs.list('a, b\n\n# note\nc,')).toEqual(['a', 'b', 'c']);
    expect(inputs.list('a,b\nc d', { comma: false })).toEqual(['a,b', 'c d']);
    expect(inputs.list(undefined)).toEqual([]);
  });

  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['30', 1_800_000],
  ])('duration(%j) in minutes by default is %d ms', (raw, expected) => {
    expect(inputs.duration(raw, 'timeout-minutes', 0, 'm')).toBe(expected);
  });

  it('rejects a malformed duration', () => {
    expect(() => inputs.duration('10 minutes', 'timeout', 0)).toThrow(
      `Input 'timeout' must be a duration like 90s, 15m or 1h30m, got "10 minutes"`,
    );
    expect(() => inputs.duration('5x', 'timeout', 0)).toThrow(InputError);
  });

  it('parses KEY=VALUE lines, keeping = inside values', () => {
    const pairs = inputs.keyValues('A=1\n# c\n\nB_C.d=x=y\nEMPTY=', 'build-args');
    expect([...pairs]).toEqual([
      ['A', '1'],
      ['B_C.d', 'x=y'],
      ['EMPTY', ''],
    ]);
    expect(() => inputs.keyValues('A=1\n$(rm -rf)=2', 'build-args')).toThrow(
      `Input 'build-args' line 2 must be KEY=VALUE, got "$(rm -rf)=2"`,
    );
  });

  it('treats empty optional values as undefined, never ""', () => {
    expect(inputs.optional('')).toBeUndefined();
    expect(inputs.optional('  \n')).toBeUndefined();
    expect(inputs.optional(' x ')).toBe(' x ');
  });
});

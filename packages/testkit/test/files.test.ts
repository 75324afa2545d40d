import { describe, expect, it } from 'vitest';
import { parseFileCommands, parseWorkflowCommands } from '../src/index.js';

describe('file command parsing', () => {
  it('reads name=value lines and heredocs, keeping newlines and = in values', () => {
    const text = 'a=1\nb<<ghadelimiter_1\nline 1\nx=y\n\nghadelimiter_1\nc=\n';
    expect(parseFileCommands(text)).toEqual({ a: '1', b: 'line 1\nx=y\n', c: '' });
  });

  it('rejects an unterminated heredoc and a malformed line', () => {
    expect(() => parseFileCommands('a<<EOF\nvalue\n')).toThrow('Unterminated heredoc for a');
    expect(() => parseFileCommands('just text\n')).toThrow('Malformed file command line');
  });
});

describe('workflow command parsing', () => {
  it('reads annotations with escaped properties, masks and groups', () => {
    const stdout = [
      '::add-mask::s3cret',
      '::group::Diff',
      'plain line',
      '::endgroup::',
      '::error file=dir/a%2Cb.py,line=12,endLine=14,col=3,title=Bad%3A header::missing%0Aheader %25',
      '::notice::done',
    ].join('\n');
    const parsed = parseWorkflowCommands(stdout);
    expect(parsed.masks).toEqual(['s3cret']);
    expect(parsed.groups).toEqual(['Diff']);
    expect(parsed.log).toEqual(['plain line']);
    expect(parsed.annotations).toEqual([
      {
        level: 'error',
        message: 'missing\nheader %',
        file: 'dir/a,b.py',
        line: 12,
        endLine: 14,
        col: 3,
        title: 'Bad: header',
      },
      { level: 'notice', message: 'done' },
    ]);
  });
});

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

describe('workflow command parsing as the runner does it', () => {
  it('reads the older ##[ form anywhere in a line, with its own escapes', () => {
    const parsed = parseWorkflowCommands(
      ['step 3: ##[error]forged%5D', '##[add-mask]hidden', '##[set-output name=a%3Bb]v', '##[unknown]text'].join('\n'),
    );
    expect(parsed.annotations).toEqual([{ level: 'error', message: 'forged]' }]);
    expect(parsed.masks).toEqual(['hidden']);
    expect(parsed.outputs).toEqual({ 'a;b': 'v' });
    expect(parsed.log).toEqual(['##[unknown]text']);
  });

  it('splits lines at a lone CR too, and takes command names case-insensitively', () => {
    const parsed = parseWorkflowCommands('progress 10%\r  ::ERROR::after a carriage return\n::save-state name=s::1');
    expect(parsed.annotations).toEqual([{ level: 'error', message: 'after a carriage return' }]);
    expect(parsed.state).toEqual({ s: '1' });
    expect(parsed.log).toEqual(['progress 10%']);
  });

  it('executes nothing between ::stop-commands::<token> and ::<token>::', () => {
    const stdout = [
      '::stop-commands::tok3n',
      '::add-mask::x',
      '::error::x',
      '::set-output name=a::b',
      '##[error]x',
      '::stop-commands::other',
      '::other::',
      '##[tok3n]',
      '::warning::commands work again',
    ].join('\n');
    const parsed = parseWorkflowCommands(stdout);
    expect(parsed.masks).toEqual([]);
    expect(parsed.outputs).toEqual({});
    expect(parsed.annotations).toEqual([{ level: 'warning', message: 'commands work again' }]);
    expect(parsed.log).toEqual([
      '::add-mask::x',
      '::error::x',
      '::set-output name=a::b',
      '##[error]x',
      '::stop-commands::other',
      '::other::',
    ]);
  });

  it('never resumes after an empty stop token', () => {
    const parsed = parseWorkflowCommands('::stop-commands::\n::::\n::error::still text');
    expect(parsed.annotations).toEqual([]);
    expect(parsed.log).toEqual(['::::', '::error::still text']);
  });
});

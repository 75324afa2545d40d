import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFileCommands, parseWorkflowCommands, scratchDir } from '@dynamo-ci/testkit';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRunner, InputError, redact, runAction } from '../src/index.js';
import { resumeCommands } from '../src/protocol.js';
import { captureRunnerIO } from './capture.js';

const dir = scratchDir('runner-test-');

/**
 * A runner whose file commands go to temp files, as on a hosted runner: emptied for each test, and
 * at the same paths, as in one step (`@actions/core` reads the summary's path once per process).
 */
function fileEnvironment() {
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  return files;
}

describe('the runner adapter', () => {
  let files: ReturnType<typeof fileEnvironment>;
  const { stdout } = captureRunnerIO();
  beforeEach(() => {
    files = fileEnvironment();
    Object.assign(process.env, files);
    process.env['INPUT_BASE-SHA'] = 'abc';
    process.env.INPUT_EMPTY = '  ';
  });

  it('reads inputs with hyphens, and empty ones as undefined', () => {
    const runner = createRunner();
    expect(runner.input('base-sha')).toBe('abc');
    expect(runner.input('empty')).toBeUndefined();
    expect(runner.input('never-set')).toBeUndefined();
  });

  it('masks secrets and redacts them from outputs, state, summary and failures', async () => {
    const runner = createRunner();
    runner.mask('xoxb-secret-token\nsecond-line-secret');
    runner.setOutput('payload', 'url=https://hooks/xoxb-secret-token');
    runner.saveState('note', 'second-line-secret here');
    await runner.appendSummary('token xoxb-secret-token');
    runner.fail('could not post with xoxb-secret-token');
    expect(parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'))).toEqual({ payload: 'url=https://hooks/***' });
    expect(parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'))).toEqual({ note: '*** here' });
    expect(readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8')).toBe('token ***\n');
    expect(stdout.join('')).toContain('::add-mask::xoxb-secret-token');
    expect(stdout.join('')).toContain('::add-mask::second-line-secret');
    expect(stdout.join('')).toContain('::error::could not post with ***');
    expect(process.exitCode).toBe(1);
    // What a writer that bypasses setOutput must keep out of files it writes itself.
    expect(runner.masked()).toEqual(
      expect.arrayContaining(['xoxb-secret-token\nsecond-line-secret', 'xoxb-secret-token', 'second-line-secret']),
    );
  });

  it('shows tool output as text: no annotation, mask or output from it, in either command form', () => {
    const runner = createRunner();
    const forged = ['::add-mask::x', '::error::x', '::set-output name=a::b', '##[error]x', 'progress\r::warning::x'];
    runner.toolOutput(forged.join('\n'));
    runner.toolOutput('::save-state name=s::1');
    runner.warning('ours');
    runner.toolOutput('##[add-mask]y');
    runner.mask('a-real-secret');
    runner.info('plain');
    const text = stdout.join('');
    const parsed = parseWorkflowCommands(text);
    expect(parsed.annotations).toEqual([{ level: 'warning', message: 'ours' }]);
    expect(parsed.masks).toEqual(['a-real-secret']);
    expect(parsed.outputs).toEqual({});
    expect(parsed.state).toEqual({});
    expect(parsed.log).toEqual([
      ...forged.slice(0, 4),
      'progress',
      '::warning::x',
      '::save-state name=s::1',
      '##[add-mask]y',
      'plain',
    ]);
    // One passage for the first run of output (closed by our warning), one for the second (closed by the mask).
    const tokens = [...text.matchAll(/^::stop-commands::(\S+)$/gm)].map((match) => match[1]);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    for (const token of tokens) expect(text).toContain(`\n::${token}::\n`);
  });

  it('writes our own info lines that could read as commands as text, and plain ones as they are', async () => {
    const runner = createRunner();
    runner.info('job ##[error]named to look like an annotation');
    runner.info('::add-mask::x');
    await runner.group('g', async () => runner.toolOutput('::error::inside the group'));
    const afterGroup = stdout.join('');
    expect(parseWorkflowCommands(afterGroup)).toMatchObject({ annotations: [], masks: [], groups: ['g'] });
    // The group was opened and closed outside the passages (commands inside one are ignored).
    expect(afterGroup).toMatch(/^::group::g$/m);
    expect(afterGroup.trimEnd().split('\n').at(-1)).toBe('::endgroup::');
    stdout.length = 0;
    runner.info('nothing to hide');
    expect(stdout.join('')).toBe('nothing to hide\n');
  });

  it('closes an open passage when the process exits', () => {
    const runner = createRunner();
    runner.toolOutput('::error::x');
    expect(process.listeners('exit')).toContain(resumeCommands);
    resumeCommands();
    expect(stdout.join('')).toMatch(/^::stop-commands::(\S+)\n::error::x\n::\1::\n$/);
  });

  it('writes what a batch logs in one write, in order, even when the batch throws', () => {
    const runner = createRunner();
    runner.info('before');
    const value = runner.batch(() => {
      runner.error('first', { file: 'a.py', line: 2 });
      runner.batch(() => runner.info('nested'));
      runner.warning('second');
      return 42;
    });
    expect(value).toBe(42);
    expect(stdout).toEqual(['before\n', '::error file=a.py,line=2::first\nnested\n::warning::second\n']);
    expect(() =>
      runner.batch(() => {
        runner.info('kept');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    runner.info('after');
    expect(stdout.slice(2)).toEqual(['kept\n', 'after\n']);
  });

  it('keeps the step summary under 1 MiB across appends', async () => {
    const runner = createRunner();
    const block = `${'x'.repeat(1023)}\n`.repeat(700);
    await runner.appendSummary(block);
    await runner.appendSummary(block);
    await runner.appendSummary('never written');
    const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1024 * 1024);
    expect(summary).toContain('GitHub limits a step summary to 1 MiB');
    expect(summary).not.toContain('never written');
  });

  it('runs main then post, reporting user errors without a stack and bugs with one', async () => {
    const calls: string[] = [];
    const phases = {
      main: async () => {
        calls.push('main');
        throw new InputError('needs', "Input 'needs' must be valid JSON");
      },
      post: async () => {
        calls.push('post');
        throw new TypeError('boom');
      },
    };
    await runAction(phases, createRunner());
    const state = parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'));
    expect(state).toEqual({ isPost: 'true' });
    process.env.STATE_isPost = 'true';
    await runAction(phases, createRunner());
    expect(calls).toEqual(['main', 'post']);
    const log = stdout.join('');
    expect(log).toContain("::error::Input 'needs' must be valid JSON\n");
    expect(log).toContain('::error::Unexpected error (a bug in dynamo-ci-actions, please report it): boom');
    expect(log).toMatch(/::debug::TypeError: boom%0A {4}at /);
  });

  it('redacts every occurrence', () => {
    expect(redact('a-secret and a-secret', ['a-secret'])).toBe('*** and ***');
  });
});

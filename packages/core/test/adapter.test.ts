/**
 * The runner adapter adds redaction and batching to @actions/core without changing what reaches the
 * runner: the same workflow commands on stdout and the same file-command records, for hostile values.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as actions from '@actions/core';
import { parseFileCommands, parseWorkflowCommands, scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../src/index.js';
import { captureRunnerIO } from './capture.js';

const HOSTILE = ['plain', 'a%b', 'line1\nline2\r\n', 'colon: and, comma', '::error::forged', 'ünïcödé 日本', ''];

describe('the runner adapter over @actions/core', () => {
  const { stdout } = captureRunnerIO();

  it.each(HOSTILE)('annotates %j exactly as @actions/core does', (text) => {
    const properties = { file: `dir/${text}.py`, line: 3, endLine: 4, column: 2, title: text };
    const runner = createRunner();
    runner.error(text, properties);
    runner.warning(text);
    runner.notice(text, { file: text });
    runner.debug(text);
    const ours = parseWorkflowCommands(stdout.splice(0).join(''));
    actions.error(text, { file: `dir/${text}.py`, startLine: 3, endLine: 4, startColumn: 2, title: text });
    actions.warning(text);
    actions.notice(text, { file: text });
    actions.debug(text);
    // Compared as the runner reads them: @actions/core writes `::notice ::` for empty properties.
    expect(ours).toEqual(parseWorkflowCommands(stdout.join('')));
    expect(ours.annotations).toHaveLength(3);
  });

  it('writes outputs and state that both parsers read back identically', () => {
    const dir = scratchDir('protocol-');
    const ours = join(dir, 'ours');
    const theirs = join(dir, 'theirs');
    writeFileSync(ours, '');
    writeFileSync(theirs, '');
    const runner = createRunner();
    process.env.GITHUB_OUTPUT = ours;
    process.env.GITHUB_STATE = ours;
    HOSTILE.forEach((value, index) => {
      runner.setOutput(`out-${index}`, value);
      runner.saveState(`state-${index}`, value);
    });
    process.env.GITHUB_OUTPUT = theirs;
    process.env.GITHUB_STATE = theirs;
    HOSTILE.forEach((value, index) => {
      actions.setOutput(`out-${index}`, value);
      actions.saveState(`state-${index}`, value);
    });
    expect(parseFileCommands(readFileSync(ours, 'utf8'))).toEqual(parseFileCommands(readFileSync(theirs, 'utf8')));
    expect(parseFileCommands(readFileSync(ours, 'utf8'))['out-2']).toContain('line1\nline2');
  });

  it('reads inputs and state the way @actions/core does', () => {
    process.env['INPUT_BASE-SHA'] = ' abc ';
    process.env.INPUT_WITH_SPACE = 'x';
    process.env.STATE_pod = 'p';
    const runner = createRunner();
    expect(runner.input('base-sha')).toBe(actions.getInput('base-sha', { trimWhitespace: false }));
    expect(runner.input('with space')).toBe(actions.getInput('with space'));
    expect(runner.state('pod')).toBe(actions.getState('pod'));
  });
});

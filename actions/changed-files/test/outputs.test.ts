/** The bulk output writer: the runner's file-command format, one write, secrets left to the runner. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '@dynamo-ci/core';
import { parseFileCommands } from '@dynamo-ci/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAll, Encoded, writeOutputs } from '../src/outputs.js';

function fakeRunner(): { runner: Runner; set: [string, string][] } {
  const set: [string, string][] = [];
  const runner = { setOutput: (name: string, value: unknown) => set.push([name, String(value)]) } as unknown as Runner;
  return { runner, set };
}

describe('writeOutputs', () => {
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    saved = process.env.GITHUB_OUTPUT;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_OUTPUT;
    else process.env.GITHUB_OUTPUT = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('appends every output in the heredoc format, after what is already there', () => {
    const file = join(dir, 'output');
    writeFileSync(file, 'earlier=1\n');
    process.env.GITHUB_OUTPUT = file;
    const { runner, set } = fakeRunner();
    const list = new Encoded(JSON.stringify(['a b.md', 'line\nbreak', 'ghadelimiter_x', 'ünï']));
    writeOutputs(
      runner,
      [
        ['files', list],
        ['all_files', list],
        ['docs', true],
        ['docs_count', 4],
        ['reason', ''],
      ],
      [],
    );
    expect(set).toEqual([]);
    expect(parseFileCommands(readFileSync(file, 'utf8'))).toEqual({
      earlier: '1',
      files: list.text,
      all_files: list.text,
      docs: 'true',
      docs_count: '4',
      reason: '',
    });
  });

  it('leaves a value containing a masked secret to the runner, which redacts it', () => {
    const file = join(dir, 'output');
    writeFileSync(file, '');
    process.env.GITHUB_OUTPUT = file;
    const { runner, set } = fakeRunner();
    writeOutputs(
      runner,
      [
        ['files', new Encoded('["ghp_secret123.md"]')],
        ['count', 1],
      ],
      ['ghp_secret123'],
    );
    expect(set).toEqual([['files', '["ghp_secret123.md"]']]);
    expect(parseFileCommands(readFileSync(file, 'utf8'))).toEqual({ count: '1' });
  });

  it('hands everything to the runner when there is no output file', () => {
    delete process.env.GITHUB_OUTPUT;
    const { runner, set } = fakeRunner();
    writeOutputs(
      runner,
      [
        ['files', new Encoded('[]')],
        ['any', false],
      ],
      [],
    );
    expect(set).toEqual([
      ['files', '[]'],
      ['any', 'false'],
    ]);
  });
});

describe('appendAll', () => {
  it('writes more buffers than one writev takes, in order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'append-'));
    const parts = Array.from({ length: 2500 }, (_, index) => Buffer.from(`${index},`));
    appendAll(join(dir, 'f'), parts, 'wx');
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe(parts.map(String).join(''));
    rmSync(dir, { recursive: true, force: true });
  });
});

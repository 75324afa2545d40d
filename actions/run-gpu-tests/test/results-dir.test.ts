import { execFileSync } from 'node:child_process';
import {
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import {
  ownedByOthers,
  prepareResultsDir,
  readRegular,
  removeLinks,
  streamRegular,
  writeRegular,
} from '../src/results-dir.js';

/** A results folder as a container may leave it, and a host file outside it. */
function planted() {
  const root = scratchDir('results-dir-');
  const results = join(root, 'results');
  const outside = join(root, 'runner-secret');
  writeFileSync(outside, 'secret\n');
  mkdirSync(join(results, 'logs', 'deep'), { recursive: true });
  symlinkSync(outside, join(results, 'junit-all.xml'));
  symlinkSync(outside, join(results, 'report.json'));
  symlinkSync('/', join(results, 'logs', 'deep', 'root'));
  writeFileSync(join(results, 'logs', 'server.log'), 'ok\n');
  return { root, results, outside };
}

describe('the shared results folder', () => {
  it('never reads through a link, and reads regular files', async () => {
    const { results } = planted();
    expect(readRegular(join(results, 'junit-all.xml'))).toBeUndefined();
    expect(streamRegular(join(results, 'junit-all.xml'))).toBeUndefined();
    expect(readRegular(join(results, 'logs', 'server.log'))).toBe('ok\n');
    expect(readRegular(join(results, 'missing.xml'))).toBeUndefined();
  });

  it('does not hang on a FIFO (no writer) and does not read a folder', () => {
    const { results } = planted();
    execFileSync('mkfifo', [join(results, 'live-all.jsonl')]);
    expect(readRegular(join(results, 'live-all.jsonl'))).toBeUndefined();
    expect(readRegular(join(results, 'logs'))).toBeUndefined();
  });

  it('replaces a link with a file instead of writing through it', () => {
    const { results, outside } = planted();
    writeRegular(join(results, 'report.json'), '{"result":"success"}\n');
    expect(readFileSync(outside, 'utf8')).toBe('secret\n');
    expect(lstatSync(join(results, 'report.json')).isFile()).toBe(true);
    expect(readFileSync(join(results, 'report.json'), 'utf8')).toBe('{"result":"success"}\n');
  });

  it('removes every link, at any depth, and says which', () => {
    const { results, outside } = planted();
    expect(removeLinks(results)).toEqual(['junit-all.xml', join('logs', 'deep', 'root'), 'report.json']);
    expect(existsSync(join(results, 'report.json'))).toBe(false);
    expect(readFileSync(outside, 'utf8')).toBe('secret\n');
    expect(readFileSync(join(results, 'logs', 'server.log'), 'utf8')).toBe('ok\n');
    expect(removeLinks(results)).toEqual([]);
  });

  it("clears an earlier run's reports (links and folders too) and nothing else", () => {
    const { results, outside } = planted();
    mkdirSync(join(results, 'junit-old.xml'));
    writeFileSync(join(results, 'notes.txt'), 'keep\n');
    prepareResultsDir(results, true);
    expect(existsSync(join(results, 'junit-old.xml'))).toBe(false);
    expect(existsSync(join(results, 'report.json'))).toBe(false);
    expect(readFileSync(join(results, 'notes.txt'), 'utf8')).toBe('keep\n');
    expect(readFileSync(outside, 'utf8')).toBe('secret\n');
    expect(lstatSync(results).mode & 0o777).toBe(0o777);
    expect(readlinkSync(join(results, 'logs', 'deep', 'root'))).toBe('/');
  });

  it.runIf(process.getuid?.() === 0)('tells whether anything is owned by another user', () => {
    const { results } = planted();
    expect(ownedByOthers([results], 0)).toBe(false);
    execFileSync('chown', ['-R', '-h', '1001:1001', results]);
    expect(ownedByOthers([results], 1001)).toBe(false);
    chownSync(join(results, 'logs', 'server.log'), 0, 0);
    expect(ownedByOthers([results], 1001)).toBe(true);
    expect(ownedByOthers([join(results, 'missing')], 1001)).toBe(false);
  });
});

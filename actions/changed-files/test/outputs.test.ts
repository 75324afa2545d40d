/** The bulk output writer: the runner's file-command format, one write, secrets left to the runner. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Runner } from '@dynamo-ci/core';
import { parseFileCommands } from '@dynamo-ci/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assemble, Encoded, encodePathLists, writeBytes, writeOutputs } from '../src/outputs.js';

/** A runner that records `setOutput` calls and has masked `secrets`. */
function fakeRunner(secrets: string[] = []): { runner: Runner; set: [string, string][] } {
  const set: [string, string][] = [];
  const runner = {
    setOutput: (name: string, value: unknown) => set.push([name, String(value)]),
    masked: () => secrets,
  } as unknown as Runner;
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
    const list = Encoded.of(JSON.stringify(['a b.md', 'line\nbreak', 'ghadelimiter_x', 'ünï']));
    writeOutputs(runner, [
      ['files', list],
      ['all_files', list],
      ['docs', true],
      ['docs_count', 4],
      ['reason', ''],
    ]);
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
    const { runner, set } = fakeRunner(['ghp_secret123']);
    writeOutputs(runner, [
      ['files', Encoded.of('["ghp_secret123.md"]')],
      ['count', 1],
    ]);
    expect(set).toEqual([['files', '["ghp_secret123.md"]']]);
    expect(parseFileCommands(readFileSync(file, 'utf8'))).toEqual({ count: '1' });
  });

  it('writes a list cut into more runs than a function call takes arguments', () => {
    const file = join(dir, 'output');
    writeFileSync(file, '');
    process.env.GITHUB_OUTPUT = file;
    // Every other path: 150,000 runs, 300,000 parts.
    const paths = Array.from({ length: 300_000 }, (_, index) => `d/f${index}.${index % 2 ? 'md' : 'py'}`);
    const lists = encodePathLists(paths, groupsOf(paths, [(path) => path.endsWith('.md')]));
    expect((lists.groups[0] as Encoded).within).toBe(lists.files);
    writeOutputs(fakeRunner().runner, [['md_files', lists.groups[0] as Encoded]]);
    const written = parseFileCommands(readFileSync(file, 'utf8'));
    expect(written.md_files).toBe(JSON.stringify(paths.filter((path) => path.endsWith('.md'))));
  });

  it('writes cut lists with one delimiter none of them can contain, and hands lists with a secret to the runner', () => {
    const file = join(dir, 'output');
    writeFileSync(file, '');
    process.env.GITHUB_OUTPUT = file;
    const paths = ['ghadelimiter_x.md', 'ghp_secret1.py', 'z.md'];
    const lists = encodePathLists(
      paths,
      groupsOf(paths, [(path) => path.endsWith('.md'), (path) => path.endsWith('.py')]),
    );
    const { runner, set } = fakeRunner(['ghp_secret1']);
    writeOutputs(runner, [
      ['md_files', lists.groups[0] as Encoded],
      ['py_files', lists.groups[1] as Encoded],
      ['files', lists.files],
    ]);
    // The secret is in the files list, so every list cut from it goes through the runner.
    expect(set).toEqual([
      ['md_files', '["ghadelimiter_x.md","z.md"]'],
      ['py_files', '["ghp_secret1.py"]'],
      ['files', JSON.stringify(paths)],
    ]);
    writeOutputs(fakeRunner().runner, [['md_files', lists.groups[0] as Encoded]]);
    expect(parseFileCommands(readFileSync(file, 'utf8'))).toEqual({ md_files: '["ghadelimiter_x.md","z.md"]' });
  });

  it('hands everything to the runner when there is no output file', () => {
    delete process.env.GITHUB_OUTPUT;
    const { runner, set } = fakeRunner();
    writeOutputs(runner, [
      ['files', Encoded.of('[]')],
      ['any', false],
    ]);
    expect(set).toEqual([
      ['files', '[]'],
      ['any', 'false'],
    ]);
  });
});

/** Groups as the matcher reports them: each a subsequence of the paths, with its runs. */
function groupsOf(paths: readonly string[], members: readonly ((path: string, index: number) => boolean)[]) {
  return members.map((isMember) => {
    const files: string[] = [];
    const runs: number[] = [];
    paths.forEach((path, index) => {
      if (!isMember(path, index)) return;
      files.push(path);
      if (runs[runs.length - 1] === index) runs[runs.length - 1] = index + 1;
      else runs.push(index, index + 1);
    });
    return { files, count: files.length, runs };
  });
}

const text = (views: Buffer[]) => Buffer.concat(views).toString('utf8');
const bytesOf = (value: Encoded) => text(assemble([value]));

describe('encodePathLists', () => {
  const members = [
    () => true,
    () => false,
    (path: string) => path.endsWith('.md'),
    (_: string, index: number) => index % 3 !== 1,
    (_: string, index: number) => index === 0,
    (_: string, index: number) => index === 7,
  ];

  it.each([
    [
      'plain ASCII paths (lists cut from the files bytes)',
      ['a.md', 'b/c.py', 'b/d.md', 'e f.md', 'g', 'h/i.md', 'j', 'k.md'],
    ],
    ['paths to escape', ['a"q.md', 'b\\c.py', 'line\nbreak.md', 'tab\t', 'e', 'f.md', 'g', 'h.md']],
    ['non-ASCII paths', ['ünï.md', 'b.py', 'c.md', '日本.md', 'e', 'f.md', 'g', 'h.md']],
  ])('gives every list exactly JSON.stringify of its paths: %s', (_, paths) => {
    const groups = groupsOf(paths, members);
    // From the paths, and from git's NUL-terminated listing of them.
    const listing = Buffer.from(paths.map((path) => `${path}\0`).join(''));
    for (const lists of [encodePathLists(paths, groups), encodePathLists(paths, groups, listing)]) {
      expect(bytesOf(lists.files)).toBe(JSON.stringify(paths));
      expect(lists.files.text).toBe(JSON.stringify(paths));
      lists.groups.forEach((list, index) => {
        const expected = JSON.stringify(groups[index]?.files);
        expect(bytesOf(list)).toBe(expected);
        expect(list.text).toBe(expected);
      });
    }
    expect(encodePathLists([], groupsOf([], members)).groups.map(bytesOf)).toEqual(members.map(() => '[]'));
    expect(encodePathLists([], groupsOf([], members), Buffer.alloc(0)).groups.map(bytesOf)).toEqual(
      members.map(() => '[]'),
    );
  });

  it('writes the files list straight from a listing only when it is exactly the paths, verbatim', () => {
    const paths = ['a.md', 'b/c.py', 'd.md'];
    const groups = groupsOf(paths, [(path) => path.endsWith('.md')]);
    const listing = Buffer.from('a.md\0b/c.py\0d.md\0');
    const lists = encodePathLists(paths, groups, listing);
    expect((lists.groups[0] as Encoded).within).toBe(lists.files);
    expect(bytesOf(lists.groups[0] as Encoded)).toBe('["a.md","d.md"]');
    // A listing that does not end in NUL, or holds another number of paths: the paths decide.
    for (const other of ['a.md\0b/c.py\0d.md', 'a.md\0b/c.py\0', 'a.md\0b/c.py\0d.md\0e\0']) {
      expect(bytesOf(encodePathLists(paths, groups, Buffer.from(other)).files)).toBe(JSON.stringify(paths));
    }
  });

  it('cuts filter lists out of the files bytes when every path is plain, and shares the whole list', () => {
    const paths = ['a.md', 'b.py', 'c.md', 'd.md'];
    const lists = encodePathLists(paths, groupsOf(paths, [() => true, (path) => path.endsWith('.md')]));
    expect(lists.groups[0]).toBe(lists.files);
    const cut = lists.groups[1] as Encoded;
    expect(cut.within).toBe(lists.files);
    expect(cut.bytes).toBeUndefined();
    expect(cut.byteLength).toBe('["a.md","c.md","d.md"]'.length);
    // A string without '"' is in a cut list only if it is in the files list.
    expect(cut.contains('c.md')).toBe(true);
    expect(cut.contains('b.py')).toBe(true); // conservative: through the files list
    expect(cut.contains('"c.md","d.md"')).toBe(true);
    expect(cut.contains('"a.md","c.md"')).toBe(true);
    expect(cut.contains('"b.py"')).toBe(false);
  });
});

describe('assemble and writeBytes', () => {
  it('lays text and values out in order, cut lists copied from their source in the buffer or outside it', () => {
    const plain = ['a.md', 'b.py', 'c.md', 'u.py', 'd.md'];
    const lists = encodePathLists(plain, groupsOf(plain, [(path) => path.endsWith('.md')]));
    const cut = lists.groups[0] as Encoded;
    const expected = JSON.stringify(plain.filter((path) => path.endsWith('.md')));
    // The cut list first, its source later: the source is placed before any cut is copied.
    expect(text(assemble(['x', cut, 'ü', lists.files, '\n']))).toBe(`x${expected}ü${lists.files.text}\n`);
    expect(text(assemble([cut, cut]))).toBe(expected + expected);
    expect(text(assemble([]))).toBe('');
    // The list the cuts come from is copied once; where it is a value itself, that region is written.
    const views = assemble(['a', lists.files, 'b', lists.files, cut]);
    expect(text(views)).toBe(`a${lists.files.text}b${lists.files.text}${expected}`);
    const whole = views.filter((view) => view.length === lists.files.byteLength);
    expect(whole).toHaveLength(2);
    expect(whole[0]?.byteOffset).toBe(whole[1]?.byteOffset);
    expect(whole[0]?.buffer).toBe(whole[1]?.buffer);
  });

  it('appends a buffer after what the file holds, and creates with wx', () => {
    const dir = mkdtempSync(join(tmpdir(), 'append-'));
    const file = join(dir, 'f');
    writeFileSync(file, 'earlier\n');
    const big = Buffer.alloc(3 << 20, 'x');
    writeBytes(file, [big, Buffer.from('!')]);
    expect(readFileSync(file, 'utf8')).toBe(`earlier\n${big.toString()}!`);
    expect(() => writeBytes(file, [big], 'wx')).toThrow(/EEXIST/);
    rmSync(dir, { recursive: true, force: true });
  });
});

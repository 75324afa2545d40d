/**
 * The JUnit files of a downloaded artifact: every `*.xml` under its folder (symlinks are not
 * followed: an artifact's content is not trusted), streamed through core's parser in 4 MiB chunks,
 * with a truncation check on the last bytes.
 */
import { createReadStream, type Dirent, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { JunitParser } from '@dynamo-ci/core';
import { attemptOf, type JunitFile } from './legs.js';

/** Stop walking an artifact after this many files: a results folder holds a handful. */
const MAX_FILES = 10_000;

/** Every `*.xml` below `dir`, sorted, as paths relative to it. */
export function findXmlFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_FILES) return;
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort().map((path) => path.split(sep).join('/'));
}

const CLOSED = /<\/testsuites?\s*>\s*$/;

/**
 * Parse one file; `truncated` when it does not end with a closing `</testsuite(s)>`. Undefined
 * for XML that is not JUnit (no `<testsuite` and no testcase: a coverage report, say).
 */
export async function readJunitFile(dir: string, path: string): Promise<JunitFile | undefined> {
  const parser = new JunitParser();
  let head = '';
  let tail = '';
  const stream = createReadStream(join(dir, path), { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 });
  for await (const chunk of stream) {
    const text = chunk as string;
    parser.push(text);
    if (head.length < 4096) head += text.slice(0, 4096 - head.length);
    tail = text.length >= 256 ? text.slice(-256) : (tail + text).slice(-256);
  }
  const cases = parser.end();
  if (cases.length === 0 && !head.includes('<testsuite')) return undefined;
  return { path, attempt: attemptOf(path), cases, truncated: !CLOSED.test(tail.replace(/\0+$/, '')) };
}

/** Every JUnit file of an artifact's folder. */
export async function readArtifactFolder(dir: string): Promise<JunitFile[]> {
  const files: JunitFile[] = [];
  for (const path of findXmlFiles(dir)) {
    const file = await readJunitFile(dir, path);
    if (file) files.push(file);
  }
  return files;
}

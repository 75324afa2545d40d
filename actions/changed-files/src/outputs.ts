/**
 * Writing many megabytes of outputs at once. `@actions/core`'s `setOutput` opens, appends to and
 * closes `$GITHUB_OUTPUT` once per output and UTF-8-encodes each value there; a 50,000-file diff
 * has about 11 MB of list outputs, and the report file repeats them. Here each value is encoded
 * once, and the output file gets all of them in one `writev`, in the same `name<<delimiter` format
 * the runner reads (one random delimiter that no value contains).
 *
 * Outputs go through `runner.setOutput` instead when there is no `$GITHUB_OUTPUT` (a local run:
 * the runner prints them), and for any value containing a masked secret (the runner redacts it).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writevSync } from 'node:fs';
import { env, type Runner } from '@dynamo-ci/core';

/**
 * A value encoded once, shared by the output file and the report file: its bytes, in one or more
 * parts, and its text (made only when asked for).
 */
export class Encoded {
  private textValue: string | undefined;

  /**
   * `within`: for a list cut out of another list's bytes (see `encodePathLists`), that list. Any
   * string without a `"` that occurs in this one occurs in it: every place where two pieces were
   * joined is next to a `"`.
   */
  constructor(
    readonly parts: readonly Buffer[],
    private readonly makeText: () => string,
    readonly within?: Encoded,
  ) {}

  static of(text: string): Encoded {
    return new Encoded([Buffer.from(text, 'utf8')], () => text);
  }

  get text(): string {
    this.textValue ??= this.makeText();
    return this.textValue;
  }

  /** Whether `value` occurs in this value's text. */
  contains(value: string): boolean {
    if (this.within !== undefined && !value.includes('"')) return this.within.contains(value);
    if (this.parts.length === 1) return (this.parts[0] as Buffer).includes(value);
    return this.text.includes(value);
  }
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * `files` and every filter's `<name>_files` as JSON. On a 50,000-file diff they add up to about
 * 11 MB, and each path is in several of them. `files` is serialized once; when every path came
 * out verbatim (ASCII with nothing to escape: the usual case), a filter's list is cut out of
 * those bytes, one piece per run of consecutive paths, and nothing is serialized or encoded
 * again. Otherwise each list is serialized on its own.
 */
export function encodePathLists(
  paths: readonly string[],
  groups: readonly { readonly files: readonly string[]; count: number; runs: readonly number[] }[],
): { files: Encoded; groups: Encoded[] } {
  const text = JSON.stringify(paths);
  // Verbatim: '[', then each path as '"path"' followed by ',' (']' after the last).
  let verbatimLength = paths.length === 0 ? 2 : 1;
  for (let index = 0; index < paths.length; index++) verbatimLength += (paths[index] as string).length + 3;
  const ascii = Buffer.byteLength(text, 'utf8') === text.length;
  const bytes = Buffer.from(text, ascii ? 'latin1' : 'utf8');
  const files = new Encoded([bytes], () => text);
  // A group's files are a subsequence of the paths: as many means the same list (`all: ['**']`).
  const whole = (group: { count: number }) => group.count === paths.length;
  if (!ascii || text.length !== verbatimLength) {
    return { files, groups: groups.map((group) => (whole(group) ? files : Encoded.of(JSON.stringify(group.files)))) };
  }
  // Where path i's opening quote is; start[paths.length] is where the closing ']' would follow a comma.
  const start = new Float64Array(paths.length + 1);
  start[0] = 1;
  for (let index = 0; index < paths.length; index++) {
    start[index + 1] = (start[index] as number) + (paths[index] as string).length + 3;
  }
  const cut = (group: { readonly files: readonly string[]; runs: readonly number[] }): Encoded => {
    const parts: Buffer[] = [OPEN];
    const { runs } = group;
    for (let index = 0; index < runs.length; index += 2) {
      if (index > 0) parts.push(COMMA);
      // A run [first, end) ends just before the comma in front of path `end`.
      parts.push(bytes.subarray(start[runs[index] as number], (start[runs[index + 1] as number] as number) - 1));
    }
    parts.push(CLOSE);
    return new Encoded(parts, () => JSON.stringify(group.files), files);
  };
  return { files, groups: groups.map((group) => (whole(group) ? files : cut(group))) };
}

export type OutputValue = string | number | boolean | Encoded;

/** Set every output; `secrets` are the values the runner masks (they must not reach the file). */
export function writeOutputs(runner: Runner, outputs: [string, OutputValue][], secrets: readonly string[]): void {
  const file = env('GITHUB_OUTPUT');
  const encoded = outputs.map(([name, value]): [string, Encoded] => [
    name,
    value instanceof Encoded ? value : Encoded.of(String(value)),
  ]);
  if (!file) {
    for (const [name, value] of encoded) runner.setOutput(name, value.text);
    return;
  }
  const viaRunner = (value: Encoded) => secrets.some((secret) => secret !== '' && value.contains(secret));
  const toFile = encoded.filter(([name, value]) => {
    if (!viaRunner(value)) return true;
    runner.setOutput(name, value.text);
    return false;
  });
  // One delimiter for every value, that none of them contains (lists cut out of another list
  // are checked through it: the delimiter has no '"'). Values are checked once each.
  const scanned = [...new Set(toFile.map(([, value]) => value.within ?? value))];
  let delimiter = `ghadelimiter_${randomUUID()}`;
  const clashes = () =>
    toFile.some(([name]) => name.includes(delimiter)) || scanned.some((value) => value.contains(delimiter));
  while (clashes()) delimiter = `ghadelimiter_${randomUUID()}`;
  const parts: Buffer[] = [];
  for (const [name, value] of toFile) {
    parts.push(Buffer.from(`${name}<<${delimiter}\n`));
    // A list cut into runs can have more parts than a function call takes arguments: no spread.
    for (const part of value.parts) parts.push(part);
    parts.push(Buffer.from(`\n${delimiter}\n`));
  }
  appendAll(file, parts);
}

/** Append buffers to a file with as few system calls as the kernel allows. */
export function appendAll(file: string, parts: readonly Buffer[], flags = 'a'): void {
  const fd = openSync(file, flags);
  try {
    // writev takes at most IOV_MAX (1024) buffers and may write less than asked.
    for (let start = 0; start < parts.length; start += 1024) {
      const batch = parts.slice(start, start + 1024);
      let written = writevSync(fd, batch);
      let total = batch.reduce((sum, part) => sum + part.length, 0);
      let rest = batch;
      while (written < total) {
        total -= written;
        const remaining: Buffer[] = [];
        for (const part of rest) {
          if (written >= part.length) written -= part.length;
          else {
            remaining.push(written > 0 ? part.subarray(written) : part);
            written = 0;
          }
        }
        rest = remaining;
        written = writevSync(fd, rest);
      }
    }
  } finally {
    closeSync(fd);
  }
}

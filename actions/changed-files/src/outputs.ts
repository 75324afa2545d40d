/**
 * Writing many megabytes of outputs at once. `@actions/core`'s `setOutput` opens, appends to and
 * closes `$GITHUB_OUTPUT` once per output and UTF-8-encodes each value there; a 50,000-file diff
 * has about 11 MB of list outputs, and the report file repeats them. Here each value is encoded
 * once, every output is laid out in one buffer, and the file gets it in a few writes, in the same
 * `name<<delimiter` format the runner reads (one random delimiter that no value contains).
 *
 * Outputs go through `runner.setOutput` instead when there is no `$GITHUB_OUTPUT` (a local run:
 * the runner prints them), and for any value containing a masked secret (the runner redacts it).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { env, type Runner } from '@dynamo-ci/core';

const OPEN = 0x5b; // [
const COMMA = 0x2c;
const CLOSE = 0x5d; // ]

/**
 * A value encoded once, shared by the output file and the report file. Either its own bytes, or
 * a JSON list cut out of another list's bytes (`within`): byte ranges of it, joined by commas
 * inside brackets. Its text is made only when asked for.
 */
export class Encoded {
  private textValue: string | undefined;

  private constructor(
    /** The value's bytes (a cut list has none of its own). */
    readonly bytes: Buffer | undefined,
    readonly byteLength: number,
    private readonly makeText: () => string,
    /**
     * For a cut list, the list it is cut from. Any string without a `"` that occurs in this one
     * occurs in it: every place where two pieces were joined is next to a `"`.
     */
    readonly within?: Encoded,
    /** For a cut list: flattened `[start, end)` byte ranges of `within.bytes`. */
    private readonly ranges?: Float64Array,
  ) {}

  static of(text: string, encoding: 'utf8' | 'latin1' = 'utf8'): Encoded {
    const bytes = Buffer.from(text, encoding);
    return new Encoded(bytes, bytes.length, () => text);
  }

  /** A value from its UTF-8 bytes. */
  static ofBytes(bytes: Buffer): Encoded {
    return new Encoded(bytes, bytes.length, () => bytes.toString('utf8'));
  }

  /** A JSON list made of `ranges` of `source`'s bytes, joined by commas inside brackets. */
  static cut(source: Encoded, ranges: Float64Array, makeText: () => string): Encoded {
    if (source.bytes === undefined) throw new Error('a list can only be cut out of a value with bytes of its own');
    let byteLength = ranges.length === 0 ? 2 : 1 + ranges.length / 2;
    for (let index = 0; index < ranges.length; index += 2) {
      byteLength += (ranges[index + 1] as number) - (ranges[index] as number);
    }
    return new Encoded(undefined, byteLength, makeText, source, ranges);
  }

  get text(): string {
    this.textValue ??= this.makeText();
    return this.textValue;
  }

  /** Whether `value` occurs in this value's text. */
  contains(value: string): boolean {
    if (this.within !== undefined && !value.includes('"')) return this.within.contains(value);
    if (this.bytes !== undefined) return this.bytes.includes(value);
    return this.text.includes(value);
  }

  /**
   * Copy the value's bytes into `out` at `at` and return where they end. A cut list copies its
   * ranges from `out` itself when its source already sits there at `sourceAt` (`copyWithin`
   * allocates nothing: a list of 10,000 runs would otherwise make 10,000 buffer views).
   */
  copyTo(out: Buffer, at: number, sourceAt?: number): number {
    if (this.bytes !== undefined) return at + this.bytes.copy(out, at);
    const ranges = this.ranges as Float64Array;
    const source = (this.within as Encoded).bytes as Buffer;
    let end = at;
    out[end++] = OPEN;
    for (let index = 0; index < ranges.length; index += 2) {
      if (index > 0) out[end++] = COMMA;
      const start = ranges[index] as number;
      const stop = ranges[index + 1] as number;
      if (sourceAt === undefined) source.copy(out, end, start, stop);
      else out.copyWithin(end, sourceAt + start, sourceAt + stop);
      end += stop - start;
    }
    out[end++] = CLOSE;
    return end;
  }
}

/**
 * Text and values laid out for one write, as a few views of one buffer. A list that others are
 * cut out of (`files`) goes in once, first: the cut lists copy from it there, and wherever it is
 * a value itself (`files`, `all_files`), the write takes that same region again instead of a copy.
 */
export function assemble(pieces: readonly (string | Encoded)[]): Buffer[] {
  const sources = new Map<Encoded, number>();
  let size = 0;
  for (const piece of pieces) {
    if (typeof piece !== 'string' && piece.within !== undefined && !sources.has(piece.within)) {
      sources.set(piece.within, size);
      size += piece.within.byteLength;
    }
  }
  const offsets = new Float64Array(pieces.length + 1);
  offsets[0] = size;
  for (let index = 0; index < pieces.length; index++) {
    const piece = pieces[index] as string | Encoded;
    let length = 0;
    if (typeof piece === 'string') length = Buffer.byteLength(piece, 'utf8');
    else if (!sources.has(piece)) length = piece.byteLength;
    offsets[index + 1] = (offsets[index] as number) + length;
  }
  const out = Buffer.allocUnsafe(offsets[pieces.length] as number);
  for (const [source, at] of sources) source.copyTo(out, at);
  const views: Buffer[] = [];
  let pending = offsets[0] as number;
  pieces.forEach((piece, index) => {
    const at = offsets[index] as number;
    if (typeof piece === 'string') out.write(piece, at, 'utf8');
    else if (sources.has(piece)) {
      // The source region, written from where it already is.
      const from = sources.get(piece) as number;
      if (at > pending) views.push(out.subarray(pending, at));
      views.push(out.subarray(from, from + piece.byteLength));
      pending = at;
    } else piece.copyTo(out, at, piece.within === undefined ? undefined : sources.get(piece.within));
  });
  const end = offsets[pieces.length] as number;
  if (end > pending) views.push(out.subarray(pending, end));
  return views;
}

/**
 * `files` and every filter's `<name>_files` as JSON. On a 50,000-file diff they add up to about
 * 11 MB, and each path is in several of them. `files` is serialized once; when every path comes
 * out verbatim (ASCII with nothing to escape: the usual case), a filter's list is cut out of
 * those bytes, one range per run of consecutive paths, and nothing is serialized or encoded
 * again. Otherwise each list is serialized on its own. `listing`, git's NUL-terminated bytes of
 * exactly `paths`, when there is one: the JSON is then written straight from it.
 */
export function encodePathLists(
  paths: readonly string[],
  groups: readonly { readonly files: readonly string[]; count: number; runs: readonly number[] }[],
  listing?: Buffer,
): { files: Encoded; groups: Encoded[] } {
  const verbatim = (listing && jsonOfListing(listing, paths.length)) ?? jsonOfPaths(paths);
  // A group's files are a subsequence of the paths: as many means the same list (`all: ['**']`).
  const whole = (group: { count: number }) => group.count === paths.length;
  if (verbatim.start === undefined) {
    const { files } = verbatim;
    return { files, groups: groups.map((group) => (whole(group) ? files : Encoded.of(JSON.stringify(group.files)))) };
  }
  const { files, start } = verbatim;
  const cut = (group: { readonly files: readonly string[]; runs: readonly number[] }): Encoded => {
    const { runs } = group;
    const ranges = new Float64Array(runs.length);
    for (let index = 0; index < runs.length; index += 2) {
      // A run [first, end) ends just before the comma in front of path `end`.
      ranges[index] = start[runs[index] as number] as number;
      ranges[index + 1] = (start[runs[index + 1] as number] as number) - 1;
    }
    return Encoded.cut(files, ranges, () => JSON.stringify(group.files));
  };
  return { files, groups: groups.map((group) => (whole(group) ? files : cut(group))) };
}

/**
 * The paths as a JSON list, and, when every path is in it verbatim, where each path's opening
 * quote is (`start[paths.length]`: where one after the last would be, past the closing `]`).
 */
interface PathsJson {
  files: Encoded;
  start?: Float64Array;
}

function jsonOfPaths(paths: readonly string[]): PathsJson {
  const text = JSON.stringify(paths);
  const ascii = Buffer.byteLength(text, 'utf8') === text.length;
  const files = Encoded.of(text, ascii ? 'latin1' : 'utf8');
  // Verbatim: '[', then each path as '"path"' followed by ',' (']' after the last).
  const start = new Float64Array(paths.length + 1);
  start[0] = 1;
  for (let index = 0; index < paths.length; index++) {
    start[index + 1] = (start[index] as number) + (paths[index] as string).length + 3;
  }
  const verbatimLength = paths.length === 0 ? 2 : (start[paths.length] as number);
  return ascii && text.length === verbatimLength ? { files, start } : { files };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The JSON list of `count` paths written straight from git's NUL-terminated listing of them, in
 * one pass over its bytes; undefined unless every path is verbatim (ASCII without control
 * characters, `"` or `\`). A small function of its own, so V8 optimizes the loop early.
 */
function jsonOfListing(listing: Buffer, count: number): PathsJson | undefined {
  if (count === 0) return listing.length === 0 ? { files: Encoded.of('[]'), start: Float64Array.of(1) } : undefined;
  if (listing[listing.length - 1] !== 0) return undefined;
  // '[', then '"path",' for each, the last comma becoming ']'.
  const bytes = Buffer.allocUnsafe(listing.length + 2 * count + 2);
  const start = new Float64Array(count + 1);
  bytes[0] = OPEN;
  bytes[1] = QUOTE;
  start[0] = 1;
  let at = 2;
  let entry = 0;
  for (let index = 0; index < listing.length; index++) {
    const byte = listing[index] as number;
    if (byte === 0) {
      bytes[at++] = QUOTE;
      bytes[at++] = COMMA;
      start[++entry] = at;
      if (entry > count) return undefined;
      bytes[at++] = QUOTE;
    } else if (byte < 0x20 || byte === QUOTE || byte === BACKSLASH || byte >= 0x80) {
      return undefined;
    } else {
      bytes[at++] = byte;
    }
  }
  if (entry !== count) return undefined;
  // The quote opened for a path after the last one is not there: the last comma closes the list.
  bytes[at - 2] = CLOSE;
  return { files: Encoded.ofBytes(bytes.subarray(0, at - 1)), start };
}

export type OutputValue = string | number | boolean | Encoded;

/** Set every output; a value holding a masked secret goes through `runner.setOutput`, which redacts it. */
export function writeOutputs(runner: Runner, outputs: [string, OutputValue][]): void {
  const file = env('GITHUB_OUTPUT');
  const encoded = outputs.map(([name, value]): [string, Encoded] => [
    name,
    value instanceof Encoded ? value : Encoded.of(String(value)),
  ]);
  if (!file) {
    for (const [name, value] of encoded) runner.setOutput(name, value.text);
    return;
  }
  const secrets = runner.masked();
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
  const pieces: (string | Encoded)[] = [];
  for (const [name, value] of toFile) pieces.push(`${name}<<${delimiter}\n`, value, `\n${delimiter}\n`);
  writeBytes(file, assemble(pieces));
}

/** Write buffers to a file (appending by default), however many writes the kernel needs. */
export function writeBytes(file: string, parts: readonly Buffer[], flags = 'a'): void {
  const fd = openSync(file, flags);
  try {
    for (const part of parts) {
      for (let written = 0; written < part.length; ) written += writeSync(fd, part, written);
    }
  } finally {
    closeSync(fd);
  }
}

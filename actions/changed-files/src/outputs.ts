/**
 * Writing many megabytes of outputs at once. `@actions/core`'s `setOutput` opens, appends to and
 * closes `$GITHUB_OUTPUT` once per output and UTF-8-encodes each value there; a 50,000-file diff
 * has about 11 MB of list outputs, and the report file repeats them. Here each value is encoded
 * once, and the output file gets all of them in one `writev`, in the same `name<<delimiter` format
 * the runner reads (a random delimiter that no value contains).
 *
 * Outputs go through `runner.setOutput` instead when there is no `$GITHUB_OUTPUT` (a local run:
 * the runner prints them), and for any value containing a masked secret (the runner redacts it).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, writevSync } from 'node:fs';
import { env, type Runner } from '@dynamo-ci/core';

/** A value encoded once, shared by the output file and the report file. */
export class Encoded {
  readonly bytes: Buffer;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }
}

export type OutputValue = string | number | boolean | Encoded;

/** Set every output; `secrets` are the values the runner masks (they must not reach the file). */
export function writeOutputs(runner: Runner, outputs: [string, OutputValue][], secrets: readonly string[]): void {
  const file = env('GITHUB_OUTPUT');
  const text = (value: OutputValue) => (value instanceof Encoded ? value.text : String(value));
  const viaRunner = (value: OutputValue) => {
    const string = text(value);
    return secrets.some((secret) => secret !== '' && string.includes(secret));
  };
  if (!file) {
    for (const [name, value] of outputs) runner.setOutput(name, text(value));
    return;
  }
  const parts: Buffer[] = [];
  for (const [name, value] of outputs) {
    if (viaRunner(value)) {
      runner.setOutput(name, text(value));
      continue;
    }
    const bytes = value instanceof Encoded ? value.bytes : Buffer.from(String(value), 'utf8');
    let delimiter = `ghadelimiter_${randomUUID()}`;
    while (name.includes(delimiter) || bytes.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
    parts.push(Buffer.from(`${name}<<${delimiter}\n`), bytes, Buffer.from(`\n${delimiter}\n`));
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

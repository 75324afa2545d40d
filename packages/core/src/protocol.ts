/**
 * What the runner adapter adds to `@actions/core` on stdout: batching, and a way to show text that
 * is not ours (tool output) so that the runner executes none of it. `@actions/core` writes each log
 * line and workflow command with its own `process.stdout.write`; inside `batchLines` those writes are
 * held and go out as one write at the end.
 */
import { randomUUID } from 'node:crypto';
import { EOL } from 'node:os';

/** Chunks held by `batchLines`, or undefined outside a batch. */
let batched: string[] | undefined;

/**
 * Run `body` (synchronous) and write everything it writes to stdout in one write at the end, even
 * when it throws: hundreds of annotations cost one system call, not hundreds (each a wake-up of the
 * runner reading the pipe). A batch inside a batch is part of the outer one.
 */
export function batchLines<T>(body: () => T): T {
  if (batched) return body();
  const stdout = process.stdout;
  const write = stdout.write;
  const chunks: string[] = [];
  batched = chunks;
  stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof stdout.write;
  try {
    return body();
  } finally {
    stdout.write = write;
    batched = undefined;
    if (chunks.length > 0) write.call(stdout, chunks.join(''));
  }
}

/** Write one line to stdout (held by a batch like everything else). */
export function writeLine(line: string): void {
  process.stdout.write(line + EOL);
}

/** The token of the stop-commands passage open now, or undefined when commands work. */
let stopToken: string | undefined;
let resumeOnExit = false;

/**
 * Could the runner read `text` as a workflow command? The runner splits its input at CR, LF and
 * CRLF and takes a line as a command when it starts with `::` after leading white space, or when
 * it holds the older `##[name]` form anywhere. Any `::` counts here: a superset, never a miss.
 */
export function mayIssueCommand(text: string): boolean {
  return text.includes('::') || text.includes('##[');
}

/**
 * Write text that is not ours to vouch for (a build log, pytest's output, pod logs: one line or
 * many) so that the runner shows it and executes none of it. The first such write opens a passage
 * with `::stop-commands::<random token>`; while it is open the runner ignores every command, in
 * both forms (`::error::` and `##[error]`), until it reads `::<token>::`, which the output cannot
 * guess. The adapter closes the passage before each command it issues (`resumeCommands`), and so
 * does the end of the process, so an annotation, a mask or a group of ours is never swallowed.
 */
export function writeUntrusted(text: string): void {
  if (stopToken === undefined) {
    stopToken = randomUUID();
    writeLine(`::stop-commands::${stopToken}`);
    if (!resumeOnExit) {
      resumeOnExit = true;
      process.once('exit', resumeCommands);
    }
  }
  writeLine(text);
}

/** Close the stop-commands passage, if one is open: the runner executes commands again. */
export function resumeCommands(): void {
  if (stopToken === undefined) return;
  const token = stopToken;
  stopToken = undefined;
  writeLine(`::${token}::`);
}

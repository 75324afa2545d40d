/**
 * The GitHub Actions runner protocol, spoken directly: workflow commands on stdout
 * (`::error file=a,line=3::message`) and file commands (`GITHUB_OUTPUT`, `GITHUB_STATE`, `GITHUB_ENV`)
 * with random heredoc delimiters.
 *
 * Why not `@actions/core`: its entry module imports the OIDC client, which pulls `@actions/http-client`
 * and undici into every bundle and costs 50-100 ms of start-up per step (measured: a bundle of
 * `@actions/core` alone starts in 140 ms against 90 ms for bare node, and in 90 ms with only its
 * command modules). None of our actions use OIDC. The encoding below is the documented protocol
 * (https://docs.github.com/actions/reference/workflow-commands-for-github-actions), kept
 * byte-compatible with `@actions/core` (test/protocol.test.ts compares the two).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';

export interface CommandProperties {
  [name: string]: string | number | undefined;
}

const ESCAPES: Readonly<Record<string, string>> = { '%': '%25', '\r': '%0D', '\n': '%0A', ':': '%3A', ',': '%2C' };
const escapeCharacter = (character: string) => ESCAPES[character] as string;
const DATA_SPECIAL = /[%\r\n]/g;
const PROPERTY_SPECIAL = /[%\r\n:,]/g;

/** Data of a workflow command: `%`, CR and LF escaped (one pass: an action may print hundreds). */
export function escapeData(text: string): string {
  return text.replace(DATA_SPECIAL, escapeCharacter);
}

/** A property of a workflow command: also `:` and `,` escaped. */
export function escapeProperty(text: string): string {
  return text.replace(PROPERTY_SPECIAL, escapeCharacter);
}

/** Format `::name key=value,...::data`. Properties that are undefined or empty are left out. */
function formatCommand(name: string, properties: CommandProperties, data: string): string {
  let pairs = '';
  for (const key of Object.keys(properties)) {
    const value = properties[key];
    if (value === undefined || value === '') continue;
    pairs += `${pairs === '' ? ' ' : ','}${key}=${escapeProperty(String(value))}`;
  }
  return `::${name}${pairs}::${escapeData(data)}`;
}

/** Lines held by `batchLines`, or undefined outside a batch. */
let batched: string[] | undefined;

/** Write one line to stdout (or hold it for the batch being collected). */
export function writeLine(line: string): void {
  if (batched) batched.push(line);
  else process.stdout.write(line + EOL);
}

/**
 * Run `body` (synchronous) and write every line it logs in one write at the end, even when it
 * throws: hundreds of annotations cost one system call, not hundreds (each a wake-up of the
 * runner reading the pipe). A batch inside a batch is part of the outer one.
 */
export function batchLines<T>(body: () => T): T {
  if (batched) return body();
  batched = [];
  try {
    return body();
  } finally {
    const lines = batched;
    batched = undefined;
    if (lines.length > 0) process.stdout.write(lines.join(EOL) + EOL);
  }
}

export function issueCommand(name: string, properties: CommandProperties, data: string): void {
  resumeCommands();
  writeLine(formatCommand(name, properties, data));
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
 * guess. The next command we issue ourselves closes the passage first (`issueCommand`), and so
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

/**
 * `name<<delimiter` + value + delimiter, with a random delimiter that neither the name nor the value
 * may contain (so a value cannot end the heredoc early and smuggle in other outputs).
 */
export function formatKeyValue(name: string, value: string, delimiter = `ghadelimiter_${randomUUID()}`): string {
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Refusing to write ${name}: it contains the file-command delimiter`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

/**
 * Append to a file command (`OUTPUT`, `STATE`, `ENV`). Returns false when the runner did not provide
 * that file (an old runner, or a plain `node dist/index.js`), so callers can fall back.
 */
export function issueFileCommand(command: 'OUTPUT' | 'STATE' | 'ENV', message: string): boolean {
  const file = process.env[`GITHUB_${command}`];
  if (!file) return false;
  if (!existsSync(file)) throw new Error(`GITHUB_${command} points at ${file}, which does not exist`);
  appendFileSync(file, message + EOL, { encoding: 'utf8' });
  return true;
}

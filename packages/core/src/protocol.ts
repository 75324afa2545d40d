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
  writeLine(formatCommand(name, properties, data));
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

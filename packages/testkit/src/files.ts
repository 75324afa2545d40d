/**
 * Readers for the runner's file commands (`GITHUB_OUTPUT`, `GITHUB_STATE`, `GITHUB_ENV`) and the
 * workflow commands an action prints (`::error file=a,line=3::message`).
 */

/** Parse a file-command file: `name=value` lines and `name<<DELIMITER` heredocs. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      index++;
      while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++] as string);
      if (index >= lines.length) throw new Error(`Unterminated heredoc for ${name} (delimiter ${delimiter})`);
      values[name] = body.join('\n');
      continue;
    }
    const separator = line.indexOf('=');
    if (separator === -1) throw new Error(`Malformed file command line: ${JSON.stringify(line)}`);
    values[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return values;
}

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface Annotation {
  level: AnnotationLevel;
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  title?: string;
}

export interface WorkflowCommands {
  annotations: Annotation[];
  /** Values registered with `::add-mask::`. */
  masks: string[];
  /** Titles of `::group::` blocks in order. */
  groups: string[];
  /** Values set with the deprecated `::set-output name=x::` command (the runner still honours it). */
  outputs: Record<string, string>;
  /** Values set with the deprecated `::save-state name=x::` command. */
  state: Record<string, string>;
  /** Lines that were not workflow commands (including every line inside a stop-commands passage). */
  log: string[];
}

/** The commands the runner acts on; any other name is text. Names compare case-insensitively. */
const REGISTERED = new Set([
  'add-mask',
  'add-matcher',
  'add-path',
  'debug',
  'echo',
  'endgroup',
  'error',
  'group',
  'notice',
  'remove-matcher',
  'save-state',
  'set-env',
  'set-output',
  'stop-commands',
  'warning',
]);

interface ParsedCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

/** Undo escapes in the order the runner does (`%25` last, so `%250A` stays `%0A`). */
function unescapeWith(text: string, mappings: readonly [string, string][]): string {
  let result = text;
  for (const [token, replacement] of mappings) result = result.split(replacement).join(token);
  return result;
}

const V2_DATA: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  ['%', '%25'],
];
const V2_PROPERTY: [string, string][] = [
  ['\r', '%0D'],
  ['\n', '%0A'],
  [':', '%3A'],
  [',', '%2C'],
  ['%', '%25'],
];
const V1: [string, string][] = [
  [';', '%3B'],
  ['\r', '%0D'],
  ['\n', '%0A'],
  [']', '%5D'],
  ['%', '%25'],
];

function commandName(info: string, registered: (name: string) => boolean): string | undefined {
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  return registered(name) ? name : undefined;
}

function properties(text: string, separator: string, mappings: readonly [string, string][]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of text.split(separator).filter(Boolean)) {
    const equals = pair.indexOf('=');
    // The runner splits at the first `=` and drops empty parts: `a=` and `=b` set nothing.
    if (equals <= 0 || equals === pair.length - 1) continue;
    result[pair.slice(0, equals)] = unescapeWith(pair.slice(equals + 1), mappings);
  }
  return result;
}

/** `::name key=value,...::data`, after leading white space (the runner's TryParseV2). */
function parseV2(line: string, registered: (name: string) => boolean): ParsedCommand | undefined {
  const message = line.trimStart();
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const command = commandName(info, registered);
  if (command === undefined) return undefined;
  const space = info.indexOf(' ');
  return {
    command,
    properties: space > 0 ? properties(info.slice(space + 1).trim(), ',', V2_PROPERTY) : {},
    data: unescapeWith(message.slice(end + 2), V2_DATA),
  };
}

/** The older `##[name key=value;...]data`, found anywhere in the line (the runner's TryParse). */
function parseV1(line: string, registered: (name: string) => boolean): ParsedCommand | undefined {
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const bracket = line.indexOf(']', prefix);
  if (bracket < 0) return undefined;
  const info = line.slice(prefix + 3, bracket);
  const command = commandName(info, registered);
  if (command === undefined) return undefined;
  const space = info.indexOf(' ');
  return {
    command,
    properties: space > 0 ? properties(info.slice(space + 1), ';', V1) : {},
    data: unescapeWith(line.slice(bracket + 1), V1),
  };
}

/**
 * Read an action's stdout the way the runner does: lines split at CR, LF and CRLF; both command
 * forms; and `::stop-commands::<token>`, after which every line is text until `::<token>::`.
 */
export function parseWorkflowCommands(stdout: string): WorkflowCommands {
  const result: WorkflowCommands = { annotations: [], masks: [], groups: [], outputs: {}, state: {}, log: [] };
  // While stopped, only `::<token>::` resumes; an empty token (`::stop-commands::`) never does.
  let stopped = false;
  let stopToken = '';
  const isToken = (name: string) => stopped && stopToken !== '' && name.toLowerCase() === stopToken.toLowerCase();
  const registered = (name: string) => REGISTERED.has(name.toLowerCase()) || isToken(name);
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    const parsed = line === '' ? undefined : (parseV2(line, registered) ?? parseV1(line, registered));
    if (!parsed) {
      if (line !== '') result.log.push(line);
      continue;
    }
    if (stopped) {
      if (isToken(parsed.command)) stopped = false;
      else result.log.push(line);
      continue;
    }
    const command = parsed.command.toLowerCase();
    const { properties: props, data } = parsed;
    if (command === 'stop-commands') {
      stopped = true;
      stopToken = data;
    } else if (command === 'add-mask') {
      if (data.trim() !== '') result.masks.push(data);
    } else if (command === 'group') result.groups.push(data);
    else if (command === 'set-output' && props.name) result.outputs[props.name] = data;
    else if (command === 'save-state' && props.name) result.state[props.name] = data;
    else if (command === 'error' || command === 'warning' || command === 'notice') {
      const annotation: Annotation = { level: command, message: data };
      for (const [key, value] of Object.entries(props)) {
        if (key === 'file' || key === 'title') annotation[key] = value;
        else if (key === 'line' || key === 'endLine' || key === 'col') annotation[key] = Number(value);
      }
      result.annotations.push(annotation);
    }
  }
  return result;
}

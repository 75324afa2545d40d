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
  /** Lines that were not workflow commands. */
  log: string[];
}

/** Undo the escaping `@actions/core` applies to command data and properties. */
function unescapeCommand(text: string): string {
  return text
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

export function parseWorkflowCommands(stdout: string): WorkflowCommands {
  const result: WorkflowCommands = { annotations: [], masks: [], groups: [], log: [] };
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) {
      if (line !== '') result.log.push(line);
      continue;
    }
    const [, command, rawProperties = '', rawData = ''] = match;
    const data = unescapeCommand(rawData);
    if (command === 'add-mask') result.masks.push(data);
    else if (command === 'group') result.groups.push(data);
    else if (command === 'error' || command === 'warning' || command === 'notice') {
      const annotation: Annotation = { level: command, message: data };
      for (const pair of rawProperties.split(',').filter(Boolean)) {
        const separator = pair.indexOf('=');
        const key = pair.slice(0, separator);
        const value = unescapeCommand(pair.slice(separator + 1));
        if (key === 'file' || key === 'title') annotation[key] = value;
        else if (key === 'line' || key === 'endLine' || key === 'col') annotation[key] = Number(value);
      }
      result.annotations.push(annotation);
    }
  }
  return result;
}

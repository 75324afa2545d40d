/**
 * The runner adapter: the module that talks to the runner (through `protocol.ts`). Actions
 * receive a `Runner` and never touch `process.env` or stdout themselves, so the same code runs
 * under GitHub, the testkit's simulated runner and the local CLI.
 */
import { appendFileSync } from 'node:fs';
import {
  batchLines,
  type CommandProperties,
  formatKeyValue,
  issueCommand,
  issueFileCommand,
  mayIssueCommand,
  writeLine,
  writeUntrusted,
} from './protocol.js';
import { limitSummary, SUMMARY_LIMIT_BYTES } from './summary.js';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  title?: string;
}

export interface Runner {
  /** The raw input, `undefined` when unset or empty. Names keep their hyphens (`INPUT_BASE-SHA`). */
  input(name: string): string | undefined;
  setOutput(name: string, value: string | number | boolean): void;
  /** State for the `post:` phase. Never pass secrets here (masked values are redacted). */
  saveState(name: string, value: string): void;
  state(name: string): string | undefined;
  /** Register a secret so the runner masks it in every later log line. */
  mask(secret: string): void;
  /** Every value masked so far (each line of a multi-line secret too). */
  masked(): readonly string[];
  /**
   * A line of our own for the log. Text that could read as a workflow command (a job name holding
   * `##[error]`, say) is written the way `toolOutput` writes it.
   */
  info(message: string): void;
  /**
   * Show a program's output (a build log, pytest's output, pod logs; one line or many) as text
   * only: it is written inside a `::stop-commands::` passage, so nothing in it can add an
   * annotation, a mask or an output. Every external program's output shown in the log goes here.
   */
  toolOutput(text: string): void;
  debug(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  /** Run synchronous `body`, writing the lines it logs (annotations, info) in one write. */
  batch<T>(body: () => T): T;
  /** Append markdown to the job summary; the step's total is cut at GitHub's 1 MiB limit. */
  appendSummary(markdown: string): Promise<void>;
  exportVariable(name: string, value: string): void;
  /** Mark the step failed (exit code 1) with an `::error::` line. */
  fail(message: string): void;
  isDebug(): boolean;
}

/** Names of the environment the runner provides (`GITHUB_*`, `RUNNER_*`), read lazily. */
export function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Replace every masked secret in `text` with `***`. */
export function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join('***');
  return result;
}

/**
 * The runner adapter. Besides masking, it redacts masked values from outputs,
 * state and the summary (the runner masks logs only, not files), and keeps the step's summary under
 * GitHub's size limit across several appends.
 */
export function createRunner(): Runner {
  const secrets = new Set<string>();
  let summaryBytes = 0;
  let summaryFull = false;
  const log = (message: string) => (mayIssueCommand(message) ? writeUntrusted(message) : writeLine(message));
  const annotate = (level: string) => (message: string, properties?: AnnotationProperties) =>
    issueCommand(level, toCommandProperties(properties), message);
  const runner: Runner = {
    input(name) {
      const value = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
      return value.trim() === '' ? undefined : value;
    },
    setOutput(name, value) {
      const text = redact(String(value), secrets);
      if (!issueFileCommand('OUTPUT', formatKeyValue(name, text))) issueCommand('set-output', { name }, text);
    },
    saveState(name, value) {
      const text = redact(value, secrets);
      if (!issueFileCommand('STATE', formatKeyValue(name, text))) issueCommand('save-state', { name }, text);
    },
    state(name) {
      const value = process.env[`STATE_${name}`];
      return value === undefined || value === '' ? undefined : value;
    },
    mask(secret) {
      // Mask each line too: the runner matches masks line by line.
      for (const part of [secret, ...secret.split(/\r?\n/)]) {
        if (part.trim().length < 4 || secrets.has(part)) continue;
        secrets.add(part);
        issueCommand('add-mask', {}, part);
      }
    },
    masked: () => [...secrets],
    info: log,
    toolOutput: writeUntrusted,
    debug: (message) => issueCommand('debug', {}, message),
    warning: annotate('warning'),
    error: annotate('error'),
    notice: annotate('notice'),
    async group(title, body) {
      issueCommand('group', {}, title);
      try {
        return await body();
      } finally {
        issueCommand('endgroup', {}, '');
      }
    },
    batch: batchLines,
    async appendSummary(markdown) {
      if (summaryFull) return;
      const full = redact(markdown, secrets);
      const text = limitSummary(full, SUMMARY_LIMIT_BYTES - summaryBytes);
      // Once cut, the summary ends with the note saying so; later appends are dropped.
      summaryFull = text !== full;
      const file = env('GITHUB_STEP_SUMMARY');
      if (!file) {
        log(text);
        return;
      }
      summaryBytes += Buffer.byteLength(text, 'utf8');
      // Synchronous, like every other runner file command: a few KiB, and no thread-pool round trip.
      appendFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
    },
    exportVariable(name, value) {
      process.env[name] = value;
      if (!issueFileCommand('ENV', formatKeyValue(name, value))) issueCommand('set-env', { name }, value);
    },
    fail(message) {
      process.exitCode = 1;
      runner.error(redact(message, secrets));
    },
    isDebug: () => process.env.RUNNER_DEBUG === '1',
  };
  return runner;
}

function toCommandProperties(properties: AnnotationProperties | undefined): CommandProperties {
  if (!properties) return {};
  return {
    title: properties.title,
    file: properties.file,
    line: properties.line,
    endLine: properties.endLine,
    col: properties.column,
  };
}

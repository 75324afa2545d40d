/**
 * The runner adapter: the only module that imports `@actions/core`. Actions receive a `Runner`
 * and never touch `process.env` or stdout themselves, so the same code runs under GitHub, the
 * testkit's simulated runner and the local CLI.
 */
import { appendFile } from 'node:fs/promises';
import * as actions from '@actions/core';
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
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
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
 * The runner adapter over `@actions/core`. Besides masking, it redacts masked values from outputs,
 * state and the summary (the runner masks logs only, not files), and keeps the step's summary under
 * GitHub's size limit across several appends.
 */
export function createRunner(): Runner {
  const secrets = new Set<string>();
  let summaryBytes = 0;
  let summaryFull = false;
  return {
    input(name) {
      const value = actions.getInput(name, { trimWhitespace: false });
      return value.trim() === '' ? undefined : value;
    },
    setOutput: (name, value) => actions.setOutput(name, redact(String(value), secrets)),
    saveState: (name, value) => actions.saveState(name, redact(value, secrets)),
    state(name) {
      const value = actions.getState(name);
      return value === '' ? undefined : value;
    },
    mask: (secret) => {
      // Mask each line too: the runner matches masks line by line.
      for (const part of [secret, ...secret.split(/\r?\n/)]) {
        if (part.trim().length < 4 || secrets.has(part)) continue;
        secrets.add(part);
        actions.setSecret(part);
      }
    },
    info: (message) => actions.info(message),
    debug: (message) => actions.debug(message),
    warning: (message, properties) => actions.warning(message, toActions(properties)),
    error: (message, properties) => actions.error(message, toActions(properties)),
    notice: (message, properties) => actions.notice(message, toActions(properties)),
    group: (title, body) => actions.group(title, body),
    async appendSummary(markdown) {
      if (summaryFull) return;
      const full = redact(markdown, secrets);
      const text = limitSummary(full, SUMMARY_LIMIT_BYTES - summaryBytes);
      // Once cut, the summary ends with the note saying so; later appends are dropped.
      summaryFull = text !== full;
      const file = env('GITHUB_STEP_SUMMARY');
      if (!file) {
        actions.info(text);
        return;
      }
      summaryBytes += Buffer.byteLength(text, 'utf8');
      await appendFile(file, text.endsWith('\n') ? text : `${text}\n`);
    },
    exportVariable: (name, value) => actions.exportVariable(name, value),
    fail: (message) => actions.setFailed(redact(message, secrets)),
    isDebug: () => actions.isDebug(),
  };
}

function toActions(properties: AnnotationProperties | undefined): actions.AnnotationProperties | undefined {
  if (!properties) return undefined;
  return {
    file: properties.file,
    startLine: properties.line,
    endLine: properties.endLine,
    startColumn: properties.column,
    title: properties.title,
  };
}

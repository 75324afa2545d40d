/**
 * The runner adapter: the only module that imports `@actions/core`. Actions receive a `Runner` and
 * never touch `process.env`, stdout or `$GITHUB_OUTPUT` themselves, so the same code runs under
 * GitHub, the testkit's simulated runner, the local CLI and `@github/local-action` (which stubs
 * `@actions/core`). What the adapter adds to `@actions/core`: masked values are redacted from outputs,
 * state, the summary and failures (the runner masks the log only, not files); the summary is kept
 * under GitHub's size limit across appends; a batch of log lines goes out in one write.
 */
import * as core from '@actions/core';
import { batchLines, mayIssueCommand, resumeCommands, writeUntrusted } from './protocol.js';
import { limitSummary, SUMMARY_LIMIT_BYTES } from './summary.js';

export interface AnnotationProperties {
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
  title?: string;
}

/**
 * What a module that only logs needs: one shape for every port that takes a logger, so a `Runner`
 * (or a test's recorder) is passed as it is.
 */
export interface Logger {
  /**
   * A line of our own for the log. Text that could read as a workflow command (a job name holding
   * `##[error]`, say) is written the way `toolOutput` writes it.
   */
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  debug(message: string): void;
  /**
   * Show a program's output (a build log, pytest's output, pod logs; one line or many) as text
   * only: it is written inside a `::stop-commands::` passage, so nothing in it can add an
   * annotation, a mask or an output. Every external program's output shown in the log goes here.
   */
  toolOutput(text: string): void;
}

export interface Runner extends Logger {
  /** The raw input, `undefined` when unset or empty. Names keep their hyphens (`INPUT_BASE-SHA`). */
  input(name: string): string | undefined;
  setOutput(name: string, value: string | number | boolean): void;
  /** State for the `post:` phase. Never pass secrets here (masked values are redacted). */
  saveState(name: string, value: string): void;
  state(name: string): string | undefined;
  /** Register a secret so the runner masks it in every later log line (each line of it too). */
  mask(secret: string): void;
  /** Every value masked so far (each line of a multi-line secret too). */
  masked(): readonly string[];
  /** `text` with every masked value replaced by `***`. */
  redact(text: string): string;
  error(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
  group<T>(title: string, body: () => Promise<T>): Promise<T>;
  /** Run synchronous `body`, writing the lines it logs (annotations, info) in one write. */
  batch<T>(body: () => T): T;
  /**
   * Append markdown to the job summary; the step's total is cut at GitHub's 1 MiB limit, so callers
   * hand over their whole rendering and never cut it themselves.
   */
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

/**
 * Replace every secret in `text` with `***`, longest first: a secret that contains a shorter one
 * (a key and one of its lines) is replaced whole, not left in pieces around `***`.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== '') result = result.split(secret).join('***');
  }
  return result;
}

/**
 * The parts of a secret the runner must be told about: the whole value and each of its lines (the
 * runner matches masks line by line), leaving out lines too short to be a secret (a mask of `{` would
 * star every brace in the log).
 */
export function maskParts(secret: string): string[] {
  const lines = secret.split(/\r?\n/);
  const parts = [secret, ...lines, ...lines.map((line) => line.trim())];
  return [...new Set(parts)].filter((part) => part.trim().length >= 4);
}

/** The runner adapter over `@actions/core`. */
export function createRunner(): Runner {
  const secrets = new Set<string>();
  let summaryBytes = 0;
  let summaryFull = false;
  const hide = (text: string) => redact(text, secrets);
  // Every command of ours first closes a stop-commands passage that tool output left open.
  const command =
    <A extends unknown[], R>(write: (...args: A) => R) =>
    (...args: A): R => {
      resumeCommands();
      return write(...args);
    };
  const log = (message: string) => (mayIssueCommand(message) ? writeUntrusted(message) : core.info(message));
  const runner: Runner = {
    input(name) {
      const value = core.getInput(name, { trimWhitespace: false });
      return value.trim() === '' ? undefined : value;
    },
    setOutput: command((name: string, value: string | number | boolean) => core.setOutput(name, hide(String(value)))),
    saveState: command((name: string, value: string) => core.saveState(name, hide(value))),
    state(name) {
      const value = core.getState(name);
      return value === '' ? undefined : value;
    },
    mask: command((secret: string) => {
      for (const part of maskParts(secret)) {
        if (secrets.has(part)) continue;
        secrets.add(part);
        core.setSecret(part);
      }
    }),
    masked: () => [...secrets],
    redact: hide,
    info: log,
    toolOutput: writeUntrusted,
    debug: command((message: string) => core.debug(message)),
    warning: command((message: string, properties?: AnnotationProperties) =>
      core.warning(message, toCoreProperties(properties)),
    ),
    error: command((message: string, properties?: AnnotationProperties) =>
      core.error(message, toCoreProperties(properties)),
    ),
    notice: command((message: string, properties?: AnnotationProperties) =>
      core.notice(message, toCoreProperties(properties)),
    ),
    async group(title, body) {
      resumeCommands();
      core.startGroup(title);
      try {
        return await body();
      } finally {
        resumeCommands();
        core.endGroup();
      }
    },
    batch: batchLines,
    async appendSummary(markdown) {
      if (summaryFull) return;
      const full = hide(markdown);
      const text = limitSummary(full, SUMMARY_LIMIT_BYTES - summaryBytes);
      // Once cut, the summary ends with the note saying so; later appends are dropped.
      summaryFull = text !== full;
      if (!env('GITHUB_STEP_SUMMARY')) {
        log(text);
        return;
      }
      summaryBytes += Buffer.byteLength(text, 'utf8');
      await core.summary.addRaw(text.endsWith('\n') ? text : `${text}\n`).write();
    },
    exportVariable: command((name: string, value: string) => core.exportVariable(name, value)),
    fail: command((message: string) => core.setFailed(hide(message))),
    isDebug: () => core.isDebug(),
  };
  return runner;
}

function toCoreProperties(properties: AnnotationProperties | undefined): core.AnnotationProperties {
  if (!properties) return {};
  return {
    title: properties.title,
    file: properties.file,
    startLine: properties.line,
    endLine: properties.endLine,
    startColumn: properties.column,
  };
}

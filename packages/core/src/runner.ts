/**
 * The runner adapter: the only module that imports `@actions/core`. Actions receive a `Runner`
 * and never touch `process.env` or stdout themselves, so the same code runs under GitHub, the
 * testkit's simulated runner and the local CLI.
 */
import * as actions from '@actions/core';

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
  /** State for the `post:` phase. Never pass secrets here. */
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
  /** Append markdown to the job summary (size-limited by `summary.ts` before it gets here). */
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

export function createRunner(): Runner {
  return {
    input(name) {
      const value = actions.getInput(name, { trimWhitespace: false });
      return value.trim() === '' ? undefined : value;
    },
    setOutput: (name, value) => actions.setOutput(name, String(value)),
    saveState: (name, value) => actions.saveState(name, value),
    state(name) {
      const value = actions.getState(name);
      return value === '' ? undefined : value;
    },
    mask: (secret) => {
      if (secret !== '') actions.setSecret(secret);
    },
    info: (message) => actions.info(message),
    debug: (message) => actions.debug(message),
    warning: (message, properties) => actions.warning(message, toActions(properties)),
    error: (message, properties) => actions.error(message, toActions(properties)),
    notice: (message, properties) => actions.notice(message, toActions(properties)),
    group: (title, body) => actions.group(title, body),
    async appendSummary(markdown) {
      if (!env('GITHUB_STEP_SUMMARY')) {
        actions.info(markdown);
        return;
      }
      await actions.summary.addRaw(markdown, true).write();
    },
    exportVariable: (name, value) => actions.exportVariable(name, value),
    fail: (message) => actions.setFailed(message),
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

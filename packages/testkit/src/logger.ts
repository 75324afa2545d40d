/**
 * A logger for unit tests of modules that take core's `Logger` port: it keeps what each method was
 * given, so a test asserts on the lines instead of stubbing functions.
 */
export interface RecordingLogger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  toolOutput(text: string): void;
  /** `info` lines, in order. */
  readonly lines: string[];
  readonly warnings: string[];
  readonly debugs: string[];
  /** What `toolOutput` was given. */
  readonly output: string[];
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = [];
  const warnings: string[] = [];
  const debugs: string[] = [];
  const output: string[] = [];
  return {
    info: (message) => void lines.push(message),
    warning: (message) => void warnings.push(message),
    debug: (message) => void debugs.push(message),
    toolOutput: (text) => void output.push(text),
    lines,
    warnings,
    debugs,
    output,
  };
}

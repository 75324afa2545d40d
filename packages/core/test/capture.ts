/**
 * Test setup for code that speaks the runner protocol in-process: registers, in the calling
 * `describe`, hooks that collect what is written to stdout and afterwards restore the mocks,
 * `process.env` (as it was when this was called) and `process.exitCode`.
 */
import { afterEach, beforeEach, vi } from 'vitest';

/** Call inside a `describe`; `stdout` holds each test's stdout chunks, emptied before every test. */
export function captureRunnerIO(): { stdout: string[] } {
  const saved = { ...process.env };
  const stdout: string[] = [];
  beforeEach(() => {
    stdout.length = 0;
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.env = { ...saved };
    process.exitCode = undefined;
  });
  return { stdout };
}

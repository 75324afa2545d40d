/**
 * Running external programs: always an argument array, never a shell string, each program in a
 * process group of its own (a program that signals its whole group, kill(0, ...), must not take the
 * step with it). `exec` is for short commands (git, tool probes); `spawnProcess` for long ones (image
 * builds, pytest) that need a deadline, cancellation and line streaming.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout as the program wrote it (set by `execCollect` and `collectOutput`). */
  stdoutBytes?: Buffer;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Written to the program's stdin. */
  input?: string | Buffer;
}

/**
 * Run a short command to completion with its output collected as Buffers and decoded once, so a
 * multi-byte character split across chunks survives (scripts/bench/dependencies.mjs times this
 * against `@actions/exec`).
 * Never throws: a non-zero exit is in the result, and a program that cannot start gives exit code 127.
 */
export function execCollect(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  try {
    return startCollecting(command, args, options).result;
  } catch (error) {
    return Promise.resolve({ exitCode: 127, stdout: '', stderr: `cannot run ${command}: ${(error as Error).message}` });
  }
}

/**
 * Start a command the way `execCollect` runs it, and collect its output from that moment: for a
 * command started ahead of need (see `startGit`). Throws when the program cannot be spawned.
 */
export function startCollecting(
  command: string,
  args: readonly string[],
  options: ExecOptions = {},
): { child: ChildProcess; result: Promise<ExecResult> } {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group: a program that signals its whole group must not take the step with it.
    detached: true,
  });
  child.stdin?.on('error', () => {});
  child.stdin?.end(options.input);
  return { child, result: collectOutput(child, command) };
}

/**
 * The result of a child process started elsewhere with piped stdout/stderr (for instance before
 * the bundle finished loading). Attach it before the event loop turns, or keep an 'error' listener
 * on the child meanwhile: a child that could not start gives exit code 127.
 */
export function collectOutput(child: ChildProcess, command = 'the program'): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let failed: Error | undefined;
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      failed = error;
      // A process that never started emits no 'close'.
      if (child.pid === undefined) {
        resolve({ exitCode: 127, stdout: '', stderr: `cannot run ${command}: ${error.message}` });
      }
    });
    child.on('close', (code, signal) => {
      const err = Buffer.concat(stderr).toString('utf8');
      const out = Buffer.concat(stdout);
      resolve({
        exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
        stdout: out.toString('utf8'),
        stdoutBytes: out,
        stderr: failed && err === '' ? `${command}: ${failed.message}` : err,
      });
    });
  });
}

/**
 * Stop a child process if it is still running. Never call `child.kill()` on a child whose spawn
 * failed: Node keeps pid 0 in its handle until the 'error' event, and kill(0, signal) signals the
 * caller's whole process group (on a runner, every process of the step; in CI, the test runner).
 */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
}

/** `execCollect` under its everyday name. */
export const exec = execCollect;

export interface SpawnOptions extends ExecOptions {
  /** Stop the program (SIGTERM, then SIGKILL after `killGraceMs`) when this much time has passed. */
  timeoutMs?: number;
  killGraceMs?: number;
  signal?: AbortSignal;
  /** Called for each complete line of stdout/stderr as it arrives. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep at most this many bytes of each stream (the tail, cut at a character boundary); default 16 MiB. */
  maxBufferBytes?: number;
}

export interface SpawnResult extends ExecResult {
  timedOut: boolean;
  durationMs: number;
}

/**
 * Run a long program with a deadline. The program gets its own process group, so the deadline
 * stops everything it started (a build's children, pytest workers), not just the parent.
 * Resolves with `timedOut: true` rather than throwing, so callers can still write reports.
 */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<SpawnResult> {
  const started = Date.now();
  const maxBuffer = options.maxBufferBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 10_000);
    };
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);
    const onAbort = () => stop();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const streams = { stdout: new OutputTail(maxBuffer), stderr: new OutputTail(maxBuffer) };
    // One decoder per stream: a multi-byte character split across two chunks is joined, not
    // turned into two replacement characters.
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const partial = { stdout: '', stderr: '' };
    const emitLines = (name: 'stdout' | 'stderr', text: string) => {
      if (!options.onLine || text === '') return;
      const lines = (partial[name] + text).split('\n');
      partial[name] = lines.pop() ?? '';
      for (const line of lines) options.onLine(line, name);
    };
    const collect = (name: 'stdout' | 'stderr') => (chunk: Buffer) => {
      streams[name].push(chunk);
      emitLines(name, decoders[name].write(chunk));
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('error', (error) => {
      if (deadline) clearTimeout(deadline);
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (deadline) clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      for (const name of ['stdout', 'stderr'] as const) {
        emitLines(name, decoders[name].end());
        if (partial[name] !== '') options.onLine?.(partial[name], name);
      }
      resolve({
        exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
        stdout: streams.stdout.text(),
        stderr: streams.stderr.text(),
        timedOut,
        durationMs: Date.now() - started,
      });
    });
  });
}

/**
 * The last `limit` bytes of a stream, kept as the chunks that arrived (no decoding until the end).
 * A cut never leaves half a character at the start: leading UTF-8 continuation bytes are dropped.
 */
class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private cut = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > this.limit) {
      const first = this.chunks[0] as Buffer;
      const excess = this.bytes - this.limit;
      this.cut = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.bytes -= excess;
      }
    }
  }

  text(): string {
    let bytes = Buffer.concat(this.chunks);
    if (this.cut) {
      let start = 0;
      // A continuation byte is 10xxxxxx; a character has at most three of them.
      while (start < 3 && start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
      bytes = bytes.subarray(start);
    }
    return bytes.toString('utf8');
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGTERM: 15, SIGKILL: 9, SIGINT: 2 }[signal as string] ?? 1;
}

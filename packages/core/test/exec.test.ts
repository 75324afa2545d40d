import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { exec, spawnProcess, stopChild } from '../src/index.js';

describe('stopChild', () => {
  it('never signals a child whose spawn failed (Node would send kill(0): the whole process group)', () => {
    const child = spawn('/nonexistent/program', [], { stdio: 'ignore' });
    child.on('error', () => {});
    const kill = vi.spyOn(child, 'kill');
    expect(child.pid).toBeUndefined();
    stopChild(child);
    expect(kill).not.toHaveBeenCalled();
  });

  it('stops a running child, and leaves a finished one alone', async () => {
    const running = spawn('sleep', ['30'], { stdio: 'ignore' });
    const closed = new Promise((resolve) => running.once('close', (_code, signal) => resolve(signal)));
    stopChild(running);
    expect(await closed).toBe('SIGTERM');
    const kill = vi.spyOn(running, 'kill');
    stopChild(running);
    expect(kill).not.toHaveBeenCalled();
  });
});

describe('exec', () => {
  it('runs each program in a process group of its own', async () => {
    const result = await exec('sh', ['-c', 'ps -o pgid= -p $$; ps -o pgid= -p $PPID']);
    const [own, parent] = result.stdout.trim().split(/\s+/);
    expect(own).not.toBe(parent);
  });

  it('collects large output whole: a character split across chunks survives', async () => {
    // 3 MB with NULs, newlines and non-ASCII, and something on stderr too.
    const script =
      "const s = 'p\\u00fcth \\u65e5\\n\\0'.repeat(300000); process.stdout.write(s); process.stderr.write('warn'); process.exitCode = 3;";
    const piped = await exec(process.execPath, ['-e', script]);
    expect(piped.stdout).toBe('p\u00fcth \u65e5\n\0'.repeat(300000));
    // Buffers compared as bytes: toEqual would walk 3 million elements one by one (seconds).
    expect(piped.stdoutBytes?.equals(Buffer.from(piped.stdout, 'utf8'))).toBe(true);
    expect(piped).toMatchObject({ exitCode: 3, stderr: 'warn' });
  });
});

describe('spawnProcess decoding', () => {
  /** A child that writes `first`, waits until the parent must have read it, then writes `rest`. */
  const splitWriter = (stream: 'stdout' | 'stderr', first: number[], rest: number[]) => [
    '-e',
    `process.${stream}.write(Buffer.from(${JSON.stringify(first)}));` +
      `setTimeout(() => process.${stream}.write(Buffer.from(${JSON.stringify(rest)})), 200);`,
  ];

  it.each(['stdout', 'stderr'] as const)('joins a character split across two %s chunks', async (stream) => {
    // 日 is E6 97 A5: the first chunk ends after two of its three bytes.
    const lines: string[] = [];
    const result = await spawnProcess(process.execPath, splitWriter(stream, [0x61, 0xe6, 0x97], [0xa5, 0x62, 0x0a]), {
      onLine: (line, from) => {
        if (from === stream) lines.push(line);
      },
    });
    expect(result.exitCode).toBe(0);
    expect(result[stream]).toBe('a日b\n');
    expect(lines).toEqual(['a日b']);
  });

  it('keeps a last line without a newline whose character was split', async () => {
    const lines: string[] = [];
    const result = await spawnProcess(process.execPath, splitWriter('stdout', [0xc3], [0xa9]), {
      onLine: (line) => lines.push(line),
    });
    expect(result.stdout).toBe('é');
    expect(lines).toEqual(['é']);
  });

  it('counts maxBufferBytes in bytes and cuts the tail at a character boundary', async () => {
    // Ten two-byte characters (20 bytes): 7 bytes keep three whole characters, not seven.
    const result = await spawnProcess(process.execPath, ['-e', 'process.stdout.write("é".repeat(10))'], {
      maxBufferBytes: 7,
    });
    expect(result.stdout).toBe('ééé');
    const ascii = await spawnProcess(process.execPath, ['-e', 'process.stdout.write("0123456789")'], {
      maxBufferBytes: 4,
    });
    expect(ascii.stdout).toBe('6789');
  });
});

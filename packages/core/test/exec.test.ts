import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { exec, stopChild } from '../src/index.js';

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
});

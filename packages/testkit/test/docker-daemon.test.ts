/**
 * The daemon module as .ci/run uses it: its source file run directly by Node (type stripping), three
 * processes starting one daemon at once in a folder of their own, then stopping it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cannotStartDaemon, pingDocker, repoRoot } from '../src/index.js';

const SOURCE = join(repoRoot, 'packages', 'testkit', 'src', 'docker-daemon.ts');
/** A Node that runs TypeScript as it is (22.18+): CI's Node 24, else this one if it can. */
const node = [process.env.DYNAMO_CI_NODE, process.execPath].find(
  (candidate) =>
    candidate !== undefined &&
    spawnSync(candidate, ['--input-type=module-typescript', '-e', 'let a: number = 1']).status === 0,
);
const why = node === undefined ? 'no Node here runs TypeScript directly (22.18+)' : cannotStartDaemon();
if (why !== undefined && process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
  throw new Error(`DYNAMO_CI_REQUIRE_TOOLS=1 but the Docker daemon module cannot be tested: ${why}`);
}

function cli(dir: string, command: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(node as string, [SOURCE, command], { env: { ...process.env, DYNAMO_CI_DOCKER_DIR: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function dockerdsOf(dir: string): number[] {
  return spawnSync('pgrep', ['-f', `dockerd .*--data-root ${join(dir, 'data')}`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);
}

describe('the Docker daemon module', () => {
  if (why !== undefined) it.skip(`starts one daemon for racing processes: ${why}`, () => {});

  it.runIf(why === undefined)(
    'starts one daemon for three processes racing, answers on its socket, and stops it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dynamo-ci-docker-test-'));
      try {
        const starts = await Promise.all([cli(dir, 'start'), cli(dir, 'start'), cli(dir, 'start')]);
        const host = `unix://${join(dir, 'docker.sock')}`;
        expect(starts.map((start) => [start.code, start.stdout.trim()])).toEqual([
          [0, host],
          [0, host],
          [0, host],
        ]);
        expect(dockerdsOf(dir)).toHaveLength(1);
        expect(await pingDocker(host)).toBe(true);
        expect(readFileSync(join(dir, 'storage-driver'), 'utf8').trim()).toMatch(/^(overlay2|vfs)$/);
        // Started again: found running, not started twice.
        expect((await cli(dir, 'start')).stdout.trim()).toBe(host);
        expect(dockerdsOf(dir)).toHaveLength(1);

        const stopped = await cli(dir, 'stop');
        expect([stopped.code, stopped.stderr]).toEqual([0, 'dockerd stopped\n']);
        expect(dockerdsOf(dir)).toEqual([]);
        expect(await pingDocker(host)).toBe(false);
        expect((await cli(dir, 'status')).code).toBe(1);
        expect((await cli(dir, 'stop')).stderr).toBe('dockerd was not running\n');
      } finally {
        await cli(dir, 'stop');
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it.runIf(why === undefined)(
    'takes over a lock its holder left behind when it died',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dynamo-ci-docker-test-'));
      try {
        const dead = spawnSync('true').pid as number;
        writeFileSync(join(dir, 'lock'), String(dead));
        const start = await cli(dir, 'start');
        expect(start.code).toBe(0);
        expect(existsSync(join(dir, 'lock'))).toBe(false);
      } finally {
        await cli(dir, 'stop');
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it.runIf(why === undefined)('refuses a daemon folder that is not its own', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'dynamo-ci-docker-test-'));
    const link = join(parent, 'dir');
    symlinkSync(tmpdir(), link);
    const start = await cli(link, 'start');
    rmSync(parent, { recursive: true, force: true });
    expect(start.code).toBe(1);
    expect(start.stderr).toBe(`${link} is not a folder of this user; remove it\n`);
  });
});

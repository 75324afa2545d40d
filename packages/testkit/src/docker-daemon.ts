/**
 * A real Docker engine for tests, the demo and the local pipeline: Debian's `dockerd` on a socket and
 * data folder of its own under the temporary folder, one per machine, shared by every process that
 * asks for it (a lock file orders concurrent starts).
 *
 * The file imports only Node's own modules and uses only erasable TypeScript, so Node 22.18+ runs it
 * as it is: that is how `.ci/run` starts the daemon before anything is built, and how to start it by hand.
 *
 *   node packages/testkit/src/docker-daemon.ts start    start it (or find it running); prints its DOCKER_HOST
 *   node packages/testkit/src/docker-daemon.ts stop     stop it (its images stay for the next start)
 *   node packages/testkit/src/docker-daemon.ts status   print its DOCKER_HOST when it answers, else exit 1
 */
import { execFile, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable naming the daemon the tests use (`.ci/run` sets it); unset, they use or start the machine's own. */
export const DOCKER_HOST_VARIABLE = 'DYNAMO_CI_DOCKER_HOST';

export interface DockerDaemon {
  /** `unix://…/docker.sock`: the value for DOCKER_HOST. */
  host: string;
  /** The folder holding its socket, data, pid file and log. */
  dir: string;
}

/**
 * The machine's daemon folder: the same for every process of this user's temporary folder, or the
 * folder DYNAMO_CI_DOCKER_DIR names (a daemon apart from the machine's, e.g. to test this module).
 */
export function daemonDir(): string {
  return process.env.DYNAMO_CI_DOCKER_DIR ?? join(tmpdir(), 'dynamo-ci-docker');
}

function daemonPaths(dir: string) {
  const socket = join(dir, 'docker.sock');
  return {
    socket,
    host: `unix://${socket}`,
    data: join(dir, 'data'),
    exec: join(dir, 'exec'),
    pid: join(dir, 'docker.pid'),
    log: join(dir, 'dockerd.log'),
    config: join(dir, 'daemon.json'),
    driver: join(dir, 'storage-driver'),
    lock: join(dir, 'lock'),
  };
}

/** Whether the Docker API at `host` (`unix:///path` or `tcp://host:port`) answers `/_ping`. */
export function pingDocker(host: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const target = host.startsWith('unix://')
      ? { socketPath: host.slice('unix://'.length) }
      : (() => {
          const url = new URL(host.replace(/^tcp:/, 'http:'));
          return { host: url.hostname, port: Number(url.port || 2375) };
        })();
    const ping = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    ping.on('timeout', () => ping.destroy());
    ping.on('error', () => resolve(false));
    ping.end();
  });
}

/** Why this machine cannot start a daemon of its own, or undefined when it can. */
export function cannotStartDaemon(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'starting dockerd needs root (or set DYNAMO_CI_DOCKER_HOST to a running daemon)';
  }
  const missing = ['dockerd', 'containerd', 'runc'].filter((tool) => findProgram(tool) === undefined);
  return missing.length > 0 ? `${missing.join(', ')} not installed (apt-get install docker.io)` : undefined;
}

/**
 * Start the machine's daemon, or return it when it already answers. Safe when several processes ask
 * at once (a lock file orders them; the first starts it, the others find it running). overlay2 is
 * tried first (a container starts in about a second), vfs when the data folder cannot hold overlay
 * mounts; the choice is kept for later starts, so images stay visible.
 */
export async function startDockerDaemon(dir = daemonDir()): Promise<DockerDaemon> {
  const paths = daemonPaths(dir);
  if (await pingDocker(paths.host)) return { host: paths.host, dir };
  const why = cannotStartDaemon();
  if (why) throw new Error(`Cannot start a Docker daemon: ${why}`);
  ownFolder(dir);
  return withLock(paths.lock, 180_000, async () => {
    if (await pingDocker(paths.host)) return { host: paths.host, dir };
    mkdirSync(paths.data, { recursive: true });
    mkdirSync(paths.exec, { recursive: true });
    // Our own (empty) configuration: a host's /etc/docker/daemon.json may set hosts or drivers that clash.
    writeFileSync(paths.config, '{}\n');
    const chosen = existsSync(paths.driver) ? readFileSync(paths.driver, 'utf8').trim() : undefined;
    let failure = '';
    for (const driver of chosen ? [chosen] : ['overlay2', 'vfs']) {
      failure = await launchDaemon(paths, driver);
      if (failure === '') {
        writeFileSync(paths.driver, `${driver}\n`);
        return { host: paths.host, dir };
      }
    }
    // A process that took over the lock of one it thought dead may have started it meanwhile.
    if (await pingDocker(paths.host)) return { host: paths.host, dir };
    throw new Error(`dockerd did not start (log ${paths.log}): ${failure}`);
  });
}

/** Start dockerd with one storage driver; '' when it answers, else the last lines of its log. */
async function launchDaemon(paths: ReturnType<typeof daemonPaths>, driver: string): Promise<string> {
  // dockerd refuses to start while its pid file names a live process (its own guard against a second
  // daemon on one folder): a pid reused by another program since must not count.
  const previous = readPid(paths.pid);
  if (previous !== undefined && alive(previous) && !isDockerd(previous)) rmSync(paths.pid, { force: true });
  const log = openSync(paths.log, 'a');
  const args = [
    '--config-file',
    paths.config,
    '--host',
    paths.host,
    '--data-root',
    paths.data,
    '--exec-root',
    paths.exec,
    '--pidfile',
    paths.pid,
    '--storage-driver',
    driver,
    // No NAT rules or bridge on a shared machine: containers run with `--network none` or the host's.
    '--iptables=false',
    '--bridge=none',
    // A containerd of the host (if any) must not mix our containers with its own daemon's.
    '--containerd-namespace',
    'dynamo-ci',
    '--containerd-plugins-namespace',
    'dynamo-ci-plugins',
  ];
  const child = spawn(findProgram('dockerd') as string, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, PATH: searchPath().join(':') },
  });
  closeSync(log);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });
  child.on('error', () => {
    exited = true;
  });
  child.unref();
  for (let waited = 0; waited < 60_000 && !exited; waited += 250) {
    if (await pingDocker(paths.host)) return '';
    await sleep(250);
  }
  if (!exited) child.kill('SIGKILL');
  const lines = readFileSync(paths.log, 'utf8').trim().split('\n');
  const errors = lines.filter((line) => /level=(error|fatal)|failed to start daemon/i.test(line));
  return (errors.at(-1) ?? lines.at(-1) ?? 'no output').slice(0, 400);
}

/** Stop the machine's daemon (SIGTERM, then SIGKILL after 30 s). False when it was not running. */
export async function stopDockerDaemon(dir = daemonDir()): Promise<boolean> {
  const paths = daemonPaths(dir);
  if (!existsSync(dir)) return false;
  return withLock(paths.lock, 180_000, async () => {
    const pid = readPid(paths.pid);
    if (pid === undefined || !alive(pid)) return false;
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; waited < 30_000 && alive(pid); waited += 200) await sleep(200);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    // The containerd dockerd started for itself, should it outlive a killed dockerd.
    const containerd = readPid(join(paths.exec, 'containerd', 'containerd.pid'));
    if (containerd !== undefined && alive(containerd)) process.kill(containerd, 'SIGTERM');
    // dockerd bind-mounts its data folder onto itself; a killed one leaves that (and more) mounted.
    for (const mount of mountsUnder(dir)) await runTool('umount', ['--lazy', '--', mount]);
    rmSync(paths.socket, { force: true });
    return true;
  });
}

/**
 * The daemon for tests and local runs: the one DYNAMO_CI_DOCKER_HOST names, else the machine's own
 * (started when this process may start it), else the reason there is none, in one line.
 */
export async function localDocker(): Promise<{ host: string } | { reason: string }> {
  const configured = process.env[DOCKER_HOST_VARIABLE];
  if (configured) {
    return (await pingDocker(configured, 5000))
      ? { host: configured }
      : { reason: `${DOCKER_HOST_VARIABLE}=${configured} does not answer` };
  }
  try {
    return { host: (await startDockerDaemon()).host };
  } catch (error) {
    return { reason: (error as Error).message.split('\n')[0] as string };
  }
}

/**
 * The daemon for a test file, or the one-line reason there is none (to skip with). Under
 * DYNAMO_CI_REQUIRE_TOOLS=1 (CI) a missing daemon is an error instead; `also` adds a further
 * requirement (a reason, or undefined when it is met).
 */
export async function dockerForTests(also?: () => string | undefined): Promise<{ host: string } | { reason: string }> {
  const docker = await localDocker();
  const reason = 'reason' in docker ? docker.reason : also?.();
  if (reason === undefined) return docker;
  if (process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
    throw new Error(`DYNAMO_CI_REQUIRE_TOOLS=1 but the tests have no Docker engine: ${reason}`);
  }
  return { reason };
}

/**
 * Create `dir`, readable by all (a runner's user reaches the socket, root:docker 0660, through it); an
 * existing one must be this user's folder, not a link (the temporary folder is shared).
 */
function ownFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stats = lstatSync(dir);
  if (!stats.isDirectory() || stats.uid !== process.getuid?.()) {
    throw new Error(`${dir} is not a folder of this user; remove it`);
  }
}

/**
 * Run `body` holding the lock file `path` (created exclusively, holding our pid). A lock whose
 * holder died is taken over; waiting longer than `timeoutMs` is an error.
 */
export async function withLock<T>(path: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readPid(path);
    if (holder !== undefined && !alive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${path} (held by pid ${holder})`);
    await sleep(250);
  }
  try {
    return await body();
  } finally {
    rmSync(path, { force: true });
  }
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Remove a folder that buildah's overlay storage or a daemon may still have mounted parts of
 * (containers/storage mounts its overlay folder onto itself): unmount what is under it, deepest
 * first, then delete it.
 */
export async function removeMountedTree(dir: string): Promise<void> {
  for (const mount of mountsUnder(dir)) await runTool('umount', ['--lazy', '--', mount]);
  rmSync(dir, { recursive: true, force: true });
}

/** Mount points under `dir`, deepest first (from /proc/self/mounts, octal escapes decoded). */
function mountsUnder(dir: string): string[] {
  let table = '';
  try {
    table = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  return table
    .split('\n')
    .map((line) =>
      (line.split(' ')[1] ?? '').replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(Number.parseInt(octal, 8))),
    )
    .filter((mount) => mount.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

function isDockerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return true;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PATH plus the system folders (a non-login root shell may lack /usr/sbin, where dockerd lives). */
function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(dir)) dirs.push(dir);
  }
  return dirs;
}

/** The first `name` on PATH or in the system folders. */
export function findProgram(name: string): string | undefined {
  return searchPath()
    .map((dir) => join(dir, name))
    .find((path) => existsSync(path));
}

/** Wait `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last `count` lines of a tool's output, on one line. */
export function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' / ');
}

/** Run a short tool to completion (argument array, a deadline); never throws, a failure is a non-zero code. */
export function runTool(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: options.env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && !stderr ? error.message : '') });
      },
    );
  });
}

async function cli(command: string | undefined): Promise<number> {
  if (command === 'start') {
    process.stdout.write(`${(await startDockerDaemon()).host}\n`);
    return 0;
  }
  if (command === 'stop') {
    process.stderr.write((await stopDockerDaemon()) ? 'dockerd stopped\n' : 'dockerd was not running\n');
    return 0;
  }
  if (command === 'status') {
    const host = daemonPaths(daemonDir()).host;
    if (!(await pingDocker(host))) return 1;
    process.stdout.write(`${host}\n`);
    return 0;
  }
  process.stderr.write('Usage: node packages/testkit/src/docker-daemon.ts start|stop|status\n');
  return 2;
}

// Node sets import.meta.main for the file it was asked to run; in a bundle or under vitest it is unset.
if ((import.meta as { main?: boolean }).main) {
  cli(process.argv[2]).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * The Python base image (python3 with pytest, pytest-xdist and pytest-timeout) for tests and the local
 * pipeline, built from Debian's packages with mmdebstrap (no image registry needs to be reachable),
 * cached by its package list so it is built once per machine, then imported into a Docker daemon or
 * pushed to a local registry as a one-layer OCI image.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram, lastLines, localDocker, runTool, withLock } from './docker-daemon.js';

/** What the base image holds besides Debian's essential packages. */
export const PYTHON_BASE_PACKAGES: readonly string[] = [
  'python3',
  'python3-pytest',
  'python3-pytest-xdist',
  'python3-pytest-timeout',
];

/** The repository of the base image, in the daemon and in a registry. */
export const PYTHON_BASE_REPOSITORY = 'dynamo-ci/python-base';

export interface BaseRootfs {
  /** The root filesystem as a tar file (an uncompressed image layer). */
  tar: string;
  /** Hash of what went into it (suite, architecture, packages, apt sources): the image tag. */
  key: string;
  /** `sha256:…` of the tar, and its size in bytes. */
  digest: string;
  size: number;
  packages: string[];
}

/** Where built root filesystems are kept between runs: $XDG_CACHE_HOME/dynamo-ci, else the temporary folder. */
export function cacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return xdg ? join(xdg, 'dynamo-ci') : join(tmpdir(), 'dynamo-ci-cache');
}

/**
 * The Debian root filesystem with `packages`, built once per machine with mmdebstrap from this
 * machine's own apt sources and suite (about a minute), then found in the cache by its key.
 */
export async function buildBaseRootfs(packages: readonly string[] = PYTHON_BASE_PACKAGES): Promise<BaseRootfs> {
  const { sorted, suite, sources, key, tar, metadata } = baseRecipe(packages);
  const cached = (): BaseRootfs | undefined =>
    existsSync(metadata) && existsSync(tar) ? (JSON.parse(readFileSync(metadata, 'utf8')) as BaseRootfs) : undefined;
  const found = cached();
  if (found) return found;
  mkdirSync(cacheDir(), { recursive: true });
  return withLock(join(cacheDir(), `python-base-${key}.lock`), 15 * 60_000, async () => {
    const again = cached();
    if (again) return again;
    const why = cannotBuildBaseRootfs(packages);
    if (why !== undefined) throw new Error(why);
    const partial = `${tar}.${process.pid}.partial`;
    const args = [
      '--variant=essential',
      `--include=${sorted.join(',')}`,
      // Docs, manuals and translations are a third of the size and no test reads them.
      ...['doc', 'man', 'info', 'locale'].map((folder) => `--dpkgopt=path-exclude=/usr/share/${folder}/*`),
      // Device nodes are the container engine's to make.
      '--skip=output/dev',
      '--format=tar',
      suite,
      partial,
      ...sources,
    ];
    const result = await runTool('mmdebstrap', args, { timeoutMs: 15 * 60_000 });
    if (result.code !== 0) {
      rmSync(partial, { force: true });
      throw new Error(`mmdebstrap failed (exit ${result.code}): ${lastLines(result.stderr, 5)}`);
    }
    const { digest, size } = await fileDigest(partial);
    renameSync(partial, tar);
    const rootfs: BaseRootfs = { tar, key, digest, size, packages: sorted };
    writeFileSync(metadata, `${JSON.stringify(rootfs, null, 2)}\n`);
    return rootfs;
  });
}

/** What goes into a base root filesystem (its cache key) and where it is kept. */
function baseRecipe(packages: readonly string[]) {
  const sorted = [...new Set(packages)].sort();
  const suite = debianSuite();
  const sources = aptSourceFiles();
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        recipe: 1,
        suite,
        arch: process.arch,
        packages: sorted,
        sources: sources.map((file) => readFileSync(file, 'utf8')),
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const tar = join(cacheDir(), `python-base-${key}.tar`);
  return { sorted, suite, sources, key, tar, metadata: join(cacheDir(), `python-base-${key}.json`) };
}

/** Why the base root filesystem cannot be had here (not cached, and it cannot be built), or undefined. */
export function cannotBuildBaseRootfs(packages: readonly string[] = PYTHON_BASE_PACKAGES): string | undefined {
  let recipe: ReturnType<typeof baseRecipe>;
  try {
    recipe = baseRecipe(packages);
  } catch (error) {
    return (error as Error).message;
  }
  if (existsSync(recipe.metadata) && existsSync(recipe.tar)) return undefined;
  if (findProgram('mmdebstrap') === undefined) return 'mmdebstrap is not installed (apt-get install mmdebstrap)';
  if (process.getuid?.() !== 0) return 'mmdebstrap needs root to build the Python base image';
  return undefined;
}

/** The image's settings, the same in the daemon and in a registry. */
const IMAGE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LANG=C.UTF-8'];

/** Import the root filesystem into the daemon at `dockerHost` (once); returns `dynamo-ci/python-base:<key>`. */
export async function loadBaseImage(dockerHost: string, rootfs: BaseRootfs): Promise<string> {
  const image = `${PYTHON_BASE_REPOSITORY}:${rootfs.key}`;
  const env = { ...process.env, DOCKER_HOST: dockerHost };
  if ((await runTool('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env })).code === 0) return image;
  return withLock(join(cacheDir(), `python-base-${rootfs.key}.import.lock`), 10 * 60_000, async () => {
    if ((await runTool('docker', ['image', 'inspect', '--format', '{{.Id}}', image], { env })).code === 0) return image;
    const changes = [...IMAGE_ENV.map((value) => `ENV ${value}`), 'CMD ["python3"]'].flatMap((change) => [
      '--change',
      change,
    ]);
    const imported = await runTool('docker', ['import', ...changes, '--', rootfs.tar, image], {
      env,
      timeoutMs: 10 * 60_000,
    });
    if (imported.code !== 0) throw new Error(`docker import failed: ${lastLines(imported.stderr, 3)}`);
    return image;
  });
}

/**
 * Push the root filesystem to the registry at `registryHost` (`127.0.0.1:5000`, plain HTTP) as a
 * one-layer OCI image, through the registry API; returns `<registryHost>/dynamo-ci/python-base:<key>`,
 * which docker and buildah pull from 127.0.0.1 without extra configuration.
 */
export async function pushBaseImage(registryHost: string, rootfs: BaseRootfs): Promise<string> {
  const base = `http://${registryHost}/v2/${PYTHON_BASE_REPOSITORY}`;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      config: { Env: IMAGE_ENV, Cmd: ['python3'] },
      rootfs: { type: 'layers', diff_ids: [rootfs.digest] },
      history: [{ created_by: `mmdebstrap ${rootfs.packages.join(' ')}` }],
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const upload = async (digest: string, size: number, body: () => NodeJS.ReadableStream | Buffer) => {
    if ((await http('HEAD', `${base}/blobs/${digest}`)).status === 200) return;
    const started = await http('POST', `${base}/blobs/uploads/`);
    const location = started.headers.location;
    if (started.status !== 202 || typeof location !== 'string') {
      throw new Error(`registry ${registryHost} refused an upload (HTTP ${started.status})`);
    }
    const url = new URL(location, `http://${registryHost}`);
    url.searchParams.set('digest', digest);
    const done = await http('PUT', url.toString(), {
      body: body(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    if (done.status !== 201)
      throw new Error(`registry ${registryHost} did not take blob ${digest} (HTTP ${done.status})`);
  };
  await upload(rootfs.digest, rootfs.size, () => createReadStream(rootfs.tar));
  await upload(configDigest, config.length, () => config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: rootfs.digest, size: rootfs.size }],
    }),
  );
  const put = await http('PUT', `${base}/manifests/${rootfs.key}`, {
    body: manifest,
    headers: {
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'content-length': String(manifest.length),
    },
  });
  if (put.status !== 201) throw new Error(`registry ${registryHost} refused the manifest (HTTP ${put.status})`);
  return `${registryHost}/${PYTHON_BASE_REPOSITORY}:${rootfs.key}`;
}

/** What the local pipeline needs to build images FROM the Python base and run test legs inside them. */
export interface ContainerEngine {
  /** DOCKER_HOST for run-gpu-tests' docker engine. */
  dockerHost: string;
  /** The base image: `<registry>/dynamo-ci/python-base:<key>` when a registry was given, else in the daemon. */
  baseImage: string;
  /**
   * The storage driver for buildah (`buildahEnvironment(root, driver)`): overlay where the daemon's
   * folder holds overlay mounts (a build on the base takes seconds), else vfs (every layer copies it).
   */
  buildahDriver: 'overlay' | 'vfs';
}

/**
 * The daemon (started when this process may start it) and the Python base image, imported into it or
 * pushed to `registry` (`127.0.0.1:<port>`) for buildah to build FROM; or the reason there is no
 * container engine here, in one line (the caller then runs tests on the host and says why).
 */
export async function containerEngine(
  options: { registry?: string; packages?: readonly string[] } = {},
): Promise<ContainerEngine | { reason: string }> {
  const docker = await localDocker();
  if ('reason' in docker) return docker;
  try {
    const rootfs = await buildBaseRootfs(options.packages);
    const baseImage = options.registry
      ? await pushBaseImage(options.registry, rootfs)
      : await loadBaseImage(docker.host, rootfs);
    const info = await runTool('docker', ['info', '--format', '{{.Driver}}'], {
      env: { ...process.env, DOCKER_HOST: docker.host },
    });
    const buildahDriver = info.code === 0 && /^overlay/.test(info.stdout.trim()) ? 'overlay' : 'vfs';
    return { dockerHost: docker.host, baseImage, buildahDriver };
  } catch (error) {
    return { reason: `no Python base image: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** The suite this machine runs (`VERSION_CODENAME` of /etc/os-release), which its apt sources serve. */
function debianSuite(): string {
  const release = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const codename = /^VERSION_CODENAME=["']?([a-z]+)/m.exec(release)?.[1];
  if (!codename) throw new Error('/etc/os-release names no VERSION_CODENAME: not a Debian-like system');
  return codename;
}

/**
 * This machine's apt sources, where apt itself looks (`apt-config`: Dir::Etc::sourcelist and
 * sourceparts): the list file when it has entries, and every .list/.sources file of the parts folder.
 */
function aptSourceFiles(): string[] {
  const answer = spawnSync(
    'apt-config',
    ['shell', 'LIST', 'Dir::Etc::sourcelist/f', 'PARTS', 'Dir::Etc::sourceparts/d'],
    {
      encoding: 'utf8',
    },
  );
  if (answer.status !== 0) throw new Error('apt-config did not answer: not an apt-based system');
  const setting = (name: string) => new RegExp(`^${name}='([^']*)'`, 'm').exec(answer.stdout)?.[1];
  const files: string[] = [];
  const list = setting('LIST');
  if (list && existsSync(list) && /^\s*deb\s/m.test(readFileSync(list, 'utf8'))) files.push(list);
  const parts = setting('PARTS');
  if (parts && existsSync(parts)) {
    for (const name of readdirSync(parts).sort()) {
      if (/\.(list|sources)$/.test(name)) files.push(join(parts, name));
    }
  }
  if (files.length === 0) throw new Error(`apt has no sources (${list}, ${parts}) to build the image from`);
  return files;
}

async function fileDigest(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

function http(
  method: string,
  url: string,
  options: { body?: NodeJS.ReadableStream | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers: options.headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    outgoing.on('error', reject);
    if (options.body === undefined) outgoing.end();
    else if (Buffer.isBuffer(options.body)) outgoing.end(options.body);
    else options.body.pipe(outgoing);
  });
}

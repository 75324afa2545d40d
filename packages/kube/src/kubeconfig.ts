/**
 * The kubeconfig, from the `kubeconfig` input (a path, base64 content, or YAML content), else
 * `KUBECONFIG`, else `~/.kube/config`. Its content is copied into a private file (0600, in a 0700
 * directory under RUNNER_TEMP) that lives only while this phase runs, and nothing is exported to
 * later steps: upstream's `KUBECONFIG` in GITHUB_ENV once pointed a later teardown at the wrong
 * cluster. Every credential in it is masked before anything is printed.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, InputError } from '@dynamo-ci/core';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeconfigSource {
  /** The YAML text. */
  content: string;
  /** Relative certificate/key paths in the file are resolved against this directory. */
  baseDir: string;
  /** Where it came from, for messages (never the content). */
  origin: string;
}

export interface KubeconfigEnvironment {
  KUBECONFIG?: string;
  HOME?: string;
  cwd: string;
}

/** Decide what the input is without ever echoing it. */
export function resolveKubeconfig(raw: string | undefined, environment: KubeconfigEnvironment): KubeconfigSource {
  if (raw !== undefined) {
    const trimmed = raw.trim();
    if (!trimmed.includes('\n') && trimmed.length < 4096) {
      const path = resolve(environment.cwd, trimmed);
      if (existsSync(path) && statSync(path).isFile()) {
        return { content: readFileSync(path, 'utf8'), baseDir: dirname(path), origin: `file ${trimmed}` };
      }
    }
    if (/^\s*(apiVersion|kind|clusters|contexts|current-context|users|preferences)\s*:/m.test(trimmed)) {
      return { content: raw, baseDir: environment.cwd, origin: 'the kubeconfig input (YAML)' };
    }
    const compact = trimmed.replace(/\s+/g, '');
    if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
      const decoded = Buffer.from(compact, 'base64').toString('utf8');
      if (/(^|\n)\s*(apiVersion|clusters|contexts|current-context)\s*:/.test(decoded)) {
        return { content: decoded, baseDir: environment.cwd, origin: 'the kubeconfig input (base64)' };
      }
    }
    throw new InputError(
      'kubeconfig',
      "Input 'kubeconfig' must be the path of a kubeconfig file or its content (base64 or YAML); the value given is neither an existing file nor a kubeconfig",
    );
  }
  const fromEnvironment = environment.KUBECONFIG?.split(':').find((path) => path !== '');
  if (fromEnvironment) {
    const path = resolve(environment.cwd, fromEnvironment);
    if (!existsSync(path)) {
      throw new InputError(
        'kubeconfig',
        `KUBECONFIG points at ${path}, which does not exist; set the 'kubeconfig' input or fix KUBECONFIG`,
      );
    }
    return { content: readFileSync(path, 'utf8'), baseDir: dirname(path), origin: `KUBECONFIG (${path})` };
  }
  const home = join(environment.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return { content: readFileSync(home, 'utf8'), baseDir: dirname(home), origin: home };
  throw new InputError(
    'kubeconfig',
    "No kubeconfig: set the 'kubeconfig' input (a path, or the content base64-encoded from a secret), or KUBECONFIG, or create ~/.kube/config (e.g. with helm/kind-action)",
  );
}

export interface OpenedKubeconfig {
  config: KubeConfig;
  /** The private copy; removed by `dispose`. */
  file: string;
  server: string;
  context: string;
  dispose(): void;
}

/** Write the private copy, load it, check it names a cluster, and mask its credentials. */
export function openKubeconfig(
  source: KubeconfigSource,
  tempRoot: string | undefined,
  mask: (secret: string) => void,
): OpenedKubeconfig {
  const dir = mkdtempSync(join(tempRoot ?? tmpdir(), 'deploy-profile-kube-'));
  chmodSync(dir, 0o700);
  const file = join(dir, 'config');
  writeFileSync(file, source.content, { mode: 0o600, flag: 'wx' });
  const dispose = () => rmSync(dir, { recursive: true, force: true });
  try {
    const config = new KubeConfig();
    try {
      config.loadFromString(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`The kubeconfig from ${source.origin} is not valid: ${firstLine(error)}`);
    }
    config.makePathsAbsolute(source.baseDir);
    for (const user of config.getUsers()) {
      for (const secret of [
        user.token,
        user.password,
        user.keyData,
        user.authProvider?.config?.['access-token'],
        user.authProvider?.config?.['id-token'],
        user.authProvider?.config?.['refresh-token'],
      ]) {
        if (typeof secret === 'string' && secret !== '') mask(secret);
      }
    }
    const context = config.getCurrentContext();
    const cluster = config.getCurrentCluster();
    if (!context || !config.getContextObject(context)) {
      throw new ConfigError(
        `The kubeconfig from ${source.origin} has no current-context; set current-context to one of its contexts`,
      );
    }
    if (!cluster?.server) {
      throw new ConfigError(
        `The kubeconfig from ${source.origin}: context ${JSON.stringify(context)} names no cluster with a server URL`,
      );
    }
    return { config, file, server: cluster.server, context, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

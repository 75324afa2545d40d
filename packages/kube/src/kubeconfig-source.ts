/**
 * Where the kubeconfig comes from: the `kubeconfig` input (a path, base64 content, or YAML content),
 * else `KUBECONFIG`, else `~/.kube/config`. Only the file system is read here, so an action can
 * refuse a missing kubeconfig before it loads the (large) client library.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '@dynamo-ci/core';

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

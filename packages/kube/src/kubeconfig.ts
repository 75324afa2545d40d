/**
 * The kubeconfig, from the `kubeconfig` input (a path, base64 content, or YAML content), else
 * `KUBECONFIG`, else `~/.kube/config`. Its content is copied into a private file (0600, in a 0700
 * directory under RUNNER_TEMP) that lives only while this phase runs, and nothing is exported to
 * later steps: upstream's `KUBECONFIG` in GITHUB_ENV once pointed a later teardown at the wrong
 * cluster. Every credential in it is masked before anything is printed.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@dynamo-ci/core';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeconfigSource } from './kubeconfig-source.js';

export { type KubeconfigEnvironment, type KubeconfigSource, resolveKubeconfig } from './kubeconfig-source.js';

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

/**
 * Open the cluster an action talks to: find the kubeconfig (the input, `KUBECONFIG`, or
 * `~/.kube/config`) and refuse a missing one at once, then load `@kubernetes/client-node` - megabytes
 * of code, in a chunk of its own - write the private kubeconfig copy, mask its credentials, and
 * connect. The caller disposes of the copy when its phase ends.
 */

import type { Logger } from '@dynamo-ci/core';
import type { KubeCluster } from './cluster.js';
import type { OpenedKubeconfig } from './kubeconfig.js';
import { resolveKubeconfig } from './kubeconfig-source.js';

/** What opening needs of the runner (a `Runner` is one): masking, and the log. */
export interface OpenPorts extends Pick<Logger, 'info'> {
  /** Register a secret with the runner before anything could print it. */
  mask(secret: string): void;
}

export interface OpenEnvironment {
  KUBECONFIG: string | undefined;
  HOME: string | undefined;
  /** Where relative paths start (the workspace). */
  cwd: string;
  /** Where the private copy goes (RUNNER_TEMP). */
  tempRoot: string | undefined;
}

/** The kubeconfig input's raw value (a path, base64 or YAML), masked before anything else. */
export async function openCluster(
  raw: string | undefined,
  ports: OpenPorts,
  environment: OpenEnvironment,
): Promise<{ kube: OpenedKubeconfig; cluster: KubeCluster }> {
  if (raw !== undefined && raw.trim() !== '') ports.mask(raw.trim());
  const source = resolveKubeconfig(raw, environment);
  const [{ KubeCluster }, { openKubeconfig }] = await Promise.all([import('./cluster.js'), import('./kubeconfig.js')]);
  const kube = openKubeconfig(source, environment.tempRoot, ports.mask);
  ports.info(`Kubernetes: context ${kube.context}, server ${kube.server} (kubeconfig from ${source.origin})`);
  return { kube, cluster: new KubeCluster(kube.config, kube.server) };
}

/**
 * Where the operator's manifests come from: YAML files (or directories of them, as `kubectl apply
 * -f DIR` reads them: the *.yaml and *.yml files directly inside, in name order), or a Helm chart
 * rendered with `helm template` for the run's namespace (CRDs included, chart tests left out). The
 * chart is only rendered here; applying, labelling, waiting and cleanup are this action's, so
 * cleanup needs no Helm and finds everything by the run's labels.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, InputError, type SpawnResult } from '@dynamo-ci/core';
import { type Manifest, parseManifests } from '@dynamo-ci/kube/manifests';
import type { Inputs } from './inputs.js';

/** Runs `helm` with an argument array; rejects when helm cannot be started. */
export type HelmPort = (args: string[]) => Promise<SpawnResult>;

/** The `helm template` command line: options first, then `--` and the release and chart. */
export function helmArgs(inputs: Pick<Inputs, 'chart' | 'release' | 'values' | 'set'>, namespace: string): string[] {
  return [
    'template',
    '--namespace',
    namespace,
    '--include-crds',
    '--skip-tests',
    ...inputs.values.flatMap((file) => ['--values', file]),
    ...inputs.set.flatMap(([key, value]) => ['--set-string', `${key}=${value}`]),
    '--',
    inputs.release,
    inputs.chart as string,
  ];
}

/** The manifest files a `manifests` entry names. */
export function manifestFiles(entry: string, workspace: string): string[] {
  const path = resolve(workspace, entry);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(
      'manifests',
      `Input 'manifests': ${entry} does not exist (relative paths start at the workspace)`,
    );
  }
  if (stat.isFile()) return [path];
  const files = readdirSync(path)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => join(path, name))
    .filter((file) => statSync(file).isFile());
  if (files.length === 0)
    throw new InputError('manifests', `Input 'manifests': ${entry} holds no *.yaml or *.yml file`);
  return files;
}

export async function loadManifests(
  inputs: Inputs,
  namespace: string,
  workspace: string,
  helm: HelmPort,
): Promise<{ manifests: Manifest[]; source: string }> {
  if (inputs.chart === undefined) {
    const manifests = inputs.manifests.flatMap((entry) =>
      manifestFiles(entry, workspace).flatMap((file) =>
        parseManifests(readFileSync(file, 'utf8'), file.slice(workspace.length + 1)),
      ),
    );
    if (manifests.length === 0) {
      throw new InputError(
        'manifests',
        `Input 'manifests': ${inputs.manifests.join(', ')} holds no Kubernetes objects`,
      );
    }
    return { manifests, source: inputs.manifests.join(', ') };
  }
  const chartPath = resolve(workspace, inputs.chart);
  try {
    if (!statSync(join(chartPath, 'Chart.yaml')).isFile()) throw new Error('not a file');
  } catch {
    throw new InputError(
      'chart',
      `Input 'chart' must be a Helm chart directory with a Chart.yaml; ${inputs.chart} is not one`,
    );
  }
  let result: SpawnResult;
  try {
    result = await helm(helmArgs(inputs, namespace));
  } catch (error) {
    throw new ConfigError(
      `Cannot run helm to render ${inputs.chart} (${(error as Error).message}): GitHub's ubuntu runners have it; elsewhere install it in an earlier step, or pass rendered YAML in 'manifests'`,
    );
  }
  if (result.timedOut) throw new ConfigError(`helm template ${inputs.chart} did not finish in time`);
  if (result.exitCode !== 0) {
    const reason = result.stderr.trim().split('\n').slice(-5).join('\n') || `exit code ${result.exitCode}`;
    throw new ConfigError(`helm template ${inputs.chart} failed: ${reason}`);
  }
  const manifests = parseManifests(result.stdout, `the chart ${inputs.chart} as rendered by helm`);
  if (manifests.length === 0) throw new ConfigError(`The chart ${inputs.chart} rendered no objects`);
  return { manifests, source: `chart ${inputs.chart}` };
}

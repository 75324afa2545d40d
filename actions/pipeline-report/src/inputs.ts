/** Raw action inputs -> the typed `Inputs`. Pure. */
import { InputError, inputs, jobGlob, type RepoRef } from '@dynamo-ci/core';
import type { GpuRule } from './timeline.js';

export interface MetricsTarget {
  /** The `_bulk` endpoint, without credentials. */
  endpoint: string;
  /** `scheme://host/path` for messages: no credentials, no query. */
  display: string;
  /** The `Authorization` header value. */
  authorization?: string;
  indexPrefix: string;
}

export interface Inputs {
  token: string;
  /** Default: the `workflow_run` event's run, else this run. */
  runId?: number;
  repository?: RepoRef;
  /** Artifact name globs holding JUnit results, as given and compiled. */
  artifactPatterns: string[];
  artifacts: RegExp[];
  /** The first pattern's literal start, stripped when matching artifacts to jobs. */
  artifactPrefix: string;
  testJobs: RegExp[];
  history: boolean;
  historyArtifact: string;
  historyRuns: number;
  historyLookback: number;
  slowest: number;
  gpuRules: GpuRule[];
  maxJobs: number;
  reportDir: string;
  metrics?: MetricsTarget;
}

/** GitHub's artifact name rules: no `"` `:` `<` `>` `|` `*` `?` `\r` `\n` `\` `/`. */
const ARTIFACT_NAME = /^[^"':<>|*?\r\n\\/]+$/;

export function parseInputs(read: (name: string) => string | undefined, defaults: { temp: string }): Inputs {
  const token = inputs.required(read('token'), 'token').trim();
  const artifactPatterns = inputs.list(read('artifacts'), { comma: true });
  if (artifactPatterns.length === 0) {
    throw new InputError('artifacts', "Input 'artifacts' must name at least one artifact pattern, e.g. test-results-*");
  }
  const historyArtifact = (inputs.optional(read('history-artifact')) ?? 'pipeline-report-history').trim();
  if (!ARTIFACT_NAME.test(historyArtifact)) {
    throw new InputError(
      'history-artifact',
      `Input 'history-artifact' must be a valid artifact name (no " : < > | * ? \\ / or line breaks), got ${JSON.stringify(historyArtifact)}`,
    );
  }
  return {
    token,
    runId: runIdInput(read('run-id')),
    repository: repositoryInput(read('repository')),
    artifactPatterns,
    artifacts: artifactPatterns.map(jobGlob),
    artifactPrefix: literalStart(artifactPatterns[0] as string),
    testJobs: inputs.list(read('test-jobs'), { comma: false }).map(jobGlob),
    history: inputs.boolean(read('history'), 'history', true),
    historyArtifact,
    historyRuns: inputs.integer(read('history-runs'), 'history-runs', 30, { min: 1, max: 500 }),
    historyLookback: inputs.integer(read('history-lookback'), 'history-lookback', 10, { min: 1, max: 50 }),
    slowest: inputs.integer(read('slowest'), 'slowest', 10, { min: 0, max: 100 }),
    gpuRules: gpuRules(read('gpu-labels')),
    maxJobs: inputs.integer(read('max-jobs'), 'max-jobs', 1000, { min: 1, max: 10_000 }),
    reportDir: inputs.optional(read('report-dir'))?.trim() ?? `${defaults.temp}/pipeline-report`,
    metrics: metricsTarget(
      read('metrics-url'),
      read('metrics-credentials'),
      inputs.optional(read('metrics-index'))?.trim() ?? 'dynamo-ci',
    ),
  };
}

function literalStart(pattern: string): string {
  const wildcard = pattern.search(/[*?]/);
  return wildcard === -1 ? '' : pattern.slice(0, wildcard);
}

function runIdInput(raw: string | undefined): number | undefined {
  const value = inputs.optional(raw)?.trim();
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value)) {
    throw new InputError('run-id', `Input 'run-id' must be a workflow run id (digits), got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function repositoryInput(raw: string | undefined): RepoRef | undefined {
  const value = inputs.optional(raw)?.trim();
  if (value === undefined) return undefined;
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(value);
  if (!match) {
    throw new InputError('repository', `Input 'repository' must be owner/name, got ${JSON.stringify(value)}`);
  }
  return { owner: match[1] as string, repo: match[2] as string };
}

/** `label-glob=count` lines: `*-gpu-4-*=4`, `h100x8=8`. */
function gpuRules(raw: string | undefined): GpuRule[] {
  return inputs.list(raw, { comma: true }).map((line) => {
    const match = /^(.+?)\s*=\s*(\d{1,3})$/.exec(line);
    if (!match) {
      throw new InputError(
        'gpu-labels',
        `Input 'gpu-labels' entries must be label-glob=count, like gpu-h100-*=8, got ${JSON.stringify(line)}`,
      );
    }
    return { glob: jobGlob(match[1] as string), gpus: Number(match[2]) };
  });
}

/**
 * The bulk endpoint. Credentials come from `metrics-credentials` (`user:password` for Basic, or a
 * whole `ApiKey …`/`Bearer …` header value) or from the URL's `user:password@`; either way they
 * leave the URL, which is then safe to name in messages. Never echoes a value that may hold a secret.
 */
function metricsTarget(
  rawUrl: string | undefined,
  rawCredentials: string | undefined,
  indexPrefix: string,
): MetricsTarget | undefined {
  const value = inputs.optional(rawUrl)?.trim();
  const credentials = inputs.optional(rawCredentials)?.trim();
  if (value === undefined) {
    if (credentials !== undefined) {
      throw new InputError(
        'metrics-credentials',
        "Input 'metrics-credentials' is set but 'metrics-url' is not: set both, or neither.",
      );
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(
      'metrics-url',
      "Input 'metrics-url' must be an http(s) URL of the Elasticsearch/OpenSearch endpoint.",
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError(
      'metrics-url',
      "Input 'metrics-url' must be an http(s) URL of the Elasticsearch/OpenSearch endpoint.",
    );
  }
  if (!/^[a-z0-9][a-z0-9._-]{0,200}$/.test(indexPrefix)) {
    throw new InputError(
      'metrics-index',
      `Input 'metrics-index' must be a lowercase index name prefix (a-z, 0-9, . _ -), got ${JSON.stringify(indexPrefix)}`,
    );
  }
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  if (credentials !== undefined) {
    if (/^(ApiKey|Bearer|Basic) \S+$/.test(credentials)) authorization = credentials;
    else if (credentials.includes(':')) authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    else {
      throw new InputError(
        'metrics-credentials',
        "Input 'metrics-credentials' must be user:password, or a header value starting with ApiKey, Bearer or Basic.",
      );
    }
  }
  if (!url.pathname.endsWith('/_bulk')) url.pathname = `${url.pathname.replace(/\/$/, '')}/_bulk`;
  return {
    endpoint: url.toString(),
    display: `${url.protocol}//${url.host}${url.pathname}`,
    authorization,
    indexPrefix,
  };
}

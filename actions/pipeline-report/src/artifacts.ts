/**
 * Artifacts through `@actions/artifact`, by `findBy` (the public REST API with the token), which
 * reads this run's artifacts and any other run's alike: the results of every leg, and the history
 * file an earlier run of the workflow kept. A download that fails is reported, never fatal.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, messageOf, type RepoRef } from '@dynamo-ci/core';
import { listWorkflowRuns, type RunRef } from './github.js';
import { type History, parseHistory } from './history.js';
import { readArtifactFolder } from './junit-files.js';
import type { DownloadedArtifact } from './legs.js';
import type { RunFacts } from './model.js';

export interface ArtifactRef {
  id: number;
  name: string;
  size: number;
  digest?: string;
}

/** What the action needs from an artifact store: list a run's artifacts, unpack one into a folder. */
export interface ArtifactPort {
  list(runId: number): Promise<ArtifactRef[]>;
  download(artifact: ArtifactRef, runId: number, dir: string): Promise<void>;
}

/** `@actions/artifact` (with its Azure client) is loaded when the first artifact is read. */
export function artifactClient(token: string, repo: RepoRef): ArtifactPort {
  const load = async () => new (await import('@actions/artifact')).DefaultArtifactClient();
  const findBy = (runId: number) => ({
    token,
    workflowRunId: runId,
    repositoryOwner: repo.owner,
    repositoryName: repo.repo,
  });
  return {
    async list(runId) {
      const { artifacts } = await (await load()).listArtifacts({ latest: true, findBy: findBy(runId) });
      return artifacts.map((artifact) => ({
        id: artifact.id,
        name: artifact.name,
        size: artifact.size,
        ...(artifact.digest ? { digest: artifact.digest } : {}),
      }));
    },
    async download(artifact, runId, dir) {
      const result = await (await load()).downloadArtifact(artifact.id, {
        path: dir,
        findBy: findBy(runId),
        ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
      });
      if (result.digestMismatch) {
        throw new Error(`its content does not match the digest GitHub recorded (${artifact.digest})`);
      }
    },
  };
}

/** Run `work` over `items`, `limit` at a time, keeping the order of the results. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * Download and read every artifact whose name matches: each into its own numbered folder (names
 * never become paths), four at a time.
 */
export async function downloadResults(
  port: ArtifactPort,
  runId: number,
  artifacts: readonly ArtifactRef[],
  dir: string,
  log: Logger,
): Promise<DownloadedArtifact[]> {
  return mapLimited(artifacts, 4, async (artifact, index) => {
    const target = join(dir, `results-${index + 1}`);
    mkdirSync(target, { recursive: true });
    try {
      await port.download(artifact, runId, target);
    } catch (error) {
      log.info(`Artifact ${artifact.name} could not be downloaded: ${messageOf(error)}`);
      return { name: artifact.name, files: [], error: `download failed: ${firstLine(messageOf(error))}` };
    }
    return { name: artifact.name, files: await readArtifactFolder(target) };
  });
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

/** The file inside the history artifact. */
export const HISTORY_FILE = 'pipeline-report-history.json';

export interface HistoryLookup {
  octokit: Parameters<typeof listWorkflowRuns>[0];
  repo: RepoRef;
  port: ArtifactPort;
  dir: string;
  artifactName: string;
  lookback: number;
  /** The reported run. */
  run: RunFacts;
  /** The run executing this action, when it is not the reported one (a `workflow_run` caller). */
  reporter?: { runId: number; workflowId: number };
}

export interface LoadedHistory {
  history?: History;
  notes: string[];
}

/**
 * The newest history kept by an earlier run: of the reported workflow on its branch (the report is
 * the last job of the suite), or of the reporting workflow (a `workflow_run` caller), looking back
 * at most `lookback` completed runs. Runs from forks are never trusted with it.
 */
export async function loadHistory(lookup: HistoryLookup): Promise<LoadedHistory> {
  const { run, repo } = lookup;
  const full = `${repo.owner}/${repo.repo}`;
  const scope = { repository: full, workflow: run.path, branch: run.branch };
  let candidates: RunRef[];
  try {
    candidates = await listWorkflowRuns(lookup.octokit, repo, lookup.reporter?.workflowId ?? run.workflowId, {
      branch: lookup.reporter ? undefined : run.branch,
      limit: lookup.lookback + 1,
    });
  } catch (error) {
    return { notes: [`No history: the earlier runs could not be listed (${firstLine(messageOf(error))}).`] };
  }
  // Only runs before this one (a report of an old run must not read a newer history); only runs of
  // this repository (a fork's run may carry anything); and, for the suite's own runs, only runs of
  // the same event (a pull request from a branch named main is not main's nightly).
  const before = lookup.reporter?.runId ?? run.id;
  const earlier = candidates
    .filter(
      (candidate) =>
        candidate.id < before &&
        candidate.headRepository === full &&
        (lookup.reporter !== undefined || candidate.event === run.event),
    )
    .slice(0, lookup.lookback);
  const skipped: string[] = [];
  for (const candidate of earlier) {
    let artifacts: ArtifactRef[];
    try {
      artifacts = await lookup.port.list(candidate.id);
    } catch (error) {
      skipped.push(`run #${candidate.number}: ${firstLine(messageOf(error))}`);
      continue;
    }
    const artifact = artifacts.find((entry) => entry.name === lookup.artifactName);
    if (!artifact) continue;
    const target = join(lookup.dir, `history-${candidate.id}`);
    mkdirSync(target, { recursive: true });
    try {
      await lookup.port.download(artifact, candidate.id, target);
      const path = join(target, HISTORY_FILE);
      if (!existsSync(path)) throw new Error(`it holds no ${HISTORY_FILE}`);
      const history = parseHistory(readFileSync(path, 'utf8'), scope);
      const notes = skipped.length > 0 ? [`History: skipped ${skipped.join('; ')}.`] : [];
      return { history, notes };
    } catch (error) {
      // A history for another branch (a workflow_run caller keeps one per run) is simply not ours.
      if (/^it is for /.test(messageOf(error))) continue;
      skipped.push(`run #${candidate.number}: ${firstLine(messageOf(error))}`);
    }
  }
  const why =
    earlier.length === 0
      ? 'no earlier completed run of this workflow on this branch'
      : `none of the last ${earlier.length} completed run(s) kept a readable '${lookup.artifactName}' artifact (expired, or never uploaded)`;
  const details = skipped.length > 0 ? ` Skipped: ${skipped.slice(0, 5).join('; ')}.` : '';
  return {
    notes: [`No history: ${why}; failures are not marked new or known this time, and a new history starts.${details}`],
  };
}

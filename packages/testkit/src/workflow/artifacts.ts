/**
 * The artifacts of the runs the engine simulates: per run, a plain name -> files map (file
 * contents keyed by their path inside the artifact), filled by the actions/upload-artifact shim and
 * read by actions/download-artifact and by whatever reports on a run (a fake artifacts API).
 */
import type { ArtifactStore } from '../fake-actions.js';

export interface Artifact {
  name: string;
  runId: number;
  /** Path inside the artifact -> content. */
  files: Map<string, Buffer>;
  retentionDays?: number;
}

/**
 * Also the fake GitHub's `ArtifactStore` (`list(runId)`): the engine hands itself to the fake, so an
 * artifact uploaded in a simulated run is listed and downloaded through the artifacts API.
 */
export class WorkflowArtifacts implements ArtifactStore {
  /** run id -> artifact name -> artifact. */
  readonly runs = new Map<number, Map<string, Artifact>>();

  /**
   * Store an artifact. A second upload of the same name in a run fails, as upload-artifact v4
   * does, unless `overwrite` is set.
   */
  upload(artifact: Artifact, overwrite = false): void {
    const run = this.runs.get(artifact.runId) ?? new Map<string, Artifact>();
    if (run.has(artifact.name) && !overwrite) {
      throw new Error(
        `an artifact named '${artifact.name}' already exists in run ${artifact.runId} (overwrite: true replaces it)`,
      );
    }
    run.set(artifact.name, artifact);
    this.runs.set(artifact.runId, run);
  }

  /** The artifact `name` of run `runId`, or of the latest run that has one by that name. */
  get(name: string, runId?: number): Artifact | undefined {
    if (runId !== undefined) return this.runs.get(runId)?.get(name);
    return this.list()
      .filter((artifact) => artifact.name === name)
      .at(-1);
  }

  /** Every artifact (of one run), oldest run first. */
  list(runId?: number): Artifact[] {
    const runs = [...this.runs].sort(([a], [b]) => a - b);
    return runs.filter(([id]) => runId === undefined || id === runId).flatMap(([, run]) => [...run.values()]);
  }
}

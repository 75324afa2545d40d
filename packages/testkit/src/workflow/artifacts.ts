/**
 * The artifacts of the runs the engine simulates: a plain name -> files map (file contents keyed
 * by their path inside the artifact), filled by the actions/upload-artifact shim and read by
 * actions/download-artifact and by whatever reports on a run.
 */
export interface Artifact {
  name: string;
  runId: number;
  /** Path inside the artifact -> content. */
  files: Map<string, Buffer>;
  retentionDays?: number;
}

export class ArtifactStore {
  readonly artifacts = new Map<string, Artifact>();

  /**
   * Store an artifact. A second upload of the same name in a run fails, as upload-artifact v4
   * does, unless `overwrite` is set.
   */
  upload(artifact: Artifact, overwrite = false): void {
    const existing = this.artifacts.get(artifact.name);
    if (existing && existing.runId === artifact.runId && !overwrite) {
      throw new Error(
        `an artifact named '${artifact.name}' already exists in run ${artifact.runId} (overwrite: true replaces it)`,
      );
    }
    this.artifacts.set(artifact.name, artifact);
  }

  get(name: string): Artifact | undefined {
    return this.artifacts.get(name);
  }

  list(runId?: number): Artifact[] {
    return [...this.artifacts.values()].filter((artifact) => runId === undefined || artifact.runId === runId);
  }
}

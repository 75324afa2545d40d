/**
 * The pytest marker expression, built the way upstream's workflows write it: lifecycle x
 * framework x GPU count, joined with `and`.
 */

export type Lifecycle = 'pre_merge' | 'post_merge' | 'nightly';
export type Gpus = '0' | '1' | '2' | '4' | '8' | 'multi';
export type Arch = 'amd64' | 'arm64';

export interface MarkerSelection {
  lifecycle: Lifecycle;
  framework?: string;
  gpus: Gpus;
  arch: Arch;
  /** Taken verbatim instead of lifecycle x framework x gpus. */
  markers?: string;
}

export interface MarkerPlan {
  expression: string;
  /** The GPU count the selected tests need (0 on arm64, whatever `gpus` says). */
  effectiveGpus: Gpus;
  /** Why the selection differs from what was asked, for a warning. */
  notes: string[];
}

/** `post_merge` also runs the pre-merge tests; `nightly` runs every lifecycle. */
export function lifecycleClause(lifecycle: Lifecycle): string | undefined {
  if (lifecycle === 'pre_merge') return 'pre_merge';
  if (lifecycle === 'post_merge') return '(pre_merge or post_merge)';
  return undefined;
}

export function gpuClause(gpus: Gpus): string {
  return gpus === 'multi' ? '(gpu_2 or gpu_4)' : `gpu_${gpus}`;
}

export function buildMarkerExpression(selection: MarkerSelection): MarkerPlan {
  const notes: string[] = [];
  let gpus = selection.gpus;
  // Upstream's arm64 runners have no GPUs: only gpu_0 tests run there (section 5.4).
  if (selection.arch === 'arm64' && gpus !== '0') {
    notes.push(`arch arm64 runs only gpu_0 tests, so gpus: ${gpus} was replaced by gpus: 0`);
    gpus = '0';
  }
  if (selection.markers !== undefined) {
    const verbatim = selection.markers.trim();
    const expression = selection.arch === 'arm64' ? `(${verbatim}) and gpu_0` : verbatim;
    if (selection.arch === 'arm64') notes.push('arch arm64 adds "and gpu_0" to the markers input');
    return { expression, effectiveGpus: gpus, notes };
  }
  const clauses = [lifecycleClause(selection.lifecycle), selection.framework, gpuClause(gpus)];
  return { expression: clauses.filter((clause) => clause !== undefined).join(' and '), effectiveGpus: gpus, notes };
}

/** The expression of one phase: the parallel-safe tests, or the rest. */
export function phaseExpression(base: string, parallelMarker: string, phase: 'parallel' | 'sequential'): string {
  return phase === 'parallel' ? `(${base}) and ${parallelMarker}` : `(${base}) and not ${parallelMarker}`;
}

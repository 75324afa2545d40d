/**
 * `strategy:` as GitHub expands it: the cross product of the matrix axes, `exclude` removing every
 * combination it partially matches, then `include` entries extending each combination whose
 * original values they do not overwrite (or, when they extend none, becoming combinations of their
 * own); `fail-fast` (default true) and `max-parallel`.
 */
import type { Json } from './expressions.js';

export type MatrixLeg = Record<string, Json>;

export interface Strategy {
  legs: MatrixLeg[];
  failFast: boolean;
  /** Legs at once; undefined = as many as there are. */
  maxParallel: number | undefined;
}

/** A strategy that does not expand (the job is named in the message). */
export class MatrixError extends Error {}

function isRecord(value: Json | undefined): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const sameValue = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Expand an evaluated `strategy:` (undefined: one leg without a matrix). */
export function expandStrategy(strategy: Json | undefined, job: string): Strategy | undefined {
  if (strategy === undefined || strategy === null) return undefined;
  if (!isRecord(strategy)) throw new MatrixError(`job '${job}': strategy must be a mapping`);
  const failFast = strategy['fail-fast'] === undefined ? true : strategy['fail-fast'] !== false;
  const maxParallelValue = strategy['max-parallel'];
  const maxParallel =
    maxParallelValue === undefined || maxParallelValue === null ? undefined : Number(maxParallelValue);
  if (maxParallel !== undefined && !(Number.isInteger(maxParallel) && maxParallel > 0)) {
    throw new MatrixError(`job '${job}': strategy.max-parallel must be a positive integer, got ${maxParallelValue}`);
  }
  const matrix = strategy.matrix;
  if (matrix === undefined) return { legs: [{}], failFast, maxParallel };
  if (!isRecord(matrix))
    throw new MatrixError(`job '${job}': strategy.matrix must be a mapping, got ${JSON.stringify(matrix)}`);
  return { legs: expandMatrix(matrix, job), failFast, maxParallel };
}

/** The legs of an evaluated `matrix:`. */
export function expandMatrix(matrix: Record<string, Json>, job: string): MatrixLeg[] {
  const axes = Object.entries(matrix).filter(([key]) => key !== 'include' && key !== 'exclude');
  for (const [key, values] of axes) {
    if (!Array.isArray(values)) throw new MatrixError(`job '${job}': matrix axis '${key}' must be a list`);
  }
  const list = (key: 'include' | 'exclude'): Record<string, Json>[] => {
    const value = matrix[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every(isRecord)) {
      throw new MatrixError(`job '${job}': matrix ${key} must be a list of mappings`);
    }
    return value as Record<string, Json>[];
  };
  let legs: MatrixLeg[] = axes.length > 0 ? [{}] : [];
  for (const [key, values] of axes) {
    legs = legs.flatMap((leg) => (values as Json[]).map((value) => ({ ...leg, [key]: value })));
  }
  const excludes = list('exclude');
  legs = legs.filter(
    (leg) => !excludes.some((exclude) => Object.entries(exclude).every(([key, value]) => sameValue(leg[key], value))),
  );
  // Includes extend only the combinations of the axes, never one an earlier include added.
  const originals = legs.map((leg) => ({ ...leg }));
  const added: MatrixLeg[] = [];
  for (const include of list('include')) {
    let extended = false;
    originals.forEach((original, index) => {
      const overwritesOriginal = Object.entries(include).some(
        ([key, value]) => key in original && !sameValue(original[key], value),
      );
      if (overwritesOriginal) return;
      Object.assign(legs[index] as MatrixLeg, include);
      extended = true;
    });
    if (!extended) added.push({ ...include });
  }
  legs = [...legs, ...added];
  if (legs.length === 0) throw new MatrixError(`job '${job}': the matrix has no legs (an empty include or axis)`);
  if (legs.length > 256)
    throw new MatrixError(`job '${job}': the matrix has ${legs.length} legs, GitHub's limit is 256`);
  return legs;
}

/** The values GitHub appends to a matrix leg's name when the job's name does not use them: `(a, b)`. */
export function legSuffix(leg: MatrixLeg): string {
  const values = Object.values(leg).map((value) =>
    typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value),
  );
  return values.length > 0 ? ` (${values.join(', ')})` : '';
}

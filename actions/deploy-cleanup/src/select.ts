/**
 * Pure: what to clean up. One run (its id and attempt, or every attempt) or, with `older-than`, every
 * namespace this repository's CI runs created that is older than that (crashed runners leave them:
 * no post step, no final job). Both find namespaces by label, never by name, so nothing a person or
 * another repository made is touched.
 */
import { INVENTORY_ANNOTATION, projectSelector, runSelector } from '@dynamo-ci/kube/labels';
import type { Json, ObjectRef } from '@dynamo-ci/kube/manifests';
import type { Inputs } from './inputs.js';

export interface Target {
  mode: 'run' | 'sweep';
  selector: string;
  /** Sweep: namespaces created before this moment (epoch ms). */
  cutoff?: number;
  /** For the log and summary: "run 123 attempt 2" or "namespaces older than 48h". */
  description: string;
}

export interface RunContext {
  runId: string;
  attempt: string;
  repository: string;
}

export function targetOf(inputs: Inputs, context: RunContext, now: number): Target {
  if (inputs.olderThanMs !== undefined) {
    return {
      mode: 'sweep',
      selector: inputs.selector ?? projectSelector(context.repository),
      cutoff: now - inputs.olderThanMs,
      description: `namespaces of ${context.repository}'s CI runs older than ${formatAge(inputs.olderThanMs)}`,
    };
  }
  const runId = inputs.runId ?? context.runId;
  const attempt = inputs.runAttempt ?? context.attempt;
  return {
    mode: 'run',
    selector: inputs.selector ?? runSelector({ runId, attempt, repository: context.repository }, inputs.allAttempts),
    description: inputs.allAttempts ? `run ${runId} (every attempt)` : `run ${runId} attempt ${attempt}`,
  };
}

export interface Choice {
  chosen: Json[];
  kept: { name: string; reason: string }[];
}

/** Which of the labelled namespaces go: in a sweep only those older than the cutoff. */
export function chooseNamespaces(namespaces: readonly Json[], target: Target, now: number): Choice {
  const choice: Choice = { chosen: [], kept: [] };
  for (const namespace of namespaces) {
    const name = String(namespace.metadata?.name);
    if (target.mode === 'sweep') {
      const created = Date.parse(namespace.metadata?.creationTimestamp ?? '');
      if (Number.isNaN(created)) {
        choice.kept.push({ name, reason: 'no creation time' });
        continue;
      }
      if (created > (target.cutoff as number)) {
        choice.kept.push({ name, reason: `${formatAge(now - created)} old` });
        continue;
      }
    }
    choice.chosen.push(namespace);
  }
  return choice;
}

/** The cluster-scoped objects a namespace's annotation lists; a malformed annotation lists none. */
export function inventoryOf(namespace: Json): { refs: ObjectRef[]; problem?: string } {
  const raw = namespace.metadata?.annotations?.[INVENTORY_ANNOTATION];
  if (raw === undefined) return { refs: [] };
  try {
    const parsed = JSON.parse(raw);
    if (!Array.isArray(parsed)) throw new Error('not a list');
    const refs = parsed.filter(
      (ref): ref is ObjectRef =>
        typeof ref?.apiVersion === 'string' && typeof ref?.kind === 'string' && typeof ref?.name === 'string',
    );
    return { refs: refs.map((ref) => ({ apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name })) };
  } catch (error) {
    return {
      refs: [],
      problem: `its ${INVENTORY_ANNOTATION} annotation is not a JSON list (${(error as Error).message})`,
    };
  }
}

export function formatAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 72 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

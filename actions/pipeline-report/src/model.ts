/** The facts the report is made of, as read from the Actions API (times in epoch milliseconds). */

export interface RunFacts {
  id: number;
  /** The workflow's name. */
  workflow: string;
  workflowId: number;
  /** `.github/workflows/nightly.yml` */
  path: string;
  number: number;
  attempt: number;
  event: string;
  branch: string;
  sha: string;
  /** `owner/repo` of the head commit: a fork's for a pull request from a fork. */
  headRepository: string;
  status: string;
  conclusion: string | null;
  createdAt: number;
  url: string;
  actor?: string;
}

export interface StepFacts {
  number: number;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt?: number;
  completedAt?: number;
}

export interface JobFacts {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  createdAt?: number;
  startedAt?: number;
  completedAt?: number;
  labels: string[];
  runnerName?: string;
  runnerGroup?: string;
  url?: string;
  steps: StepFacts[];
}

/** Parse an API timestamp; undefined for null, missing or GitHub's zero time. */
export function epoch(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '' || value.startsWith('0001-')) return undefined;
  const parsed = Date.parse(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

export function isoOf(milliseconds: number | undefined): string | undefined {
  return milliseconds === undefined ? undefined : new Date(milliseconds).toISOString();
}

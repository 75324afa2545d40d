/**
 * Where the time went: each job's queue and run time, the critical path, runner-minutes per runner
 * label set and GPU-minutes, and a Mermaid Gantt of it all. Pure.
 *
 * The Actions API does not give a job's `needs`, but it creates a job only once its needs have
 * finished: so the critical path is walked back from the job that finished last, each step taking
 * the job that finished last before (or within a few seconds after) the current one was created.
 */
import type { JobFacts } from './model.js';

export interface JobTiming {
  job: JobFacts;
  queueSeconds: number;
  runSeconds: number;
  gpus: number;
  critical: boolean;
}

export interface LabelMinutes {
  /** The job's `runs-on` labels, joined. */
  labels: string;
  jobs: number;
  minutes: number;
  gpuMinutes: number;
}

export interface Timeline {
  jobs: JobTiming[];
  /** Job ids from the first to the last job of the critical path. */
  criticalPath: number[];
  /** First job created to last job finished. */
  wallSeconds: number;
  queueSeconds: number;
  runnerMinutes: number;
  gpuMinutes: number;
  byLabels: LabelMinutes[];
}

/** How a runner's GPU count is found: the first rule whose glob matches one of the job's labels. */
export interface GpuRule {
  glob: RegExp;
  gpus: number;
}

/** GitHub creates a job a few seconds after its last need finished. */
const CREATION_SLACK_MS = 15_000;

const GPU_COUNT = [
  /(?:^|[-_.])gpus?[-_]?(\d+)(?=$|[-_.])/i,
  /(?:^|[-_.])(\d+)[-_]?gpus?(?=$|[-_.])/i,
  /(?:h100|h200|a100|b200|l40s?|a10g?)[-_]?x(\d+)(?=$|[-_.])/i,
];

/**
 * A job's GPUs: the first matching rule, else a count in a label (`gpu-4`, `4gpu`, `h100x8`), else
 * 1 for any label naming a GPU, else 0.
 */
export function gpuCount(labels: readonly string[], rules: readonly GpuRule[]): number {
  for (const rule of rules) if (labels.some((label) => rule.glob.test(label))) return rule.gpus;
  for (const label of labels) {
    for (const pattern of GPU_COUNT) {
      const match = pattern.exec(label);
      if (match) return Number(match[1]);
    }
  }
  return labels.some((label) => /gpu|h100|h200|a100|b200|l40/i.test(label)) ? 1 : 0;
}

export function buildTimeline(jobs: readonly JobFacts[], rules: readonly GpuRule[]): Timeline {
  const timed = jobs.filter((job) => job.startedAt !== undefined);
  const timings: JobTiming[] = timed.map((job) => {
    const started = job.startedAt as number;
    const created = job.createdAt ?? started;
    const completed = job.completedAt ?? started;
    return {
      job,
      queueSeconds: Math.max(0, (started - created) / 1000),
      runSeconds: Math.max(0, (completed - started) / 1000),
      gpus: gpuCount(job.labels, rules),
      critical: false,
    };
  });
  const criticalPath = criticalPathOf(timings);
  const onPath = new Set(criticalPath);
  for (const timing of timings) timing.critical = onPath.has(timing.job.id);

  const byLabels = new Map<string, LabelMinutes>();
  let runnerMinutes = 0;
  let gpuMinutes = 0;
  let queueSeconds = 0;
  for (const timing of timings) {
    const labels = timing.job.labels.length > 0 ? timing.job.labels.join(', ') : '(no labels)';
    const entry = byLabels.get(labels) ?? { labels, jobs: 0, minutes: 0, gpuMinutes: 0 };
    const minutes = timing.runSeconds / 60;
    entry.jobs++;
    entry.minutes += minutes;
    entry.gpuMinutes += minutes * timing.gpus;
    byLabels.set(labels, entry);
    runnerMinutes += minutes;
    gpuMinutes += minutes * timing.gpus;
    queueSeconds += timing.queueSeconds;
  }
  const starts = timed.map((job) => job.createdAt ?? (job.startedAt as number));
  const ends = timed.map((job) => job.completedAt ?? (job.startedAt as number));
  const wallSeconds = timed.length === 0 ? 0 : (Math.max(...ends) - Math.min(...starts)) / 1000;
  return {
    jobs: timings,
    criticalPath,
    wallSeconds,
    queueSeconds,
    runnerMinutes: round1(runnerMinutes),
    gpuMinutes: round1(gpuMinutes),
    byLabels: [...byLabels.values()]
      .map((entry) => ({ ...entry, minutes: round1(entry.minutes), gpuMinutes: round1(entry.gpuMinutes) }))
      .sort((a, b) => b.minutes - a.minutes || (a.labels < b.labels ? -1 : 1)),
  };
}

function criticalPathOf(timings: readonly JobTiming[]): number[] {
  const finished = timings.filter((timing) => timing.job.completedAt !== undefined);
  if (finished.length === 0) return [];
  const end = (timing: JobTiming) => timing.job.completedAt as number;
  const created = (timing: JobTiming) => timing.job.createdAt ?? (timing.job.startedAt as number);
  let current = finished.reduce((last, timing) => (end(timing) > end(last) ? timing : last));
  const path = [current.job.id];
  for (;;) {
    const at = current;
    const before = finished.filter(
      (timing) =>
        timing !== at &&
        end(timing) <= created(at) + CREATION_SLACK_MS &&
        end(timing) < end(at) &&
        !path.includes(timing.job.id),
    );
    if (before.length === 0) break;
    current = before.reduce((last, timing) => (end(timing) > end(last) ? timing : last));
    path.push(current.job.id);
  }
  return path.reverse();
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Text Mermaid takes in a task or section name: no `:`, `;`, `#`, `%`, markup or line breaks. */
export function mermaidText(text: string): string {
  return (
    text
      .replace(/[:;#%\r\n`<>&"]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 80) || 'job'
  );
}

export interface GanttOptions {
  title: string;
  /** Draw at most this many jobs: the critical path first, then the longest. */
  maxJobs: number;
}

/**
 * A Mermaid Gantt: per job a `queued` bar (`done`, grey) and a run bar, critical-path runs `crit` (red);
 * sections group jobs by their workflow prefix (`suite / test (vllm)` -> `suite`).
 */
export function gantt(timeline: Timeline, options: GanttOptions): { text: string; hidden: number } {
  const chosen = [...timeline.jobs]
    .sort((a, b) => Number(b.critical) - Number(a.critical) || b.runSeconds - a.runSeconds)
    .slice(0, options.maxJobs)
    .sort((a, b) => (a.job.startedAt as number) - (b.job.startedAt as number) || a.job.id - b.job.id);
  const lines = ['gantt', `  title ${mermaidText(options.title)}`, '  dateFormat x', '  axisFormat %H:%M'];
  const sections = new Map<string, JobTiming[]>();
  for (const timing of chosen) {
    const parts = timing.job.name.split(' / ');
    const section = parts.length > 1 ? parts.slice(0, -1).join(' / ') : 'jobs';
    sections.set(section, [...(sections.get(section) ?? []), timing]);
  }
  for (const [section, timings] of sections) {
    lines.push(`  section ${mermaidText(section)}`);
    for (const timing of timings) {
      const job = timing.job;
      const name = mermaidText(job.name.split(' / ').at(-1) ?? job.name);
      const started = job.startedAt as number;
      const created = job.createdAt ?? started;
      const completed = Math.max(job.completedAt ?? started, started + 1000);
      if (started - created >= 1000) lines.push(`  ${name} queued :done, q${job.id}, ${created}, ${started}`);
      const tags = timing.critical ? 'crit' : '';
      lines.push(`  ${name} :${tags ? `${tags}, ` : ''}j${job.id}, ${started}, ${completed}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, hidden: timeline.jobs.length - chosen.length };
}

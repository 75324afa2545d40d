/**
 * The report as markdown: the headline, problems, failures (new first), the per-leg table with a
 * total, flaky tests, the slowest tests, and where the time went (a Mermaid Gantt GitHub renders,
 * runner- and GPU-minutes per label). Pure. Every list has a row cap and every cell a length cap,
 * so the job summary stays far below GitHub's 1 MiB whatever the run's size; the report file uses
 * larger caps.
 */
import { codeBlock, details, escapeCell, table } from '@dynamo-ci/core';
import type { Failure, Report } from './report.js';
import { duration, number, testDuration } from './report.js';
import { gantt } from './timeline.js';

export interface RenderLimits {
  failures: number;
  flaky: number;
  problems: number;
  legs: number;
  ganttJobs: number;
  labels: number;
  /** Characters per table cell. */
  cell: number;
}

export const SUMMARY_LIMITS: RenderLimits = {
  failures: 100,
  flaky: 30,
  problems: 50,
  legs: 300,
  ganttJobs: 60,
  labels: 30,
  cell: 200,
};

export const FILE_LIMITS: RenderLimits = {
  failures: 5000,
  flaky: 1000,
  problems: 2000,
  legs: 5000,
  ganttJobs: 150,
  labels: 200,
  cell: 1000,
};

/** A markdown link whose URL cannot end the link early. */
export function link(url: string | undefined, label: string): string {
  if (!url || !/^https?:\/\//.test(url)) return escapeCell(label);
  const safe = url.replace(/[()\s<>]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${escapeCell(label).replace(/[[\]]/g, '\\$&')}](${safe})`;
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

function standingText(failure: Failure): string {
  const { standing } = failure;
  if (standing.status === 'new') return '🆕 new';
  if (standing.status === 'unknown') return 'no history';
  const since = standing.since === undefined ? '' : ` #${standing.since}`;
  return standing.sinceAtLeast ? `failing since ≤${since}` : `failing since${since}`;
}

export function renderReport(report: Report, limits: RenderLimits): string {
  const { run } = report;
  const out: string[] = [];
  const title = `${run.workflow} #${run.number}${run.attempt > 1 ? ` (attempt ${run.attempt})` : ''}`;
  out.push(`## Pipeline report: ${link(run.url, title)}\n`);
  out.push(`${escapeCell(report.line)}\n`);
  out.push(`\`${escapeCell(run.branch)}\` · ${run.sha.slice(0, 7)} · ${escapeCell(run.event)}\n`);

  if (report.problems.length > 0) {
    out.push('### Problems\n');
    const shown = report.problems.slice(0, limits.problems);
    out.push(`${shown.map((problem) => `- ${escapeCell(cut(problem, limits.cell * 2))}`).join('\n')}\n`);
    if (report.problems.length > shown.length) out.push(`- … and ${report.problems.length - shown.length} more\n`);
    out.push('');
  }

  if (report.failures.length > 0) {
    out.push(`### Failures (${number(report.failures.length)}, ${number(report.newFailures)} new)\n`);
    const rows = report.failures
      .slice(0, limits.failures)
      .map((failure) => [
        escapeCell(standingText(failure)),
        escapeCell(cut(failure.leg, limits.cell)),
        escapeCell(cut(failure.test, limits.cell)),
        escapeCell(cut(failure.message ?? '', limits.cell)),
        link(failure.url, 'job'),
      ]);
    out.push(table(['', 'Leg', 'Test', 'Message', 'Job'], rows, { rawColumns: [0, 1, 2, 3, 4] }));
    if (report.failures.length > rows.length) {
      out.push(`_… and ${number(report.failures.length - rows.length)} more failures: see the report file._\n`);
    }
  }

  out.push('### Tests by leg\n');
  const legRows = report.legs.map((leg) => {
    const state = leg.state === 'never-ran' ? ' (never ran)' : leg.state === 'no-results' ? ' (no results)' : '';
    const counts = leg.counts;
    return [
      `${leg.counts.failed > 0 || leg.state !== 'reported' ? '❌' : '✅'} ${link(leg.job?.url, cut(leg.name, limits.cell))}${state}`,
      number(counts.tests),
      number(counts.passed),
      number(counts.failed),
      number(counts.skipped),
      number(counts.flaky),
      testDuration(counts.seconds),
    ];
  });
  legRows.sort((a, b) => Number(b[0]?.startsWith('❌')) - Number(a[0]?.startsWith('❌')));
  const totals = report.totals;
  const totalRow = [
    '**Total**',
    `**${number(totals.tests)}**`,
    `**${number(totals.passed)}**`,
    `**${number(totals.failed)}**`,
    `**${number(totals.skipped)}**`,
    `**${number(totals.flaky)}**`,
    `**${testDuration(totals.seconds)}**`,
  ];
  const shownLegs = legRows.slice(0, limits.legs);
  if (legRows.length > shownLegs.length) {
    shownLegs.push([`… and ${legRows.length - shownLegs.length} more legs`, '', '', '', '', '', '']);
  }
  out.push(
    table(['Leg', 'Tests', 'Passed', 'Failed', 'Skipped', 'Flaky', 'Duration'], [...shownLegs, totalRow], {
      rawColumns: [0, 1, 2, 3, 4, 5, 6],
    }),
  );

  if (report.flaky.length > 0) {
    const window = report.history.next?.runs.length ?? 1;
    out.push(`### Flaky tests (over the last ${window} run${window === 1 ? '' : 's'})\n`);
    out.push(
      table(
        ['Leg', 'Test', 'Flaky in', 'This run'],
        report.flaky
          .slice(0, limits.flaky)
          .map((rate) => [
            cut(rate.leg, limits.cell),
            cut(rate.key, limits.cell),
            `${rate.flaky} of ${rate.runs} (${Math.round((rate.flaky / rate.runs) * 100)}%)`,
            rate.now ? 'flaky' : '',
          ]),
      ),
    );
    if (report.flaky.length > limits.flaky) out.push(`_… and ${number(report.flaky.length - limits.flaky)} more._\n`);
  }

  if (report.slowest.length > 0) {
    out.push('### Slowest tests\n');
    out.push(
      table(
        ['Test', 'Leg', 'Duration'],
        report.slowest.map((slow) => [
          cut(slow.test, limits.cell),
          cut(slow.leg, limits.cell),
          testDuration(slow.seconds),
        ]),
      ),
    );
  }

  out.push(renderTime(report, limits));
  if (report.history.notes.length === 0 && report.history.previous) {
    out.push(
      `_New or known: judged against ${report.history.previous.runs.length} earlier run(s) of this workflow on \`${escapeCell(run.branch)}\`._\n`,
    );
  }
  return out.join('\n');
}

function renderTime(report: Report, limits: RenderLimits): string {
  const { timeline } = report;
  if (timeline.jobs.length === 0) return '### Where the time went\n\nNo job of this run had started.\n';
  const out = ['### Where the time went\n'];
  out.push(
    `${duration(timeline.wallSeconds)} from the first job queued to the last one done; ${number(Math.round(timeline.runnerMinutes))} runner-minutes, ${number(Math.round(timeline.gpuMinutes))} GPU-minutes, ${duration(timeline.queueSeconds)} queued in all.\n`,
  );
  const chart = gantt(timeline, { title: `${report.run.workflow} #${report.run.number}`, maxJobs: limits.ganttJobs });
  out.push(codeBlock(chart.text, 'mermaid'));
  if (chart.hidden > 0) out.push(`_${chart.hidden} shorter job(s) off the critical path are not drawn._\n`);
  const byId = new Map(timeline.jobs.map((timing) => [timing.job.id, timing]));
  const path = timeline.criticalPath.map((id) => byId.get(id)).filter((timing) => timing !== undefined);
  if (path.length > 0) {
    const steps = path.map(
      (timing) =>
        `${escapeCell(cut(timing.job.name, 120))} (${duration(timing.queueSeconds)} queued, ${duration(timing.runSeconds)})`,
    );
    out.push(`**Critical path:** ${steps.join(' → ')}\n`);
  }
  out.push(
    table(
      ['Runner labels', 'Jobs', 'Runner-minutes', 'GPU-minutes'],
      timeline.byLabels.map((entry) => [
        cut(entry.labels, limits.cell),
        entry.jobs,
        entry.minutes.toFixed(1),
        entry.gpuMinutes.toFixed(1),
      ]),
      { maxRows: limits.labels },
    ),
  );
  const slowQueue = [...timeline.jobs].sort((a, b) => b.queueSeconds - a.queueSeconds).slice(0, 10);
  if (slowQueue.length > 0 && (slowQueue[0]?.queueSeconds ?? 0) >= 60) {
    out.push(
      details(
        'Longest queue waits',
        table(
          ['Job', 'Labels', 'Queued', 'Ran'],
          slowQueue.map((timing) => [
            cut(timing.job.name, limits.cell),
            timing.job.labels.join(', '),
            duration(timing.queueSeconds),
            duration(timing.runSeconds),
          ]),
        ),
      ),
    );
  }
  return out.join('\n');
}

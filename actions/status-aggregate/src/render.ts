/** The job summary: a headline and a table of jobs, results and verdicts. Pure. */
import { escapeCell, type GateReport, type ReportJob, table } from '@dynamo-ci/core';

const ICON: Record<string, string> = { pass: '✅', fail: '❌' };

export function renderSummary(report: GateReport, notes: readonly string[] = []): string {
  const failed = report.jobs.filter((job) => job.verdict === 'fail');
  const title = report.gate ? `Gate \`${report.gate}\`` : 'Gate';
  const headline =
    report.result === 'success'
      ? `## ✅ ${title} passed\n\n${report.jobs.length} job(s) checked; none failed the policy.\n`
      : `## ❌ ${title} failed\n\n${failed.length} of ${report.jobs.length} job(s) failed the policy.\n`;
  // Failures first, so a long table still shows what matters.
  const ordered = [...failed, ...report.jobs.filter((job) => job.verdict === 'pass')];
  const rows = ordered.map((job) => [
    nameCell(job),
    job.result,
    `${ICON[job.verdict]} ${job.verdict}`,
    escapeCell(job.reason),
  ]);
  const body = table(['Job', 'Result', 'Verdict', 'Reason'], rows, { maxRows: 500, rawColumns: [0, 3] });
  const extra = notes.length > 0 ? `\n${notes.map((note) => `> ${escapeCell(note)}`).join('\n>\n')}\n` : '';
  return `${headline}\n${body}${extra}`;
}

function nameCell(job: ReportJob): string {
  const name = escapeCell(job.name).replace(/[[\]]/g, '\\$&');
  return job.url ? `[${name}](${job.url})` : name;
}

/** The report as annotations and a job summary. Pure. */
import type { Finding } from './parsers/types.js';
import type { CheckResult, CheckStatus, Report } from './run.js';

const ICON: Record<CheckStatus | Report['result'], string> = {
  success: '✅',
  failure: '❌',
  'timed-out': '⏱️',
  cancelled: '🚫',
  'not-run': '⏭️',
};

export interface Annotation {
  level: 'error' | 'warning';
  message: string;
  title: string;
  file?: string;
  line?: number;
  endLine?: number;
  column?: number;
}

/**
 * One annotation per finding, errors first, at most `max` (GitHub shows only the first few per
 * step anyway; the summary and the logs have the rest), plus one per failed check without any.
 */
export function annotations(report: Report, max: number): { annotations: Annotation[]; omitted: number } {
  const all: Annotation[] = [];
  for (const check of report.checks) {
    for (const finding of check.findings) all.push(annotationOf(check, finding));
    if (check.result !== 'success' && check.result !== 'not-run' && check.findings.length === 0) {
      all.push({ level: 'error', title: check.title, message: failureLine(check) });
    }
  }
  all.sort((a, b) => (a.level === b.level ? 0 : a.level === 'error' ? -1 : 1));
  return { annotations: all.slice(0, max), omitted: Math.max(0, all.length - max) };
}

function annotationOf(check: CheckResult, finding: Finding): Annotation {
  return {
    level: finding.level,
    title: finding.title.startsWith(check.title) ? finding.title : `${check.title}: ${finding.title}`,
    message: finding.message,
    file: finding.file,
    line: finding.line,
    endLine: finding.endLine,
    column: finding.column,
  };
}

function failureLine(check: CheckResult): string {
  // The tool never ran: the note says why and what to do.
  if (check.result === 'failure' && check.exitCode === undefined && check.note) return check.note;
  const what =
    check.result === 'failure'
      ? `${check.title} failed${check.exitCode === undefined ? '' : ` (exit code ${check.exitCode})`}`
      : `${check.title} ${check.result === 'timed-out' ? 'timed out' : 'was cancelled'}`;
  return check.note ? `${what}: ${check.note}` : `${what}; see the log.`;
}

/** The one-line failure message for the step, or undefined when every check passed. */
export function failureMessage(report: Report): string | undefined {
  if (report.result === 'success') return undefined;
  const failed = report.checks.filter((check) => check.result !== 'success' && check.result !== 'not-run');
  const findings = failed.reduce((total, check) => total + check.errors, 0);
  const names = failed.map((check) => check.title).join(', ');
  if (report.result === 'cancelled') return `Code checks cancelled (${names}).`;
  if (report.result === 'timed-out')
    return `Code checks stopped at the deadline (${names}); raise timeout-minutes or speed them up.`;
  return `Code checks failed: ${names}${findings > 0 ? ` (${findings} error${findings === 1 ? '' : 's'}; see the annotations)` : ''}.`;
}

export function renderSummary(report: Report, limit = 30): string {
  const lines = [`### ${ICON[report.result]} Code checks: ${report.result}`, ''];
  const where = report.engine === 'docker' ? `in \`${report.image}\`` : 'on the runner';
  lines.push(`Ran ${where}, in \`${report.workingDirectory || '.'}\`.`, '');
  lines.push('| check | result | time | errors | warnings |', '| --- | --- | --- | --- | --- |');
  for (const check of report.checks) {
    const result = `${ICON[check.result]} ${check.result}${check.exitCode !== undefined && check.result === 'failure' ? ` (exit ${check.exitCode})` : ''}`;
    lines.push(`| \`${check.title}\` | ${result} | ${check.durationSeconds} s | ${check.errors} | ${check.warnings} |`);
  }
  const notes = report.checks.filter((check) => check.note);
  if (notes.length > 0) {
    lines.push('');
    for (const check of notes) lines.push(`- \`${check.title}\`: ${escapeMarkdown(check.note as string)}`);
  }
  const findings = report.checks.flatMap((check) => check.findings.map((finding) => ({ check, finding })));
  if (findings.length > 0) {
    lines.push('', '#### Findings', '');
    for (const { check, finding } of findings.slice(0, limit)) {
      const place = finding.file ? `\`${finding.file}${finding.line ? `:${finding.line}` : ''}\` ` : '';
      const title = annotationOf(check, finding).title;
      lines.push(`- ${place}**${escapeMarkdown(title)}**: ${escapeMarkdown(firstLine(finding.message))}`);
    }
    if (findings.length > limit)
      lines.push(`- … and ${findings.length - limit} more (see the annotations and the logs)`);
  }
  return `${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function escapeMarkdown(text: string): string {
  return text.replace(/[|<>]/g, (char) => `\\${char}`);
}

/** Pure: the job summary of a cleanup or a sweep. */
import { code, escapeCell, limitSummary, table } from '@dynamo-ci/core';
import type { CleanupReport } from './cleanup.js';

export function renderSummary(report: CleanupReport): string {
  const title = report.target.mode === 'sweep' ? 'sweep' : 'cleanup';
  const verb = report.dryRun ? 'would delete' : 'deleted';
  const rows = [
    ['What', escapeCell(report.target.description)],
    ['Label selector', code(report.target.selector)],
    [`Namespaces ${verb}`, report.namespaces.map(code).join(', ') || 'none'],
    ['Other objects', report.objects.map((object) => code(object)).join(', ') || 'none'],
    ...(report.kept.length > 0
      ? [['Kept', report.kept.map((kept) => `${code(kept.name)} (${escapeCell(kept.reason)})`).join(', ')]]
      : []),
    ...(report.terminating.length > 0 ? [['Still terminating', report.terminating.map(code).join(', ')]] : []),
  ];
  const status = report.errors.length > 0 ? '❌' : '✅';
  const parts = [
    `### ${status} deploy-cleanup: ${title}${report.dryRun ? ' (dry run)' : ''}\n`,
    table(['', ''], rows, { rawColumns: [1] }),
  ];
  if (report.errors.length > 0) parts.push(`\n${report.errors.map((error) => `- ${escapeCell(error)}`).join('\n')}\n`);
  return limitSummary(parts.join('\n'), 256 * 1024);
}

/** Pure: a run's report -> the job summary, annotations and the step's failure sentence. */
import { code, codeBlock, details, escapeCell, table } from '@dynamo-ci/core';
import type { Report } from './run.js';

const ICON: Record<Report['result'], string> = {
  success: '✅',
  failure: '❌',
  'timed-out': '⏱️',
  cancelled: '⚪',
  empty: '⚠️',
};

/** Inline code inside a table cell: GFM needs the pipe escaped even there. */
function codeCell(text: string): string {
  return code(text).replace(/\|/g, '\\|');
}

/** GitHub shows at most 10 error and 10 warning annotations per step. */
export const MAX_ANNOTATIONS = 10;

export interface AnnotationSpec {
  level: 'error' | 'warning';
  message: string;
  title: string;
  file?: string;
  line?: number;
}

export function annotations(report: Report, pathPrefix: string): AnnotationSpec[] {
  const where = (entry: { file?: string; line?: number }) => {
    const spot: { file?: string; line?: number } = {};
    if (entry.file !== undefined) spot.file = `${pathPrefix}${entry.file}`;
    if (entry.line !== undefined) spot.line = entry.line;
    return spot;
  };
  const errors: AnnotationSpec[] = report.failures.slice(0, MAX_ANNOTATIONS).map((failure) => ({
    level: 'error',
    title: `${failure.outcome === 'error' ? 'Error in' : 'Failed'}: ${failure.test}`,
    message: [failure.message ?? failure.outcome, failure.details].filter(Boolean).join('\n\n').slice(0, 4000),
    ...where(failure),
  }));
  const warnings: AnnotationSpec[] = report.flaky.slice(0, MAX_ANNOTATIONS).map((flaky) => ({
    level: 'warning',
    title: `Flaky: ${flaky.test}`,
    message: `Passed on attempt ${flaky.attempts} after failing: ${flaky.firstFailure ?? 'no message'}`,
    ...where(flaky),
  }));
  return [...errors, ...warnings];
}

export function failureMessage(report: Report, failOnEmpty: boolean): string | undefined {
  const { counts } = report;
  const selection = `-m ${JSON.stringify(report.markerExpression)}`;
  switch (report.result) {
    case 'success':
      return undefined;
    case 'cancelled':
      return `The test run was cancelled (${counts.total} test(s) had results).`;
    case 'timed-out': {
      const running = report.killed.map((entry) => entry.test);
      const list =
        running.length > 0
          ? ` Running when stopped: ${running.slice(0, 5).join(', ')}${running.length > 5 ? ', …' : ''}.`
          : '';
      return `The whole run hit timeout-minutes and pytest was stopped.${list} Raise timeout-minutes, or shard the selection with shard-count.`;
    }
    case 'empty': {
      const typo =
        report.unknownMarkers.length > 0
          ? ` The expression names undeclared marker(s) ${report.unknownMarkers.join(', ')}: a typo?`
          : '';
      return failOnEmpty
        ? `No tests matched ${selection}.${typo} Check lifecycle, framework, gpus and markers, or set fail-on-empty: false if an empty selection is expected.`
        : undefined;
    }
    case 'failure': {
      // pytest's or docker's own failure (usage error, image missing) explains more than the counts.
      if (report.problems.length > 0) return report.problems[0];
      const parts = [`${counts.failed} failed`, `${counts.errors} error(s)`];
      if (counts.flaky > 0) parts.push(`${counts.flaky} flaky`);
      return `${parts.join(', ')} of ${counts.total} test(s) selected by ${selection}.`;
    }
  }
}

export function renderSummary(report: Report): string {
  const { counts } = report;
  const lines: string[] = [];
  const shard = report.shard ? ` · shard ${report.shard.index + 1}/${report.shard.count}` : '';
  lines.push(`### ${ICON[report.result]} GPU tests: ${report.result}${shard}\n`);
  lines.push(
    `Selection ${code(report.markerExpression)} · engine ${report.engine}${report.image ? ` ${code(report.image)}` : ''} · ${report.arch} · GPUs visible: ${report.gpus.visible}${report.gpus.names.length > 0 ? ` (${escapeCell(report.gpus.names[0] as string)}${report.gpus.names.length > 1 ? ', …' : ''})` : ''} · ${report.durationSeconds} s\n`,
  );
  lines.push(
    table(
      ['Total', 'Passed', 'Failed', 'Errors', 'Skipped', 'Flaky'],
      [[counts.total, counts.passed, counts.failed, counts.errors, counts.skipped, counts.flaky]],
    ),
  );
  for (const problem of report.problems) lines.push(codeBlock(problem));
  if (report.unknownMarkers.length > 0) {
    lines.push(
      `> [!WARNING]\n> Undeclared marker(s) in the expression: ${report.unknownMarkers.map(code).join(', ')}\n`,
    );
  }
  if (report.killed.length > 0) {
    lines.push('#### Running when pytest stopped\n');
    lines.push(
      table(
        ['Test', 'Why'],
        report.killed.map((entry) => [entry.test, entry.message ?? '']),
        { maxRows: 20 },
      ),
    );
  }
  if (report.failures.length > 0) {
    lines.push('#### Failures\n');
    const rows = report.failures.map((failure) => [
      codeCell(failure.test),
      failure.outcome,
      failure.attempts > 1 ? String(failure.attempts) : '1',
      escapeCell((failure.message ?? '').slice(0, 300)),
    ]);
    lines.push(table(['Test', 'Outcome', 'Attempts', 'Message'], rows, { rawColumns: [0, 3] }));
    if (report.omitted.failures > 0)
      lines.push(`_${report.omitted.failures} more failure(s) are in the JUnit files._\n`);
  }
  if (report.flaky.length > 0) {
    lines.push('#### Flaky (failed, then passed on a rerun)\n');
    const rows = report.flaky.map((flaky) => [
      codeCell(flaky.test),
      String(flaky.attempts),
      escapeCell((flaky.firstFailure ?? '').slice(0, 300)),
    ]);
    lines.push(table(['Test', 'Attempts', 'First failure'], rows, { rawColumns: [0, 2] }));
  }
  const phaseRows = report.phases.map((phase) => [
    phase.name,
    phase.expression ? codeCell(phase.expression) : '(node ids)',
    String(phase.workers),
    phase.skipped ? 'not run' : String(phase.exitCode ?? ''),
    String(phase.tests),
    `${phase.durationSeconds} s`,
    [phase.stop ?? '', phase.synthesized ? 'JUnit written by the action' : ''].filter(Boolean).join(', '),
  ]);
  const sections: string[] = [];
  if (phaseRows.length > 0) {
    sections.push(
      table(['Phase', 'Expression', 'Workers', 'Exit', 'Tests', 'Time', 'Note'], phaseRows, { rawColumns: [1] }),
    );
  }
  if (report.slowest.length > 0) {
    sections.push(
      table(
        ['Slowest test', 'Seconds'],
        report.slowest.map((entry) => [codeCell(entry.test), entry.seconds]),
        { rawColumns: [0] },
      ),
    );
  }
  if (report.shard) {
    const s = report.shard;
    sections.push(
      `Shard ${s.index + 1} of ${s.count}: ${s.tests} of ${s.collected} collected tests, planned ${s.plannedSeconds} s, ${s.estimated} without a past duration, durations ${s.durationsRestored ? 'restored from the cache' : 'not available (balanced by count)'}, plan ${code(s.fingerprint)}.\n`,
    );
  }
  if (sections.length > 0) lines.push(details('Phases, slowest tests, shard', sections.join('\n')));
  return `${lines.join('\n')}\n`;
}

/** Pure: a detection -> the job summary, the uncovered-files message, and log lines. */
import { code, details, escapeCell, table } from '@dynamo-ci/core';
import type { Detection } from './detect.js';

const SHOWN_FILES = 100;

export function renderSummary(detection: Detection, filtersFile: string): string {
  const { changeSet } = detection;
  const lines: string[] = ['### changed-files', ''];
  if (changeSet.source === 'none') {
    lines.push(`Head ${sha(changeSet.head)}: no diff, every filter is true.`);
  } else {
    lines.push(
      `Base ${sha(changeSet.base)} → head ${sha(changeSet.head)} (source: ${changeSet.source}); ` +
        `${detection.paths.length} changed path(s) considered.`,
    );
  }
  lines.push('', `_${escapeCell(changeSet.reason)}_`, '');
  const rows = detection.filters.map((filter) => [
    code(filter.name),
    filter.changed ? '**true**' : 'false',
    detection.everything ? '—' : String(filter.count),
  ]);
  lines.push(table(['Filter', 'Changed', 'Files'], rows, { rawColumns: [0, 1] }));
  if (detection.uncovered.length > 0) {
    lines.push(
      `**${detection.uncovered.length} changed file(s) match no filter** in ${code(filtersFile)}:`,
      '',
      fileList(detection.uncovered),
    );
  }
  if (detection.findings.length > 0) {
    const findingRows = detection.findings.map((finding) => [String(finding.line ?? ''), finding.message]);
    lines.push(details(`${detection.findings.length} filter lint warning(s)`, table(['Line', 'Warning'], findingRows)));
  }
  if (!detection.everything && detection.paths.length > 0) {
    lines.push(details(`Changed paths (${detection.paths.length})`, fileList(detection.paths)));
  }
  return `${lines.join('\n')}\n`;
}

/** The `uncovered` message: the files (up to 100) and the filters file to edit. */
export function uncoveredMessage(uncovered: readonly string[], filtersFile: string): string {
  const shown = uncovered.slice(0, SHOWN_FILES).map((path) => `  ${JSON.stringify(path).slice(1, -1)}`);
  const more =
    uncovered.length > SHOWN_FILES
      ? [`  … and ${uncovered.length - SHOWN_FILES} more (see the 'uncovered' output)`]
      : [];
  return [
    `The following ${uncovered.length} changed file(s) are not covered by any filter in ${filtersFile}:`,
    ...shown,
    ...more,
    `Add each to the filter whose jobs should run for it (or to a filter of files that need no CI) in ${filtersFile}.`,
  ].join('\n');
}

function fileList(paths: readonly string[]): string {
  const shown = paths.slice(0, SHOWN_FILES).map((path) => `- ${code(path)}`);
  if (paths.length > SHOWN_FILES) shown.push(`- … and ${paths.length - SHOWN_FILES} more`);
  return `${shown.join('\n')}\n`;
}

function sha(value: string | undefined): string {
  return value ? code(value.slice(0, 12)) : '_(none)_';
}

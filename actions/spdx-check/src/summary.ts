/**
 * The job summary and the log's short report. A big failure reads at a glance: the number of
 * failing files and the one thing to do next first, then the problems grouped by kind with
 * counts and the first files of each, the licenses seen, and what needs a person; every failing
 * file follows in a collapsed list (cut only at GitHub's 1 MiB summary limit). Pure.
 */
import { codeBlock, details, escapeCell, limitSummary, table } from '@dynamo-ci/core/summary';
import { type Advice, advise, count, type Step } from './advice.js';
import { describe } from './annotate.js';
import { FINDING_TITLES, type Finding } from './check.js';
import type { Settings } from './inputs.js';
import { inlineCode } from './markdown.js';
import type { FileResult, ScanResult, SkipReason } from './scan.js';
import { tally } from './tally.js';

const SKIP_LABELS: Record<SkipReason, string> = {
  ignored: 'ignored by pattern',
  uncommentable: 'cannot carry a header (license texts, lock files, JSON, ...)',
  'configured-skip': 'mapped to skip in the config',
  binary: 'binary',
  'lfs-pointer': 'Git LFS pointer (binary content)',
  empty: 'empty',
  symlink: 'symlink (not followed)',
  'not-a-file': 'not a file (submodule or folder)',
  missing: 'not in the working tree',
  'unknown-type': 'unknown file type',
};

export interface SummaryContext {
  settings: Settings;
  /** Why these files (the change set's reason, or "every tracked file"). */
  scopeReason: string;
  headYear: number;
  elapsedMs: number;
}

function fixColumn(kind: string, fixMode: boolean): string {
  if (fixMode) return 'could not repair';
  return kind === 'legacy-header' ? 'converts' : 'repairs';
}

/** A path (or a license) in a table cell: code, with the pipes a table would split on escaped. */
function codeCell(path: string): string {
  return inlineCode(path.includes('|') ? path.replace(/\|/g, '\\|') : path);
}

function stepMarkdown(step: Step): string {
  return step.inputs ? `${step.text}\n\n${codeBlock(step.inputs, 'yaml')}` : `${step.text}\n`;
}

export function renderSummary(result: ScanResult, context: SummaryContext, advice?: Advice): string {
  const { counts, failed, rewritten, unknown } = tally(result.files);
  const { settings } = context;
  const { groups, next, person } = advice ?? advise(result, settings);
  const verdict =
    counts.failed > 0
      ? `❌ ${count(counts.failed)} of ${count(counts.checked)} checked files fail`
      : `✅ all ${count(counts.checked)} checked files pass`;
  const lines: string[] = [`## SPDX headers: ${verdict}`, ''];
  if (next) lines.push(`**Next:** ${stepMarkdown(next)}`);
  lines.push(
    `Scope \`${settings.scope}\` (${escapeCell(context.scopeReason)}); year rule \`${settings.yearRule}\`` +
      ` (head commit year ${context.headYear}); ${(context.elapsedMs / 1000).toFixed(2)} s.`,
    '',
  );
  const rows: (string | number)[][] = [
    ['passed', count(counts.passed)],
    ['fixed', count(counts.fixed)],
    ['failed', count(counts.failed)],
  ];
  for (const [reason, files] of Object.entries(counts.skippedBy)) {
    rows.push([`skipped: ${SKIP_LABELS[reason as SkipReason]}`, count(files as number)]);
  }
  lines.push(table(['Outcome', 'Files'], rows));
  for (const note of result.notes) lines.push(`> ${note}`, '');
  const binary = (counts.skippedBy.binary ?? 0) + (counts.skippedBy['lfs-pointer'] ?? 0);
  if (binary > 0) {
    lines.push(
      `${count(binary)} binary file(s) (videos, images, archives, weights) cannot carry a header and were skipped: ` +
        'REUSE expects a `<name>.license` file beside each (for `demo.mp4`, `demo.mp4.license` holding the two SPDX lines).',
      '',
    );
  }

  if (groups.length > 0) {
    lines.push('### Problems by kind', '');
    lines.push(
      table(
        ['Problem', 'Files', '`fix: true`', 'First files'],
        groups.map((group) => [
          `${FINDING_TITLES[group.kind]} (\`${group.kind}\`)`,
          count(group.files),
          group.fixable ? fixColumn(group.kind, settings.fix) : 'needs a person',
          group.examples.map(codeCell).join(', ') + (group.files > group.examples.length ? ', ...' : ''),
        ]),
        { rawColumns: [0, 2, 3] },
      ),
    );
  }
  if (result.licenses.size > 0) {
    lines.push('### Licenses seen', '');
    lines.push(
      table(
        ['License', 'In SPDX tags', 'As license text', 'Allowed'],
        [...result.licenses].map(([license, use]) => [
          codeCell(license),
          count(use.tags),
          count(use.texts),
          settings.licenses.includes(license) ? 'yes' : 'no',
        ]),
        { rawColumns: [0], maxRows: 20 },
      ),
    );
  }
  if (person.length > 0) {
    lines.push('### Needs a person', '');
    for (const step of person) lines.push(stepMarkdown(step));
  }

  if (failed.length > 0) {
    const example = failed.find((file) => file.expectedHeader);
    if (example?.expectedHeader) {
      lines.push(
        `Expected header (for ${inlineCode(example.path)}):`,
        '',
        codeBlock(example.expectedHeader.join('\n')),
      );
    }
    lines.push(details(`All ${count(failed.length)} failing files, by problem`, failuresByProblem(failed)));
  }
  if (rewritten.length > 0) {
    lines.push(
      details(
        `Fixed: ${count(rewritten.length)} files`,
        table(
          ['File', 'Repaired'],
          rewritten.map((file) => [
            codeCell(file.path),
            file.fixed.map((finding) => FINDING_TITLES[finding.kind]).join(', '),
          ]),
          { rawColumns: [0] },
        ),
      ),
    );
  }
  if (unknown.length > 0 && settings.unknownTypes !== 'ignore') {
    lines.push(`### Unknown file types (${count(unknown.length)})`, '');
    lines.push(
      table(
        ['File'],
        unknown.map((file) => [codeCell(file.path)]),
        { maxRows: 20, rawColumns: [0] },
      ),
    );
  }
  return limitSummary(`${lines.join('\n')}\n`);
}

/**
 * Every failing file under the problem it has (with the line it is on): thousands of files share
 * a handful of problems, so each is written once, most files first.
 */
function failuresByProblem(failed: readonly FileResult[]): string {
  const byProblem = new Map<string, Map<number, string[]>>();
  for (const file of failed) {
    const { findings } = file;
    const problem = findings.length === 1 ? (findings[0] as Finding).message : describe(findings);
    const line = (findings[0] as Finding).line;
    let byLine = byProblem.get(problem);
    if (byLine === undefined) {
      byLine = new Map();
      byProblem.set(problem, byLine);
    }
    const paths = byLine.get(line);
    if (paths === undefined) byLine.set(line, [file.path]);
    else paths.push(file.path);
  }
  const groups: { problem: string; line: number; paths: string[] }[] = [];
  for (const [problem, byLine] of byProblem) {
    for (const [line, paths] of byLine) groups.push({ problem, line, paths });
  }
  groups.sort((a, b) => b.paths.length - a.paths.length);
  return groups
    .map(
      ({ problem, line, paths }) =>
        `- line ${line}: ${escapeCell(problem)} (${count(paths.length)})\n\n  ${paths.map(inlineCode).join(', ')}\n`,
    )
    .join('\n');
}

/** A path for a log line: quoted when it holds a line break (it must not start a line of its own). */
export function logPath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}

/** The same story in a few log lines: the problem groups with their first files, and what to do next. */
export function renderLog(advice: Advice): string[] {
  const lines = advice.groups.map(
    (group) =>
      `  ${group.kind}: ${count(group.files)} file(s)${group.fixable ? '' : ' (needs a person)'}, e.g. ${group.examples.map(logPath).join(', ')}`,
  );
  if (lines.length > 0) lines.unshift('Problems by kind:');
  if (advice.next) {
    lines.push(`Next: ${advice.next.text.replace(/`/g, '')}`);
    if (advice.next.inputs) lines.push(...advice.next.inputs.split('\n').map((line) => `  ${line}`));
  }
  return lines;
}

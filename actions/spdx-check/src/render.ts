/**
 * Pure renderers of a scan result: annotations (one per failing file, at the finding's line,
 * with the exact header expected), the job summary, SARIF 2.1.0, the JSON report and the step
 * outputs.
 */
import { code, codeBlock, escapeCell, limitSummary, table } from '@dynamo-ci/core/summary';
import { FINDING_TITLES, FIXABLE, type Finding, type FindingKind } from './check.js';
import type { Settings } from './inputs.js';
import type { FileResult, ScanResult, SkipReason } from './scan.js';

export interface Counts {
  checked: number;
  passed: number;
  fixed: number;
  failed: number;
  skipped: number;
  unknown: number;
  skippedBy: Partial<Record<SkipReason, number>>;
}

/** The counts and the files each report lists, from one pass over a scan's results. */
export interface Tally {
  counts: Counts;
  failed: FileResult[];
  fixed: FileResult[];
  /** Files of unknown type, failed or not. */
  unknown: FileResult[];
  /** Failed and unknown-type files, in the results' order (the annotated ones). */
  flagged: FileResult[];
}

const TALLIES = new WeakMap<readonly FileResult[], Tally>();

/** Tally a result list (once: the outputs, annotations and summary all read it). */
export function tally(files: readonly FileResult[]): Tally {
  const known = TALLIES.get(files);
  if (known) return known;
  const counts: Counts = { checked: 0, passed: 0, fixed: 0, failed: 0, skipped: 0, unknown: 0, skippedBy: {} };
  const result: Tally = { counts, failed: [], fixed: [], unknown: [], flagged: [] };
  for (const file of files) {
    counts[file.outcome]++;
    if (file.outcome === 'passed') continue;
    if (file.outcome === 'failed') result.failed.push(file);
    else if (file.outcome === 'fixed') result.fixed.push(file);
    else if (file.skipReason) counts.skippedBy[file.skipReason] = (counts.skippedBy[file.skipReason] ?? 0) + 1;
    if (file.unknownType) result.unknown.push(file);
    if (file.outcome === 'failed' || file.unknownType) result.flagged.push(file);
  }
  counts.unknown = result.unknown.length;
  counts.checked = counts.passed + counts.fixed + counts.failed;
  TALLIES.set(files, result);
  return result;
}

/** Counts by outcome and skip reason. */
export function countResults(files: readonly FileResult[]): Counts {
  return tally(files).counts;
}

export interface AnnotationOut {
  level: 'error' | 'warning';
  message: string;
  file: string;
  line: number;
  title: string;
}

function describe(findings: readonly Finding[]): string {
  return findings.map((finding) => finding.message).join('; ');
}

/** One error per failing file (at its first finding's line) and one warning per unknown-type file. */
export function annotations(result: ScanResult, settings: Settings): AnnotationOut[] {
  const out: AnnotationOut[] = [];
  for (const file of tally(result.files).flagged) {
    if (file.outcome === 'failed') {
      const first = file.findings[0] as Finding;
      const expected = file.expectedHeader ? `\nExpected header:\n${file.expectedHeader.join('\n')}` : '';
      const fixHint = settings.fix ? '' : canFix(file.findings) ? '\nRun with fix: true to repair it.' : '';
      out.push({
        level: 'error',
        file: file.path,
        line: first.line,
        title: FINDING_TITLES[first.kind],
        message: `${file.path}: ${describe(file.findings)}.${expected}${fixHint}`,
      });
    } else if (file.unknownType && settings.unknownTypes === 'warn') {
      out.push({
        level: 'warning',
        file: file.path,
        line: 1,
        title: FINDING_TITLES['unknown-type'],
        message: `${file.path}: not checked: ${UNKNOWN_WARNING}`,
      });
    }
  }
  return out;
}

const UNKNOWN_WARNING =
  "no comment syntax is known for this file type; map it in the config file's file-types, add it to ignore, or set unknown-types: ignore";

function canFix(findings: readonly Finding[]): boolean {
  return findings.every((finding) => FIXABLE.has(finding.kind));
}

const SKIP_LABELS: Record<SkipReason, string> = {
  ignored: 'ignored by pattern',
  uncommentable: 'cannot carry a header (license texts, lock files, JSON, ...)',
  'configured-skip': 'mapped to skip in the config',
  binary: 'binary',
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

export function renderSummary(result: ScanResult, context: SummaryContext, maxRows = 50): string {
  const { counts, failed, fixed, unknown } = tally(result.files);
  const { settings } = context;
  const verdict = counts.failed > 0 ? `❌ ${counts.failed} file(s) fail` : '✅ all checked files pass';
  const lines: string[] = [`## SPDX headers: ${verdict}`, ''];
  lines.push(
    `Scope \`${settings.scope}\` (${escapeCell(context.scopeReason)}); year rule \`${settings.yearRule}\`` +
      ` (head commit year ${context.headYear}); ${(context.elapsedMs / 1000).toFixed(2)} s.`,
    '',
  );
  const rows: (string | number)[][] = [
    ['passed', counts.passed],
    ['fixed', counts.fixed],
    ['failed', counts.failed],
  ];
  for (const [reason, count] of Object.entries(counts.skippedBy)) {
    rows.push([`skipped: ${SKIP_LABELS[reason as SkipReason]}`, count as number]);
  }
  lines.push(table(['Outcome', 'Files'], rows));
  for (const note of result.notes) lines.push(`> ${note}`, '');

  if (failed.length > 0) {
    lines.push(`### Failures (first ${Math.min(maxRows, failed.length)} of ${failed.length})`, '');
    lines.push(
      table(
        ['File', 'Line', 'Problem'],
        failed.map((file) => [code(file.path), (file.findings[0] as Finding).line, describe(file.findings)]),
        { maxRows, rawColumns: [0] },
      ),
    );
    const example = failed.find((file) => file.expectedHeader);
    if (example?.expectedHeader) {
      lines.push(`Expected header (for ${code(example.path)}):`, '', codeBlock(example.expectedHeader.join('\n')));
    }
    if (!settings.fix && failed.some((file) => canFix(file.findings))) {
      lines.push('Missing headers and stale years can be repaired with `fix: true`.', '');
    }
  }
  if (fixed.length > 0) {
    lines.push(`### Fixed (${fixed.length})`, '');
    lines.push(
      table(
        ['File', 'Repaired'],
        fixed.map((file) => [code(file.path), file.fixed.map((finding) => FINDING_TITLES[finding.kind]).join(', ')]),
        { maxRows, rawColumns: [0] },
      ),
    );
  }
  if (unknown.length > 0 && settings.unknownTypes !== 'ignore') {
    lines.push(`### Unknown file types (${unknown.length})`, '');
    lines.push(
      table(
        ['File'],
        unknown.map((file) => [code(file.path)]),
        { maxRows: 20, rawColumns: [0] },
      ),
    );
  }
  return limitSummary(`${lines.join('\n')}\n`);
}

export function stepOutputs(result: ScanResult): Record<string, string | number> {
  const { counts, failed, fixed, unknown } = tally(result.files);
  const paths = (files: readonly FileResult[]) => JSON.stringify(files.map((file) => file.path));
  return {
    checked: counts.checked,
    passed: counts.passed,
    failed: counts.failed,
    skipped: counts.skipped,
    'failed-files': paths(failed),
    'fixed-files': paths(fixed),
    'unknown-files': paths(unknown),
  };
}

const RULE_IDS: FindingKind[] = Object.keys(FINDING_TITLES) as FindingKind[];

/** SARIF 2.1.0 for code scanning: one rule per finding kind, one result per finding. */
export function renderSarif(result: ScanResult, settings: Settings, version: string): object {
  const results: object[] = [];
  for (const file of result.files) {
    const findings = file.outcome === 'failed' ? file.findings : [];
    const level = file.unknownType && file.outcome !== 'failed' ? 'warning' : 'error';
    const list: readonly Finding[] =
      file.unknownType && file.outcome !== 'failed' && settings.unknownTypes === 'warn'
        ? [{ kind: 'unknown-type', line: 1, message: UNKNOWN_WARNING }]
        : findings;
    for (const finding of list) {
      const expected = file.expectedHeader ? ` Expected header:\n${file.expectedHeader.join('\n')}` : '';
      results.push({
        ruleId: finding.kind,
        ruleIndex: RULE_IDS.indexOf(finding.kind),
        level,
        message: { text: `${finding.message}.${expected}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: {
                uri: encodeURI(file.path).replace(/[?#]/g, encodeURIComponent),
                uriBaseId: '%SRCROOT%',
              },
              region: { startLine: finding.line },
            },
          },
        ],
      });
    }
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'spdx-check',
            informationUri: 'https://github.com/ai-dynamo/dynamo-ci-actions/tree/main/actions/spdx-check',
            version,
            rules: RULE_IDS.map((id) => ({
              id,
              name: id,
              shortDescription: { text: FINDING_TITLES[id] },
              defaultConfiguration: { level: id === 'unknown-type' ? 'warning' : 'error' },
            })),
          },
        },
        results,
      },
    ],
  };
}

/** The JSON report: settings, counts and every file with its outcome. */
export function renderJson(result: ScanResult, context: SummaryContext): object {
  const { settings } = context;
  return {
    schema: 'dynamo-ci/spdx-check@1',
    scope: settings.scope,
    scopeReason: context.scopeReason,
    yearRule: settings.yearRule,
    headYear: result.headYear,
    holder: settings.holder,
    licenses: settings.licenses,
    counts: countResults(result.files),
    notes: result.notes,
    files: result.files.map((file) => ({
      path: file.path,
      outcome: file.outcome,
      ...(file.type ? { type: file.type } : {}),
      ...(file.skipReason ? { skipReason: file.skipReason } : {}),
      ...(file.findings.length > 0 ? { findings: file.findings } : {}),
      ...(file.fixed.length > 0 ? { fixed: file.fixed } : {}),
      ...(file.outcome === 'failed' && file.expectedHeader ? { expectedHeader: file.expectedHeader } : {}),
    })),
  };
}

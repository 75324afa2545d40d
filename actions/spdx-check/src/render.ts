/**
 * Pure renderers of a scan result for machines: the step outputs, SARIF 2.1.0 and the JSON report
 * (annotate.ts and summary.ts render it for people).
 */
import { UNKNOWN_WARNING } from './annotate.js';
import { FINDING_TITLES, type Finding, type FindingKind } from './check.js';
import type { Settings } from './inputs.js';
import type { FileResult, ScanResult } from './scan.js';
import type { SummaryContext } from './summary.js';
import { countResults, tally } from './tally.js';

export function stepOutputs(result: ScanResult): Record<string, string | number> {
  const { counts, failed, rewritten, unknown } = tally(result.files);
  const paths = (files: readonly FileResult[]) => JSON.stringify(files.map((file) => file.path));
  return {
    checked: counts.checked,
    passed: counts.passed,
    failed: counts.failed,
    skipped: counts.skipped,
    'failed-files': paths(failed),
    'fixed-files': paths(rewritten),
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
    holder: settings.holders[0],
    holders: settings.holders,
    licenses: settings.licenses,
    licensesSeen: Object.fromEntries(result.licenses),
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

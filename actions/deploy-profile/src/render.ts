/** Pure: the job summary for a deployment, its failure, and its cleanup. */
import { code, codeBlock, details, escapeCell, limitSummary, table } from '@dynamo-ci/core';
import type { CleanupReport } from './cleanup.js';
import type { DeployProgress } from './deploy.js';
import type { OverrideReport } from './profile.js';

export interface SummaryInput {
  profile: string;
  namespace: string;
  name: string;
  server: string;
  progress: DeployProgress;
  overrides: OverrideReport;
  model: string | undefined;
  failure?: string;
  logsDir?: string;
  diagnosticsTail?: string;
}

const PHASES: Record<DeployProgress['phase'], string> = {
  namespace: 'creating the namespace',
  apply: 'applying the profile',
  wait: 'waiting for Ready',
  smoke: 'the smoke request',
  done: 'done',
};

export function renderSummary(input: SummaryInput): string {
  const ok = input.failure === undefined;
  const smoke = input.progress.smoke;
  const rows: (string | number)[][] = [
    ['Profile', code(input.profile)],
    ['Deployment', code(`${input.namespace}/${input.name}`)],
    ['Cluster', code(input.server)],
    ['Model', input.model ? code(input.model) : '—'],
    ['Ready after', input.progress.readySeconds !== undefined ? `${input.progress.readySeconds}s` : '—'],
    ['Smoke request', smoke ? `answered in ${smoke.latencyMs} ms after ${smoke.attempts} readiness probe(s)` : '—'],
  ];
  const parts = [
    `### ${ok ? '✅' : '❌'} deploy-profile: ${escapeCell(input.profile)} ${ok ? 'deployed and answered' : `failed during ${PHASES[input.progress.phase]}`}\n`,
    table(['', ''], rows, { rawColumns: [1] }),
  ];
  if (input.failure) parts.push(`\n**Why:** ${escapeCell(input.failure)}\n`);
  if (input.overrides.changes.length > 0)
    parts.push(details('Overrides applied', codeBlock(input.overrides.changes.join('\n'))));
  if (smoke) parts.push(details('Smoke response', codeBlock(smoke.content)));
  if (input.diagnosticsTail) {
    parts.push(
      `\nDiagnostics were written to ${code(input.logsDir ?? '')} (upload it with actions/upload-artifact).\n`,
    );
    parts.push(details('Events, pod states and log tails', codeBlock(input.diagnosticsTail)));
  }
  return limitSummary(parts.join('\n'), 512 * 1024);
}

export function renderCleanup(namespace: string | undefined, name: string | undefined, report: CleanupReport): string {
  if (report.skipped) return `### deploy-profile cleanup\n\nSkipped: ${escapeCell(report.skipped)}\n`;
  const rows = [
    ['DynamoGraphDeployment', name ? `${name}: ${report.deletedGraph ? 'deleted' : 'already gone'}` : '—'],
    ['Pods', report.podsGone ? 'gone' : 'not confirmed gone'],
    ...(report.deletedObjects.length > 0 ? [['Other objects', report.deletedObjects.join(', ')]] : []),
    ['Namespace', `${namespace}: ${report.deletedNamespace ? 'deletion requested' : 'kept'}`],
  ];
  const warnings =
    report.warnings.length > 0
      ? `\n${report.warnings.map((warning) => `- ⚠️ ${escapeCell(warning)}`).join('\n')}\n`
      : '';
  return `### deploy-profile cleanup\n\n${table(['', ''], rows)}${warnings}`;
}

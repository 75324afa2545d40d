/** Pure: the job summary of an installation. */
import { code, codeBlock, details, escapeCell, limitSummary, table } from '@dynamo-ci/core';
import { describeRef } from '@dynamo-ci/kube/manifests';
import type { InstallPlan, InstallProgress } from './install.js';

const PHASES: Record<InstallProgress['phase'], string> = {
  namespace: 'creating the namespace',
  crds: 'installing the CRDs',
  apply: 'applying the manifests',
  wait: 'waiting for the operator',
  done: 'done',
};

export interface SummaryInput {
  source: string;
  server: string;
  image: string | undefined;
  plan: InstallPlan;
  progress: InstallProgress;
  failure?: string;
}

export function renderSummary(input: SummaryInput): string {
  const ok = input.failure === undefined;
  const { plan, progress } = input;
  const rows = [
    ['Source', code(input.source)],
    ['Namespace', `${code(plan.namespace)}${progress.createdNamespace === false ? ' (existing)' : ''}`],
    ['Cluster', code(input.server)],
    ['Operator image', input.image ? code(input.image) : 'as in the manifests'],
    [
      'CRDs',
      [
        ...progress.crdsApplied.map((name) => `${code(name)} applied`),
        ...progress.crdsKept.map((name) => `${code(name)} kept`),
      ].join(', ') || '—',
    ],
    ['Objects applied', `${progress.applied.length} of ${plan.objects.length}`],
    ['Ready after', progress.readySeconds !== undefined ? `${progress.readySeconds}s` : '—'],
  ];
  const parts = [
    `### ${ok ? '✅' : '❌'} deploy-operator: ${ok ? 'the operator is ready' : `failed while ${PHASES[progress.phase]}`}\n`,
    table(['', ''], rows, { rawColumns: [1] }),
  ];
  if (input.failure) parts.push(`\n**Why:** ${escapeCell(input.failure)}\n`);
  if (plan.imageChanges.length > 0) parts.push(details('Images replaced', codeBlock(plan.imageChanges.join('\n'))));
  parts.push(
    details(
      'Objects',
      codeBlock(plan.objects.map((object) => describeRef({ ...object, ...object.metadata })).join('\n')),
    ),
  );
  if (plan.skipped.length > 0) parts.push(`\nLeft out: ${plan.skipped.map((item) => escapeCell(item)).join(', ')}\n`);
  return limitSummary(parts.join('\n'), 256 * 1024);
}

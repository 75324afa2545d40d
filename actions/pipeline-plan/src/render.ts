/** Pure: a plan -> the job summary. */
import { code, table } from '@dynamo-ci/core';
import type { Plan } from './plan.js';

export function renderSummary(plan: Plan, changes: string[]): string {
  const rows = plan.decisions.map((decision) => {
    const builds = [...plan.builds, ...plan.frontendBuilds].filter((leg) => leg.framework === decision.unit);
    return [
      decision.unit,
      decision.selected ? 'build' : 'skip',
      decision.reason,
      builds.map((leg) => leg.id).join(', ') || '-',
      String(plan.tests.filter((leg) => leg.framework === decision.unit).length),
      String(plan.deploys.filter((leg) => leg.framework === decision.unit).length),
    ];
  });
  return [
    '## Pipeline plan',
    '',
    `Changed filter groups: ${changes.length > 0 ? changes.map(code).join(', ') : 'none'}`,
    '',
    table(['Unit', 'Decision', 'Why', 'Images', 'Test legs', 'Deployments'], rows),
    '',
    `${plan.builds.length + plan.frontendBuilds.length} image(s), ${plan.tests.length} test leg(s), ${plan.deploys.length} deployment(s)${plan.deploys.length > 0 ? ` (${[...new Set(plan.deploys.map((leg) => leg.tier))].join(' and ')} tier)` : ''}.`,
    '',
  ].join('\n');
}

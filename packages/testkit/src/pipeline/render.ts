/**
 * A local pipeline run printed the way a CI run page shows it: each workflow run with why the
 * event started it, its jobs (matrix legs and reusable-workflow jobs by their reported names),
 * whether each ran and why, what our actions decided, and at the end the images, the test
 * selection, the deployments, the Slack payload and the required checks. ANSI colours when
 * `colour` is set.
 */
import type { JobRecord, RunRecord } from '../workflow/types.js';
import { actionStep, type PipelineResult } from './pipeline.js';

export interface Painter {
  bold(text: string): string;
  dim(text: string): string;
  icon(conclusion: string, ran: boolean): string;
}

export function painter(colour: boolean): Painter {
  const paint = (code: number, text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const icons: Record<string, string> = {
    success: paint(32, '✓'),
    failure: paint(31, '✗'),
    cancelled: paint(33, '⊘'),
    skipped: paint(2, '-'),
  };
  return {
    bold: (text) => paint(1, text),
    dim: (text) => paint(2, text),
    icon: (conclusion, ran) =>
      !ran && conclusion !== 'failure' && conclusion !== 'skipped' ? paint(36, '○') : (icons[conclusion] ?? '?'),
  };
}

const parse = <T>(text: string | undefined, fallback: T): T => {
  try {
    return text === undefined ? fallback : (JSON.parse(text) as T);
  } catch {
    return fallback;
  }
};

/** One job (or matrix leg) as a few lines. */
export function renderJob(job: JobRecord, paint: Painter): string {
  const notRun = job.conclusion === 'skipped' || !job.ran;
  const state = job.planned
    ? 'planned'
    : !job.ran && job.conclusion === 'skipped' && job.runsOn.length > 0
      ? 'not run'
      : job.conclusion;
  const lines = [
    ` ${paint.icon(job.conclusion, job.ran || job.conclusion === 'skipped')} ${job.name.padEnd(60)} ${state}`,
  ];
  const detail = (text: string) => lines.push(`     ${text}`);
  detail(paint.dim(job.reason));
  for (const note of job.notes) detail(paint.dim(`simulated: ${note}`));
  if (notRun && !job.planned) return lines.join('\n');
  const changes = actionStep(job, 'changed-files')?.outputs;
  if (changes?.changes) {
    detail(`changed-files: ${paint.dim(changes.reason ?? '')}`);
    detail(`  changed groups: ${parse<string[]>(changes.changes, []).join(', ') || 'none'}`);
  }
  const plan = actionStep(job, 'pipeline-plan')?.outputs;
  if (plan?.decisions) {
    for (const decision of parse<{ unit: string; selected: boolean; reason: string }[]>(plan.decisions, [])) {
      detail(
        `  ${decision.selected ? 'build' : paint.dim('skip ')} ${decision.unit.padEnd(9)} ${paint.dim(decision.reason)}`,
      );
    }
    const count = (name: string) => parse<{ include?: unknown[] }>(plan[name], {}).include?.length ?? 0;
    detail(
      `  plan: ${count('build-matrix')} image(s), ${count('test-matrix')} test leg(s), ${count('deploy-matrix')} deployment(s)`,
    );
  }
  const spdx = actionStep(job, 'spdx-check')?.outputs;
  if (spdx?.checked) detail(`spdx-check: ${spdx.checked} checked, ${spdx.passed} passed, ${spdx.failed} failed`);
  const tests = actionStep(job, 'run-gpu-tests');
  if (tests?.result) {
    const out = tests.outputs;
    detail(
      `pytest -m "${out['marker-expression'] ?? ''}": ${out.total ?? 0} selected, ${out.passed ?? 0} passed, ${out.failed ?? 0} failed, ${out.flaky ?? 0} flaky`,
    );
  }
  const deploy = actionStep(job, 'deploy-profile');
  if (deploy?.result) {
    detail(`namespace ${deploy.outputs.namespace ?? '?'}; cleanup (post step) exit ${deploy.post?.exitCode ?? '-'}`);
  }
  const report = parse<{ jobs?: { name: string; verdict: string; result: string; reason: string }[] }>(
    actionStep(job, 'status-aggregate')?.outputs.report,
    {},
  );
  for (const entry of report.jobs ?? []) {
    detail(
      `  ${paint.icon(entry.verdict === 'pass' ? 'success' : 'failure', true)} ${entry.name.padEnd(40)} ${paint.dim(`${entry.result}: ${entry.reason}`)}`,
    );
  }
  for (const step of job.steps) {
    if (step.conclusion === 'failure' || (step.outcome === 'failure' && step.conclusion === 'success')) {
      detail(`step '${step.name}' ${step.outcome}${step.reason ? `: ${step.reason}` : ''}`);
    }
    for (const annotation of step.result?.annotations ?? []) {
      if (annotation.level === 'warning') continue;
      const where = annotation.file ? `${annotation.file}: ` : '';
      detail(`${annotation.level}: ${where}${annotation.message.split('\n')[0]}`);
    }
  }
  return lines.join('\n');
}

/** A run: its workflow, why the event started it, its jobs. */
export function renderRun(run: RunRecord, paint: Painter): string {
  const header = paint.bold(`── ${run.name} (${run.workflow}, run ${run.id}) ${run.conclusion}`);
  return [`\n${header}\n   ${paint.dim(run.reason)}`, ...run.jobs.map((job) => renderJob(job, paint))].join('\n');
}

export function renderHeader(result: PipelineResult, description: string, paint: Painter): string {
  const { tools } = result;
  const mark = (value: boolean) => (value ? 'yes' : 'no');
  return [
    paint.bold(description),
    `base ${result.base.slice(0, 7)} -> head ${result.head.slice(0, 7)}`,
    `this machine: buildah ${mark(tools.buildah)}, docker-registry ${mark(tools.registry)}, pytest ${mark(tools.pytest)}, pre-commit ${mark(tools.preCommit)}, GPU ${mark(tools.gpu)}`,
    result.realBuild
      ? 'images are really built (buildah) and pushed to a local registry'
      : 'builds are planned only (install buildah and docker-registry to build for real)',
    `test legs run in ${result.testsIn}`,
    tools.gpu ? '' : 'jobs on GPU runners are shown, not run (no GPU here)',
    `not started: ${result.notStarted.map((entry) => `${entry.workflow} (${entry.reason})`).join('; ') || 'none'}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * What a reviewer wants at the end: the images, the test selection, deployments, the run report's
 * summary and first failures, Slack, the gates.
 */
export function renderDigest(result: PipelineResult, paint: Painter): string {
  const lines = [paint.bold('Images')];
  const builds = result.jobs.filter((job) => actionStep(job, 'build-container'));
  if (builds.length === 0) lines.push('  none: no image needed building');
  for (const job of builds) {
    const step = actionStep(job, 'build-container');
    const image = step?.outputs.image ?? `${step?.inputs['image-name']}:${step?.inputs['tag-prefix']}-…`;
    lines.push(
      `  ${paint.icon(job.conclusion, job.ran)} ${image}${job.planned ? paint.dim(` (planned: ${job.matrix?.name ?? job.name})`) : ''}`,
    );
  }
  const selections = new Map<string, string[]>();
  for (const job of result.jobs.filter(
    (candidate) => candidate.id === 'test' || actionStep(candidate, 'run-gpu-tests'),
  )) {
    const step = actionStep(job, 'run-gpu-tests');
    const key = step?.result ? `-m "${step.outputs['marker-expression']}"` : job.reason;
    selections.set(key, [...(selections.get(key) ?? []), String(job.matrix?.name ?? job.name)]);
  }
  lines.push(paint.bold('Test selection'));
  if (selections.size === 0) lines.push('  none');
  for (const [expression, legs] of selections) lines.push(`  ${expression}`, paint.dim(`      ${legs.join('; ')}`));
  const deploys = result.jobs.filter((job) => actionStep(job, 'deploy-profile')?.result);
  if (deploys.length > 0) {
    lines.push(paint.bold('Deployments'));
    for (const job of deploys) {
      const step = actionStep(job, 'deploy-profile');
      lines.push(
        `  ${paint.icon(job.conclusion, true)} ${job.name} -> ${step?.outputs.namespace ?? '?'} (cleanup exit ${step?.post?.exitCode ?? '-'})`,
      );
    }
  }
  const reports = result.jobs.filter((job) => actionStep(job, 'pipeline-report')?.result);
  if (reports.length > 0) {
    lines.push(paint.bold('Run report'));
    for (const job of reports) {
      const outputs = actionStep(job, 'pipeline-report')?.outputs ?? {};
      lines.push(`  ${paint.icon(job.conclusion, true)} ${job.name}: ${outputs.summary ?? 'no summary'}`);
      const failures = (JSON.parse(outputs.report ?? '{}') as { failures?: { leg: string; test: string }[] }).failures;
      for (const failure of (failures ?? []).slice(0, 5))
        lines.push(paint.dim(`      ${failure.test} (${failure.leg})`));
    }
  }
  lines.push(paint.bold('Slack'));
  const notifications = result.jobs.filter((job) => actionStep(job, 'slack-notify')?.result);
  if (notifications.length === 0) lines.push('  no notify-slack job ran');
  for (const job of notifications) {
    const outputs = actionStep(job, 'slack-notify')?.outputs ?? {};
    const payload = outputs.payload
      ? `: ${paint.dim(outputs.payload.slice(0, 600))}`
      : ' (nothing to send for this result)';
    lines.push(`  ${job.name}: sent ${outputs.sent ?? 'false'}${payload}`);
  }
  const verdicts = Object.entries(result.gates).map(([gate, conclusion]) => `${paint.icon(conclusion, true)} ${gate}`);
  lines.push(`${paint.bold('Required checks:')} ${verdicts.join('   ')}`);
  return lines.join('\n');
}

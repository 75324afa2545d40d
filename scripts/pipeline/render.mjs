// Prints a pipeline run the way a CI run page shows it: workflows, jobs (with matrix legs), whether
// each ran and why, the key outputs, and the gate verdicts. Plain text with ANSI colours when the
// output is a terminal.
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = (text) => paint(1, text);
const dim = (text) => paint(2, text);

const ICON = {
  success: paint(32, '✓'),
  failure: paint(31, '✗'),
  cancelled: paint(33, '⊘'),
  skipped: dim('-'),
  'not-run': paint(36, '○'),
};

const short = (sha) => (sha ? sha.slice(0, 7) : '');
const list = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return [];
  }
};

/** One finished job (or matrix leg) as a few lines. */
export function renderJob(job) {
  const lines = [];
  const title = job.apiName.padEnd(58);
  const status = job.status === 'not-run' ? 'not run' : job.status;
  const why = job.why ? dim(`(${job.why})`) : '';
  lines.push(` ${ICON[job.status] ?? '?'} ${title} ${job.status === 'success' ? why : `${status} ${why}`}`.trimEnd());
  const detail = (text) => lines.push(`     ${text}`);
  const outputs = job.step?.outputs ?? {};
  if (job.changes) {
    detail(`changed-files: ${dim(job.changes.reason ?? '')}`);
    detail(
      `  changed groups: ${list(job.changes.changes).join(', ') || 'none'}; files: ${list(job.changes.files).join(', ')}`,
    );
  }
  if (job.plan) {
    for (const decision of job.plan.decisions) {
      detail(
        `  ${decision.selected ? paint(32, 'build') : dim('skip ')} ${decision.unit.padEnd(9)} ${dim(decision.reason)}`,
      );
    }
    detail(
      `  plan: ${job.plan.builds.length} image(s), ${job.plan.tests.length} test leg(s), ${job.plan.deploys.length} deployment(s)`,
    );
  }
  if (job.action === 'spdx-check') {
    detail(
      `spdx-check: ${outputs.checked ?? '?'} checked, ${outputs.passed ?? '?'} passed, ${outputs.failed ?? '?'} failed, ${outputs.skipped ?? '?'} skipped`,
    );
  }
  if (job.id === 'build' && job.leg) {
    detail(
      `${job.status === 'not-run' ? 'would build and push' : 'pushed'} ${job.image}${job.digest ? dim(` @ ${job.digest.slice(0, 19)}…`) : ''}`,
    );
    if (job.tags?.length > 1) detail(dim(`tags: ${job.tags.join(', ')}`));
  }
  if (job.id === 'test') {
    if (outputs['marker-expression']) detail(`pytest -m "${outputs['marker-expression']}"`);
    if (job.step) {
      detail(
        `${outputs.total ?? 0} selected: ${outputs.passed ?? 0} passed, ${outputs.failed ?? 0} failed, ${outputs.skipped ?? 0} skipped, ${outputs.flaky ?? 0} flaky`,
      );
    }
  }
  if (job.action === 'deploy-profile') {
    detail(
      `namespace ${job.step?.outputs.namespace ?? '?'}, deployment ${job.step?.outputs['deployment-name'] ?? '?'}`,
    );
    detail(
      `cleanup (post step): exit ${job.post?.exitCode}${job.post?.warnings?.length ? `, ${job.post.warnings.length} warning(s)` : ''}`,
    );
  }
  if (job.report?.jobs) {
    for (const entry of job.report.jobs) {
      detail(
        `  ${entry.verdict === 'pass' ? ICON.success : ICON.failure} ${String(entry.name).padEnd(40)} ${dim(`${entry.result}: ${entry.reason}`)}`,
      );
    }
  }
  if (job.action === 'slack-notify') {
    detail(`${job.sent === 'true' ? 'sent' : 'not sent'}; ${dim(job.reason)}`);
    if (job.payload) detail(dim(JSON.stringify(job.payload).slice(0, 400)));
  }
  if (job.status !== 'success' || job.id === 'build' || job.id === 'test') {
    if (job.status === 'not-run' || job.status === 'skipped') detail(dim(job.reason));
  }
  for (const error of job.step?.errors ?? [])
    detail(paint(31, `error: ${error.file ? `${error.file}: ` : ''}${error.message.split('\n')[0]}`));
  return lines.join('\n');
}

export function renderHeader(result, description) {
  const tools = result.tools;
  const mark = (value) => (value ? paint(32, 'yes') : paint(33, 'no'));
  return [
    bold(description),
    `base ${short(result.base)} -> head ${short(result.head)}`,
    `this machine: buildah ${mark(tools.buildah)}, docker-registry ${mark(tools.registry)}, pytest ${mark(tools.pytest)}, GPU ${mark(tools.gpu)}`,
    tools.build
      ? 'images are really built (buildah, vfs) and pushed to a local registry'
      : paint(33, 'builds are planned only (install buildah and docker-registry to build for real)'),
    tools.gpu ? '' : 'GPU test legs are selected and shown, not run (no GPU here)',
  ]
    .filter(Boolean)
    .join('\n');
}

/** What a reviewer wants at the end: the images, the test selection, the deployments. */
export function renderDigest(result) {
  const lines = [bold('Images')];
  const builds = result.jobs.filter((job) => job.id === 'build' && job.leg);
  if (builds.length === 0) lines.push('  none: no unit needed building');
  for (const job of builds) {
    lines.push(`  ${ICON[job.status]} ${job.image}${job.status === 'not-run' ? dim(' (planned)') : ''}`);
  }
  const tests = result.jobs.filter((job) => job.id === 'test' && job.leg);
  const selections = new Map();
  for (const job of tests) {
    const key = job.step ? `-m "${job.step.outputs['marker-expression']}"` : `not run here: ${job.reason}`;
    selections.set(key, [...(selections.get(key) ?? []), job.leg]);
  }
  lines.push(bold('Test selection'));
  if (selections.size === 0) lines.push('  none');
  for (const [expression, legs] of selections) {
    lines.push(`  ${expression}`);
    lines.push(dim(`      ${legs.join('; ')}`));
  }
  const deploys = result.jobs.filter((job) => job.id === 'deploy-test');
  if (deploys.length > 0) {
    lines.push(bold('Deployments'));
    for (const job of deploys)
      lines.push(`  ${ICON[job.status]} ${job.leg} -> ${job.step?.outputs.namespace ?? '?'} (cleanup ${job.cleanup})`);
  }
  return lines.join('\n');
}

export function renderGates(result) {
  const verdicts = Object.entries(result.gates).map(([gate, status]) => `${ICON[status]} ${gate}`);
  return `${bold('Required checks:')} ${verdicts.join('   ')}`;
}

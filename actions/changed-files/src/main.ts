/** Wiring: inputs -> change set -> filter matches -> outputs, summary, annotations. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createChangeSetApi, env, Git, type Runner, readContext, runAction } from '@dynamo-ci/core';
import { type Detection, detect } from './detect.js';
import { adoptEarlyDiff, type EarlyDiff, stopEarlyDiff } from './fast-path.js';
import { parseInputs } from './inputs.js';
import { renderSummary, uncoveredMessage } from './render.js';

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(early?: EarlyDiff): Promise<void> {
  try {
    await runAction({ main: (runner) => detectChanges(runner, early) });
  } finally {
    // Not adopted (bad inputs, another working directory).
    stopEarlyDiff(early);
  }
}

/** `early`: the diff `index.ts` started before this module loaded (see fast-path.ts). */
async function detectChanges(runner: Runner, early?: EarlyDiff): Promise<void> {
  const token = runner.input('token')?.trim();
  if (token) runner.mask(token);
  const inputs = parseInputs((name) => runner.input(name));
  const context = readContext();
  const cwd = resolve(context.workspace, inputs.workingDirectory);

  const git = new Git(cwd);
  adoptEarlyDiff(git, early);
  const detection = await detect(inputs, {
    git,
    context,
    cwd,
    api: inputs.token ? () => createChangeSetApi(inputs.token as string, context.repo, { log: runner }) : undefined,
    log: runner,
  }).finally(() => git.dispose());

  // Annotations and messages name the filters file relative to the repository (the workspace).
  const filtersFile = detection.config.file
    ? relative(
        context.workspace,
        isAbsolute(detection.config.file) ? detection.config.file : resolve(cwd, detection.config.file),
      )
    : "the inline 'filters' input";
  for (const finding of detection.findings) {
    runner.warning(finding.message, {
      file: detection.config.file ? filtersFile : undefined,
      line: finding.line,
      title: 'changed-files: filter lint',
    });
  }

  // Opt-in: on a 50,000-file diff the report is about 16 MB more to write on every run.
  const reportFile = inputs.writeReport ? writeReport(detection) : '';
  for (const [name, value] of outputs(detection)) runner.setOutput(name, value);
  runner.setOutput('report-file', reportFile);
  logDetection(runner, detection);
  await runner.appendSummary(renderSummary(detection, filtersFile));

  if (detection.uncovered.length > 0 && inputs.uncovered !== 'ignore') {
    const message = uncoveredMessage(detection.uncovered, filtersFile);
    if (inputs.uncovered === 'fail') runner.fail(message);
    else runner.warning(message, { title: 'changed-files: uncovered files' });
  }
}

/** Every output but `report-file`, lists as JSON. */
function outputs(detection: Detection): [string, string | number | boolean][] {
  const entries: [string, string | number | boolean][] = [];
  for (const filter of detection.filters) {
    entries.push(
      [filter.name, filter.changed],
      [`${filter.name}_files`, JSON.stringify(filter.files)],
      [`${filter.name}_count`, filter.count],
    );
  }
  entries.push(
    ['changes', JSON.stringify(changedFilters(detection))],
    ['files', JSON.stringify(detection.paths)],
    ['uncovered', JSON.stringify(detection.uncovered)],
    ['base-sha', detection.changeSet.base ?? ''],
    ['head-sha', detection.changeSet.head ?? ''],
    ['source', detection.changeSet.source],
    ['reason', detection.changeSet.reason],
  );
  return entries;
}

/** A short log: the decision and counts, never every file (unless debug logging is on). */
function logDetection(runner: Runner, detection: Detection): void {
  const { changeSet } = detection;
  runner.info(`${changeSet.reason}`);
  runner.info(
    `Base ${changeSet.base ?? '(none)'}, head ${changeSet.head ?? '(none)'}, source ${changeSet.source}: ` +
      `${detection.paths.length} changed path(s).`,
  );
  for (const filter of detection.filters) {
    runner.info(`  ${filter.name}: ${filter.changed}${detection.everything ? '' : ` (${filter.count})`}`);
  }
  if (runner.isDebug()) {
    for (const path of detection.paths) runner.debug(`changed: ${JSON.stringify(path)}`);
  }
}

/**
 * The whole result as one JSON file under RUNNER_TEMP: for diffs whose lists are too big to pass
 * through `${{ }}` expressions or command lines (both have size limits), read this file instead.
 */
function writeReport(detection: Detection): string {
  const directory = mkdtempSync(join(env('RUNNER_TEMP') ?? tmpdir(), 'changed-files-'));
  const file = join(directory, 'changed-files.json');
  const { changeSet } = detection;
  // Filter names start with a letter or '_': the object keeps them in the file's order.
  const report = {
    base: changeSet.base ?? null,
    head: changeSet.head ?? null,
    source: changeSet.source,
    reason: changeSet.reason,
    changes: changedFilters(detection),
    files: detection.paths,
    uncovered: detection.uncovered,
    filters: Object.fromEntries(
      detection.filters.map((filter) => [filter.name, { changed: filter.changed, files: filter.files }]),
    ),
    changeSet: changeSet.files,
  };
  writeFileSync(file, JSON.stringify(report), { flag: 'wx' });
  return file;
}

function changedFilters(detection: Detection): string[] {
  return detection.filters.filter((filter) => filter.changed).map((filter) => filter.name);
}

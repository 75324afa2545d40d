/** Wiring: inputs -> change set -> filter matches -> outputs, summary, annotations. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { createChangeSetApi, env, Git, type Runner, readContext, runAction } from '@dynamo-ci/core';
import { type Detection, detect } from './detect.js';
import { spawnGit } from './git-process.js';
import { parseInputs } from './inputs.js';
import { renderSummary, uncoveredMessage } from './render.js';

export async function main(): Promise<void> {
  await runAction({ main: run });
}

export async function run(runner: Runner): Promise<void> {
  const token = runner.input('token')?.trim();
  if (token) runner.mask(token);
  const inputs = parseInputs((name) => runner.input(name));
  const context = readContext();
  const cwd = resolve(context.workspace, inputs.workingDirectory);

  const detection = await detect(inputs, {
    git: new Git(cwd, spawnGit(cwd)),
    context,
    cwd,
    api: inputs.token
      ? () => createChangeSetApi(inputs.token as string, context.repo, { log: (line) => runner.info(line) })
      : undefined,
    log: (line) => runner.info(line),
  });

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

  const lists = serialize(detection);
  setOutputs(runner, detection, lists);
  runner.setOutput('report-file', writeReport(detection, lists));
  logDetection(runner, detection);
  await runner.appendSummary(renderSummary(detection, filtersFile));

  if (detection.uncovered.length > 0 && inputs.uncovered !== 'ignore') {
    const message = uncoveredMessage(detection.uncovered, filtersFile);
    if (inputs.uncovered === 'fail') runner.fail(message);
    else runner.warning(message, { title: 'changed-files: uncovered files' });
  }
}

/** Each list serialized once, shared by the outputs and the report file. */
interface SerializedLists {
  filterFiles: string[];
  changes: string;
  files: string;
  uncovered: string;
}

function serialize(detection: Detection): SerializedLists {
  return {
    filterFiles: detection.filters.map((filter) => JSON.stringify(filter.files)),
    changes: JSON.stringify(detection.filters.filter((filter) => filter.changed).map((filter) => filter.name)),
    files: JSON.stringify(detection.paths),
    uncovered: JSON.stringify(detection.uncovered),
  };
}

function setOutputs(runner: Runner, detection: Detection, lists: SerializedLists): void {
  detection.filters.forEach((filter, index) => {
    runner.setOutput(filter.name, filter.changed);
    runner.setOutput(`${filter.name}_files`, lists.filterFiles[index] as string);
    runner.setOutput(`${filter.name}_count`, filter.files.length);
  });
  runner.setOutput('changes', lists.changes);
  runner.setOutput('files', lists.files);
  runner.setOutput('uncovered', lists.uncovered);
  runner.setOutput('base-sha', detection.changeSet.base ?? '');
  runner.setOutput('head-sha', detection.changeSet.head ?? '');
  runner.setOutput('source', detection.changeSet.source);
  runner.setOutput('reason', detection.changeSet.reason);
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
    runner.info(`  ${filter.name}: ${filter.changed}${detection.everything ? '' : ` (${filter.files.length})`}`);
  }
  if (runner.isDebug()) {
    for (const path of detection.paths) runner.debug(`changed: ${JSON.stringify(path)}`);
  }
}

/**
 * The whole result as one JSON file under RUNNER_TEMP: for diffs whose lists are too big to pass
 * through `${{ }}` expressions or command lines (both have size limits), read this file instead.
 */
function writeReport(detection: Detection, lists: SerializedLists): string {
  const directory = mkdtempSync(join(env('RUNNER_TEMP') ?? tmpdir(), 'changed-files-'));
  const file = join(directory, 'changed-files.json');
  const { changeSet } = detection;
  const filters = detection.filters
    .map(
      (filter, index) =>
        `${JSON.stringify(filter.name)}:{"changed":${filter.changed},"files":${lists.filterFiles[index]}}`,
    )
    .join(',');
  const head = JSON.stringify({
    base: changeSet.base ?? null,
    head: changeSet.head ?? null,
    source: changeSet.source,
    reason: changeSet.reason,
  }).slice(0, -1);
  writeFileSync(
    file,
    `${head},"changes":${lists.changes},"files":${lists.files},"uncovered":${lists.uncovered},` +
      `"filters":{${filters}},"changeSet":${JSON.stringify(changeSet.files)}}`,
  );
  return file;
}

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { runAction } from '@dynamo-ci/core/action';
import { ConfigError, InputError } from '@dynamo-ci/core/errors';
import { Git } from '@dynamo-ci/core/git';
import { readContext } from '@dynamo-ci/core/github';
import type { Runner } from '@dynamo-ci/core/runner';
import { advise, count } from './advice.js';
import { chooseAnnotations } from './annotate.js';
import { type ConfigFile, parseConfig, parseInputs, resolveSettings } from './inputs.js';
import { createPorts } from './ports.js';
import { renderJson, renderSarif, stepOutputs } from './render.js';
import { runScan } from './scan.js';
import { logPath, renderLog, renderSummary } from './summary.js';
import { tally } from './tally.js';

const VERSION = '1.0.0';
/** Fixed files named in the log; the rest are in the fixed-files output and the summary. */
const LOGGED_FIXES = 50;

/** One git process answers "is this a repository", its top level and where cwd sits in it. */
const LOCATION_ARGS: readonly string[] = ['rev-parse', '--show-toplevel', '--show-prefix'];

/** Run the action (the bundle's entry point calls this, and so does `@github/local-action`). */
export async function run(): Promise<void> {
  await runAction({ main: (runner) => check(runner) });
}

async function check(runner: Runner): Promise<void> {
  const started = Date.now();
  const actionInputs = parseInputs((name) => runner.input(name));
  if (actionInputs.token) runner.mask(actionInputs.token);
  const context = readContext();

  const cwd = resolve(context.workspace, actionInputs.workingDirectory ?? '.');
  if (!existsSync(cwd) || !statSync(cwd).isDirectory()) {
    throw new InputError('working-directory', `Input 'working-directory' must be a folder, got ${JSON.stringify(cwd)}`);
  }
  let config: ConfigFile | undefined;
  if (actionInputs.config) {
    const path = isAbsolute(actionInputs.config) ? actionInputs.config : resolve(cwd, actionInputs.config);
    if (!existsSync(path)) {
      throw new InputError(
        'config',
        `Input 'config' names ${JSON.stringify(actionInputs.config)}, which does not exist`,
      );
    }
    config = await parseConfig(readFileSync(path, 'utf8'), actionInputs.config);
  }
  const settings = await resolveSettings(actionInputs, config, actionInputs.config);

  const git = new Git(cwd);
  let location: string;
  try {
    location = await git.run(LOCATION_ARGS);
  } catch {
    throw new ConfigError(
      `${cwd} is not a git repository: check the repository out first (actions/checkout) or set working-directory.`,
    );
  }
  const [topLevel = cwd, prefix = ''] = location.split('\n');
  const ports = createPorts({
    git,
    topLevel,
    prefix,
    context,
    baseSha: settings.baseSha,
    headSha: settings.headSha,
    token: settings.token,
    log: runner,
  });

  const result = await runScan(settings, ports);
  const { counts, rewritten } = tally(result.files);
  if (!ports.changeSet() && settings.scope === 'all' && counts.failed >= settings.maxAnnotations) {
    // The change decides which failing files are annotated first; the scan did not need it.
    try {
      const changed = await ports.changedFiles();
      if (changed) result.changed = new Set(changed);
    } catch (error) {
      runner.debug(`No change set for choosing annotations: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const changeSet = ports.changeSet();
  const scopeReason =
    settings.scope === 'all' || !changeSet || changeSet.source === 'none' ? 'every tracked file' : changeSet.reason;
  const summaryContext = { settings, scopeReason, headYear: result.headYear, elapsedMs: Date.now() - started };
  const advice = advise(result, settings);
  const chosen = chooseAnnotations(result, settings);

  // One write for the annotations and the log's report.
  runner.batch(() => {
    for (const annotation of chosen.annotations) {
      const properties =
        annotation.file === undefined
          ? undefined
          : { file: annotation.file, line: annotation.line, title: annotation.title };
      if (annotation.level === 'error') runner.error(annotation.message, properties);
      else runner.warning(annotation.message, properties);
    }
    for (const file of rewritten.slice(0, LOGGED_FIXES)) runner.info(`Fixed ${logPath(file.path)}`);
    if (rewritten.length > LOGGED_FIXES) {
      runner.info(
        `... and ${count(rewritten.length - LOGGED_FIXES)} more fixed files (the fixed-files output lists all)`,
      );
    }
    runner.info(
      `SPDX headers: ${counts.checked} checked, ${counts.passed} passed, ${counts.fixed} fixed, ${counts.failed} failed, ` +
        `${counts.skipped} skipped (${summaryContext.elapsedMs} ms)`,
    );
    for (const line of renderLog(advice)) runner.info(line);
  });

  for (const [name, value] of Object.entries(stepOutputs(result))) runner.setOutput(name, value);
  if (settings.sarifFile)
    writeReport(resolve(context.workspace, settings.sarifFile), renderSarif(result, settings, VERSION));
  if (settings.jsonFile) writeReport(resolve(context.workspace, settings.jsonFile), renderJson(result, summaryContext));
  await runner.appendSummary(renderSummary(result, summaryContext, advice));

  if (counts.failed > 0) {
    const reports = ['the job summary', settings.sarifFile && 'the SARIF file', settings.jsonFile && 'the JSON report']
      .filter(Boolean)
      .join(', ');
    const shown =
      chosen.shownErrors === counts.failed
        ? 'each is annotated'
        : `${count(chosen.shownErrors)} annotated here, every one in ${reports}`;
    const next = advice.next ? ` Next: ${advice.next.text.replace(/`/g, '')}` : '';
    runner.fail(`${count(counts.failed)} file(s) fail the SPDX header check (${shown}).${next}`);
  }
}

function writeReport(path: string, report: object): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}

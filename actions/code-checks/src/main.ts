/** Wiring: runner -> inputs -> checks -> outputs, annotations, summary. */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancellable, env, exec, type Runner, readContext, runAction, spawnProcess } from '@dynamo-ci/core';
import { parseInputs } from './inputs.js';
import { annotations, failureMessage, renderSummary } from './render.js';
import { runChecks } from './run.js';

export async function run(): Promise<void> {
  await runAction({ main: checks });
}

async function checks(runner: Runner): Promise<void> {
  const context = readContext();
  const workspace = context.workspace;
  const temp = env('RUNNER_TEMP') ?? tmpdir();
  const inputs = parseInputs((name) => runner.input(name), { temp });
  for (const [name, value] of inputs.env) {
    if (/TOKEN|SECRET|PASSWORD|KEY/i.test(name)) runner.mask(value);
  }

  const inWorkspace = (relative: string) => join(workspace, relative);
  // Cancelled, the tool is stopped and the run still reported.
  const report = await cancellable((signal) =>
    runChecks(
      inputs,
      {
        workspace,
        runId: String(context.runId ?? 'local'),
        runAttempt: String(context.runAttempt),
        job: context.job ?? 'job',
        runnerUser: typeof process.getuid === 'function' ? `${process.getuid()}:${process.getgid?.()}` : undefined,
        hostEnv: toolEnvironment(process.env),
        tempDir: temp,
      },
      {
        spawn: (command, args, options) => spawnProcess(command, args, options),
        exec: (command, args) => exec(command, args),
        exists: (relative) => existsSync(inWorkspace(relative)),
        read: (relative) => {
          try {
            return readFileSync(inWorkspace(relative), 'utf8');
          } catch {
            return undefined;
          }
        },
        writeFile: (path, content) => writeFileSync(path, content),
        appendFile: (path, content) => appendFileSync(path, content),
        makeDir: (path) => mkdirSync(path, { recursive: true }),
        removeDir: (path) => {
          try {
            rmSync(path, { recursive: true, force: true });
          } catch (error) {
            // What a tool left that this user cannot remove is no failure of the checks.
            runner.debug(`Could not remove ${path}: ${(error as Error).message}`);
          }
        },
        section: (title, body) =>
          runner.group(title, async () => {
            // The tool's output goes to toolOutput, so it cannot issue workflow commands (forged
            // annotations, masks, outputs). The lines of one chunk of output go out in one write, not
            // one each (measured with scripts/bench/code-checks.mjs: tens of thousands of lines cost a
            // write each otherwise).
            let pending: string[] = [];
            const flush = () => {
              if (pending.length > 0) runner.toolOutput(pending.join('\n'));
              pending = [];
            };
            try {
              return await body((text) => {
                if (pending.length === 0) setImmediate(flush);
                pending.push(text);
              });
            } finally {
              flush();
            }
          }),
        signal,
        now: () => Date.now(),
      },
    ),
  );

  const failed = report.checks.filter((check) => check.result !== 'success' && check.result !== 'not-run');
  const findings = report.checks.reduce((total, check) => total + check.findings.length, 0);
  runner.setOutput('result', report.result);
  runner.setOutput('failed-checks', JSON.stringify(failed.map((check) => check.name)));
  runner.setOutput('findings', findings);
  runner.setOutput('report', JSON.stringify(report));

  const { annotations: list, omitted } = annotations(report, inputs.maxAnnotations);
  runner.batch(() => {
    for (const annotation of list) {
      const properties = {
        title: annotation.title,
        file: annotation.file,
        line: annotation.line,
        endLine: annotation.endLine,
        column: annotation.column,
      };
      if (annotation.level === 'error') runner.error(annotation.message, properties);
      else runner.warning(annotation.message, properties);
    }
    if (omitted > 0)
      runner.info(
        `${omitted} more finding(s) are in the job summary and the logs (max-annotations: ${inputs.maxAnnotations}).`,
      );
  });
  await runner.appendSummary(renderSummary(report));
  const failure = failureMessage(report);
  if (failure !== undefined) runner.fail(failure);
}

/**
 * The environment the tools inherit: the runner's, minus the action's inputs (which may carry
 * secrets), the runner's own service tokens, which project code has no business reading, and the
 * runner's command files (`GITHUB_ENV`, `GITHUB_OUTPUT`, ...): a build script or a test could
 * otherwise set the job's environment or outputs, which stop-commands keeps them from doing
 * through the log.
 */
export function toolEnvironment(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const kept: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(source)) {
    if (name.startsWith('INPUT_') || name.startsWith('STATE_')) continue;
    if (/^GITHUB_(ENV|OUTPUT|PATH|STATE|STEP_SUMMARY)$/.test(name)) continue;
    if (
      /^ACTIONS_(RUNTIME_TOKEN|RUNTIME_URL|ID_TOKEN_REQUEST_TOKEN|ID_TOKEN_REQUEST_URL|CACHE_URL|RESULTS_URL)$/.test(
        name,
      )
    )
      continue;
    kept[name] = value;
  }
  return kept;
}

/**
 * Runs an action from source under `@github/local-action` (GitHub's local debugger, which stubs
 * `@actions/core` and calls the exported `run()` of `src/main.ts`), the way a user runs it with
 * `npx local-action actions/<name> src/main.ts .env`.
 *
 * Its launcher starts the debugger through `pnpm dlx tsx`, which would fetch tsx from the registry;
 * this starts the same debugger with the tsx it depends on, and with the workspace's pnpm on PATH
 * (the debugger asks `pnpm list` where `@actions/core` is).
 */
import { spawn } from 'node:child_process';
import { realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { repoRoot } from './runner.js';
import { scratchDir } from './scratch.js';

export interface LocalActionResult {
  exitCode: number | null;
  /** Everything the debugger printed (its tables, the action's log, the summary). */
  stdout: string;
  /** The outputs the action set (`::set-output` lines of the stubbed `@actions/core`). */
  outputs: Record<string, string>;
  /** `::error` lines the action wrote (annotations and the failure). */
  errors: string[];
}

/** `env` goes into the `.env` file the debugger reads (`INPUT_*`, `GITHUB_*`); one line per value. */
export async function runLocalAction(
  action: string,
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<LocalActionResult> {
  const debuggerDir = dirname(realpathSync(join(repoRoot, 'node_modules', '@github', 'local-action', 'package.json')));
  const tsx = createRequire(join(debuggerDir, 'package.json')).resolve('tsx/cli');
  const actionDir = join(repoRoot, 'actions', action);
  const envFile = join(scratchDir('local-action-'), '.env');
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([name, value]) => {
        if (/[\n"]/.test(value)) throw new Error(`runLocalAction: ${name} must be one line without '"'`);
        return `${name}="${value}"\n`;
      })
      .join(''),
  );
  const child = spawn(
    process.execPath,
    [tsx, join(debuggerDir, 'src', 'index.ts'), 'run', actionDir, 'src/main.ts', envFile],
    {
      cwd: repoRoot,
      env: {
        PATH: [join(repoRoot, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
        HOME: process.env.HOME ?? tmpdir(),
        TARGET_ACTION_PATH: actionDir,
        NODE_PACKAGE_MANAGER: 'pnpm',
        NODE_NO_WARNINGS: '1',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearTimeout(timer);
  const outputs: Record<string, string> = {};
  for (const match of stdout.matchAll(/^::set-output name=([^:]+)::(.*)$/gm))
    outputs[match[1] as string] = match[2] as string;
  const errors = stdout.split('\n').filter((line) => line.startsWith('::error'));
  return { exitCode, stdout, outputs, errors };
}

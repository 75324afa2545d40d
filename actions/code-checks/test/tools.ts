/**
 * Which real tools this machine has. A test that needs a missing tool is skipped with a one-line
 * reason locally, and fails under DYNAMO_CI_REQUIRE_TOOLS=1 (CI installs them from Debian).
 */
import { execFileSync } from 'node:child_process';

export function hasTool(command: string, args: string[] = ['--version'], input?: string): boolean {
  try {
    execFileSync(command, args, {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'ignore'],
      input,
      timeout: 30_000,
    });
    return true;
  } catch {
    return false;
  }
}

/** Whether every tool is there; throws under DYNAMO_CI_REQUIRE_TOOLS=1 when one is missing. */
export function requireTools(tools: Record<string, boolean>, debianPackages: string): boolean {
  const missing = Object.entries(tools)
    .filter(([, present]) => !present)
    .map(([name]) => name);
  if (missing.length === 0) return true;
  if (process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') {
    throw new Error(`${missing.join(', ')} required (Debian: ${debianPackages})`);
  }
  console.warn(`skipped: ${missing.join(', ')} not installed (Debian: ${debianPackages})`);
  return false;
}

/** Log lines the runner would act on: workflow commands outside ::stop-commands:: blocks. */
export function activeCommands(stdout: string): string[] {
  const active: string[] = [];
  let token: string | undefined;
  for (const line of stdout.split(/\r?\n/)) {
    if (token !== undefined) {
      if (line === `::${token}::`) token = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) token = stop[1];
    else if (line.startsWith('::')) active.push(line);
  }
  return active;
}

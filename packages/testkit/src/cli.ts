/**
 * The local runner: run any action of this repository on a repository of your choice with an
 * event of your choice, and print its outputs, annotations and summary (what `act` gives for a
 * JavaScript action, without Docker).
 *
 *   pnpm local <action> [--repo DIR] [--event NAME] [--payload FILE] [--input name=value]...
 *              [--env NAME=VALUE]... [--sha SHA] [--ref REF] [--api-url URL] [--token TOKEN] [--post]
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, SimulatedJob } from './runner.js';

const USAGE = `Usage: pnpm local <action> [options]

Runs actions/<action>/dist/index.js (run \`pnpm build\` first) the way a GitHub runner would.

Options:
  --repo DIR         the repository to run in (GITHUB_WORKSPACE; default: current folder)
  --event NAME       the event name (default: push)
  --payload FILE     the event payload JSON (default: {})
  --input NAME=VALUE an input; repeat for more (hyphens kept: --input base-sha=abc)
  --env NAME=VALUE   extra environment; repeat for more
  --sha SHA          GITHUB_SHA (default: HEAD of --repo)
  --ref REF          GITHUB_REF (default: refs/heads/main)
  --repository O/R   GITHUB_REPOSITORY (default: ai-dynamo/dynamo)
  --api-url URL      GITHUB_API_URL (default: https://api.github.com)
  --token TOKEN      the value of \${{ github.token }} (default: $GITHUB_TOKEN)
  --post             also run the action's post: phase
  --json             print the result as JSON instead of text
`;

function pairs(values: string[] | undefined, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const value of values ?? []) {
    const separator = value.indexOf('=');
    if (separator <= 0) throw new Error(`${flag} takes NAME=VALUE, got ${JSON.stringify(value)}`);
    result[value.slice(0, separator)] = value.slice(separator + 1);
  }
  return result;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      repo: { type: 'string' },
      event: { type: 'string' },
      payload: { type: 'string' },
      input: { type: 'string', multiple: true },
      env: { type: 'string', multiple: true },
      sha: { type: 'string' },
      ref: { type: 'string' },
      repository: { type: 'string' },
      'api-url': { type: 'string' },
      token: { type: 'string' },
      post: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [action] = positionals;
  if (values.help || !action) {
    process.stdout.write(USAGE);
    return action || values.help ? 0 : 1;
  }
  const actionDir = resolve(repoRoot, 'actions', action);
  if (!existsSync(resolve(actionDir, 'action.yml'))) {
    process.stderr.write(`No action named ${JSON.stringify(action)} in ${resolve(repoRoot, 'actions')}\n`);
    return 1;
  }
  const workspace = resolve(values.repo ?? process.cwd());
  const job = new SimulatedJob({
    workspace,
    eventName: values.event ?? 'push',
    event: values.payload ? JSON.parse(readFileSync(values.payload, 'utf8')) : {},
    sha: values.sha ?? headOf(workspace),
    ref: values.ref,
    repository: values.repository,
    apiUrl: values['api-url'] ?? process.env.GITHUB_API_URL ?? 'https://api.github.com',
    token: values.token ?? process.env.GITHUB_TOKEN ?? '',
    env: pairs(values.env, '--env'),
  });
  try {
    const main = await job.run(actionDir, { inputs: pairs(values.input, '--input'), timeoutMs: 6 * 3600_000 });
    const post = values.post ? await job.post(actionDir, main) : undefined;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ main, post }, null, 2)}\n`);
    } else {
      print('main', main);
      if (post) print('post', post);
    }
    return main.exitCode === 0 && (post?.exitCode ?? 0) === 0 ? 0 : 1;
  } finally {
    job.cleanup();
  }
}

function headOf(dir: string): string | undefined {
  try {
    const gitDir = resolve(dir, '.git');
    if (!existsSync(gitDir)) return undefined;
    const head = readFileSync(resolve(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const refPath = resolve(gitDir, head.slice(5));
    if (existsSync(refPath)) return readFileSync(refPath, 'utf8').trim();
    const packed = readFileSync(resolve(gitDir, 'packed-refs'), 'utf8');
    return packed
      .split('\n')
      .find((line) => line.endsWith(` ${head.slice(5)}`))
      ?.split(' ')[0];
  } catch {
    return undefined;
  }
}

function print(phase: string, result: Awaited<ReturnType<SimulatedJob['run']>>): void {
  const out: string[] = [`── ${phase}: exit ${result.exitCode ?? result.signal} in ${result.durationMs} ms`];
  if (result.log.length > 0) out.push('log:', ...result.log.map((line) => `  ${line}`));
  if (result.annotations.length > 0) {
    out.push('annotations:');
    for (const annotation of result.annotations) {
      const where = annotation.file ? ` ${annotation.file}${annotation.line ? `:${annotation.line}` : ''}` : '';
      out.push(`  ${annotation.level}${where}: ${annotation.message}`);
    }
  }
  const outputs = Object.entries(result.outputs);
  if (outputs.length > 0) out.push('outputs:', ...outputs.map(([name, value]) => `  ${name} = ${value}`));
  if (result.summary.trim() !== '') out.push('summary:', result.summary.trimEnd());
  if (result.stderr.trim() !== '') out.push('stderr:', result.stderr.trimEnd());
  process.stdout.write(`${out.join('\n')}\n`);
}

process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
});

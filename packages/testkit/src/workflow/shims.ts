/**
 * Third-party actions, each stood in for by a small named shim that does here what the action
 * does on a hosted runner: actions/checkout (the workspace at the event's commit, or our own
 * repository's files for a sparse checkout), docker/login-action, actions/upload-artifact and
 * download-artifact (the run's artifact store), actions/setup-* (this machine's toolchain). An
 * action without a shim is not run: its job fails with "not simulated here: <uses>".
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { git } from '../git-repo.js';
import type { WorkflowArtifacts } from './artifacts.js';
import type { Repository } from './load.js';
import { filterPattern } from './triggers.js';

export interface ShimContext {
  inputs: Record<string, string>;
  workspace: string;
  runId: number;
  /** The event's repository and commit. */
  repository: Repository;
  sha: string;
  repositories: readonly Repository[];
  artifacts: WorkflowArtifacts;
}

export interface ShimResult {
  outputs?: Record<string, string>;
  /** What the shim did (shown as the step's reason). */
  summary: string;
  /** A failure message: the step fails with it. */
  error?: string;
  /** Values to mask (a registry password). */
  masks?: string[];
}

type Shim = (context: ShimContext) => ShimResult;

const lines = (value: string | undefined) =>
  (value ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

function checkout(context: ShimContext): ShimResult {
  const { inputs, workspace } = context;
  const name = inputs.repository || context.repository.name;
  const destination = resolve(workspace, inputs.path || '.');
  if (relative(workspace, destination).startsWith('..')) {
    return { summary: '', error: `path '${inputs.path}' is outside the workspace` };
  }
  const repository = [context.repository, ...context.repositories].find((candidate) => candidate.name === name);
  if (!repository) return { summary: '', error: `repository ${name} is not one known here` };
  mkdirSync(destination, { recursive: true });
  const sparse = lines(inputs['sparse-checkout']);
  if (repository === context.repository) {
    const ref = inputs.ref || context.sha;
    git(destination, ['clone', '--quiet', '--no-checkout', '--shared', '--', repository.root, '.']);
    if (sparse.length > 0) git(destination, ['sparse-checkout', 'set', '--', ...sparse]);
    git(destination, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--detach', ref, '--']);
    const sha = git(destination, ['rev-parse', 'HEAD']).trim();
    return { outputs: { commit: sha, ref }, summary: `checked out ${name} at ${sha.slice(0, 7)} (full history)` };
  }
  // Another repository: its working tree stands for the ref asked for.
  const files = sparse.length > 0 ? sparse : git(repository.root, ['ls-files', '-z']).split('\0').filter(Boolean);
  for (const file of files) {
    const source = join(repository.root, file);
    if (!existsSync(source)) return { summary: '', error: `${name} has no ${file}` };
    cpSync(source, join(destination, file), { recursive: true });
  }
  const what = sparse.length > 0 ? sparse.join(', ') : `${files.length} files`;
  return { summary: `copied ${what} of ${name} (the working tree here stands for ref ${inputs.ref || 'default'})` };
}

function login(context: ShimContext): ShimResult {
  const { registry = '', username = '', password = '' } = context.inputs;
  if (!username || !password) return { summary: '', error: 'Username and password required' };
  return {
    summary: `login to ${registry || 'Docker Hub'} as ${username} recorded; nothing here asks for it`,
    masks: [password],
  };
}

/** Files under `root` matching upload-artifact's `path:` lines (paths, directories, globs, `!` excludes). */
function collectFiles(root: string, patterns: string[]): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  for (const pattern of patterns.filter((line) => !line.startsWith('!'))) {
    const target = resolve(root, pattern);
    if (!/[*?[]/.test(pattern)) {
      if (!existsSync(target)) continue;
      const base = statSync(target).isDirectory() ? target : dirname(target);
      for (const file of statSync(target).isDirectory() ? walk(target) : [target])
        found.set(relative(base, file), file);
      continue;
    }
    const literal = pattern.split('/').findIndex((part) => /[*?[]/.test(part));
    const base = resolve(root, pattern.split('/').slice(0, literal).join('/'));
    if (!existsSync(base)) continue;
    const matcher = filterPattern(relative(root, target));
    for (const file of walk(base)) if (matcher.test(relative(root, file))) found.set(relative(base, file), file);
  }
  for (const exclude of patterns.filter((line) => line.startsWith('!'))) {
    const matcher = filterPattern(relative(root, resolve(root, exclude.slice(1))));
    for (const [name, file] of found) if (matcher.test(relative(root, file))) found.delete(name);
  }
  return found;
}

function uploadArtifact(context: ShimContext): ShimResult {
  const { inputs } = context;
  const name = inputs.name || 'artifact';
  const files = collectFiles(context.workspace, lines(inputs.path));
  if (files.size === 0) {
    const mode = inputs['if-no-files-found'] || 'warn';
    const message = `No files were found with the provided path: ${lines(inputs.path).join(', ')}. No artifacts will be uploaded.`;
    return mode === 'error' ? { summary: '', error: message } : { summary: message };
  }
  const contents = new Map([...files].map(([path, file]) => [path, readFileSync(file)]));
  try {
    const retention = inputs['retention-days'] ? Number(inputs['retention-days']) : undefined;
    context.artifacts.upload(
      { name, runId: context.runId, files: contents, ...(retention ? { retentionDays: retention } : {}) },
      inputs.overwrite === 'true',
    );
  } catch (error) {
    return { summary: '', error: (error as Error).message };
  }
  return {
    outputs: { 'artifact-id': String(context.artifacts.list().length) },
    summary: `uploaded ${contents.size} file(s) as artifact '${name}'`,
  };
}

function downloadArtifact(context: ShimContext): ShimResult {
  const { inputs } = context;
  const names = inputs.name
    ? [inputs.name]
    : context.artifacts
        .list(context.runId)
        .map((artifact) => artifact.name)
        .filter((name) => !inputs.pattern || filterPattern(inputs.pattern).test(name));
  const destination = resolve(context.workspace, inputs.path || '.');
  for (const name of names) {
    const artifact = context.artifacts.get(name, context.runId);
    if (!artifact)
      return { summary: '', error: `Unable to download artifact(s): Artifact not found for name: ${name}` };
    const into = inputs.name || inputs['merge-multiple'] === 'true' ? destination : join(destination, name);
    for (const [path, content] of artifact.files) {
      mkdirSync(dirname(join(into, path)), { recursive: true });
      writeFileSync(join(into, path), content);
    }
  }
  return { outputs: { 'download-path': destination }, summary: `downloaded ${names.length} artifact(s)` };
}

/** actions/setup-<tool>: the tool this machine has, whatever version was asked for. */
function setup(tool: string, command: string, args: string[], output: string): Shim {
  return (context) => {
    const found = spawnSync(command, args, { encoding: 'utf8' });
    if (found.status !== 0)
      return { summary: '', error: `${command} is not installed here (setup-${tool} would download it)` };
    const version = `${found.stdout}${found.stderr}`.trim().split('\n')[0] ?? '';
    const asked = context.inputs[`${tool}-version`];
    return {
      outputs: { [output]: version },
      summary: `this machine's ${version}${asked ? ` stands for ${tool} ${asked}` : ''} (nothing downloaded)`,
    };
  };
}

/** Shims by `owner/name` (the ref or SHA after `@` does not matter here). */
export const SHIMS: Record<string, Shim> = {
  'actions/checkout': checkout,
  'docker/login-action': login,
  'actions/upload-artifact': uploadArtifact,
  'actions/download-artifact': downloadArtifact,
  'actions/setup-node': setup('node', 'node', ['--version'], 'node-version'),
  'actions/setup-python': setup('python', 'python3', ['--version'], 'python-version'),
  'actions/setup-go': setup('go', 'go', ['version'], 'go-version'),
};

/** The shim for a `uses:` value, if there is one. */
export function shimFor(uses: string): Shim | undefined {
  return SHIMS[uses.split('@')[0] as string];
}

#!/usr/bin/env node
// Write the release tree and, with --commit, record it as a release commit with tags.
//
// The tree has every action at its root (`<name>/action.yml`, `<name>/README.md`, `<name>/dist/`) and
// the reusable workflows (`.github/workflows/*.yml` with `on: workflow_call`), so that at a release tag
// users write `uses: org/dynamo-ci-actions/changed-files@v1` and
// `uses: org/dynamo-ci-actions/.github/workflows/pr.yml@v1`.
//
// Usage: node scripts/release.mjs --out DIR [--version X.Y.Z] [--commit [--bundle FILE]] [--branch releases/vX]
//   --commit  make a commit whose tree is DIR on top of the release branch (the local branch, else
//             origin's remote-tracking one; no checkout needed: it uses a private index), tag it vX.Y.Z
//             and move the vX tag to it, and write DIR/../RELEASE_NOTES.md.
//   --bundle  also write FILE, a git bundle of releases/vX, vX.Y.Z and vX holding only the new commit
//             (the release branch it builds on is its prerequisite). release.yml builds and tests
//             without write access and hands this file to a job that only pushes it.
//             Pushing is the caller's: git push origin releases/vX vX.Y.Z && git push --force origin vX
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));

function fail(message) {
  console.error(`release: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    version: { type: 'string' },
    commit: { type: 'boolean', default: false },
    branch: { type: 'string' },
    bundle: { type: 'string' },
    repo: { type: 'string', default: root },
  },
});
if (!values.out) fail('--out DIR is required (the folder to write the release tree to)');
if (values.bundle && !values.commit) fail('--bundle needs --commit (the bundle holds the release commit)');
const version = values.version ?? JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
if (!/^\d+\.\d+\.\d+$/.test(version)) fail(`--version must be X.Y.Z, got ${JSON.stringify(version)}`);
const major = `v${version.split('.')[0]}`;
const out = resolve(values.out);

/** Every action folder with an action.yml; its bundle must have been built. */
function actionNames() {
  const dir = join(root, 'actions');
  return readdirSync(dir).filter((name) => existsSync(join(dir, name, 'action.yml')));
}

/**
 * On main the reusable workflows call our actions at the moving major tag (`@v1`); in a release they
 * call the release's own tag, so a workflow at v1.4.2 always runs the v1.4.2 actions, and the
 * checkout of our own workflow file (the gates read their job graph from it) is pinned the same way.
 */
export function pinToVersion(text) {
  return text
    .replace(/(org\/dynamo-ci-actions\/[^@\s]+)@v\d+\b(?![.\d])/g, `$1@v${version}`)
    .replace(/(repository: org\/dynamo-ci-actions\s*\n\s*ref: )v\d+\b(?![.\d])/g, `$1v${version}`);
}

function writeTree() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const actions = actionNames();
  for (const name of actions) {
    const source = join(root, 'actions', name);
    const metadata = parse(readFileSync(join(source, 'action.yml'), 'utf8'));
    for (const entry of [metadata?.runs?.main, metadata?.runs?.post, metadata?.runs?.pre].filter(Boolean)) {
      if (!existsSync(join(source, entry))) fail(`${name}: ${entry} is missing; run \`pnpm build\` first`);
    }
    const target = join(out, name);
    mkdirSync(target);
    cpSync(join(source, 'action.yml'), join(target, 'action.yml'));
    if (existsSync(join(source, 'README.md'))) cpSync(join(source, 'README.md'), join(target, 'README.md'));
    cpSync(join(source, 'dist'), join(target, 'dist'), { recursive: true });
  }
  const workflows = join(root, '.github', 'workflows');
  const reusable = existsSync(workflows)
    ? readdirSync(workflows).filter((file) => {
        if (!/\.ya?ml$/.test(file)) return false;
        const on = parse(readFileSync(join(workflows, file), 'utf8'))?.on;
        return on !== null && typeof on === 'object' && 'workflow_call' in on;
      })
    : [];
  if (reusable.length > 0) mkdirSync(join(out, '.github', 'workflows'), { recursive: true });
  for (const file of reusable) {
    writeFileSync(join(out, '.github', 'workflows', file), pinToVersion(readFileSync(join(workflows, file), 'utf8')));
  }
  for (const file of ['README.md', 'LICENSE']) {
    if (existsSync(join(root, file))) cpSync(join(root, file), join(out, file));
  }
  return { actions, reusable };
}

function git(args, options = {}) {
  return execFileSync('git', args, { cwd: values.repo, encoding: 'utf8', ...options }).trim();
}

/** The commit `ref` names, or undefined when there is none. */
function revision(ref) {
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function tagExists(tag) {
  try {
    git(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`]);
    return true;
  } catch {
    return false;
  }
}

function sizeOf(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? sizeOf(path) : statSync(path).size;
  }
  return bytes;
}

function releaseNotes({ actions, reusable }, sourceSha, previousTag) {
  const lines = [`# dynamo-ci-actions v${version}`, '', `Built from ${sourceSha}.`, '', '## Actions', ''];
  for (const name of actions) {
    lines.push(
      `- \`uses: org/dynamo-ci-actions/${name}@${major}\` (bundle ${(sizeOf(join(out, name, 'dist')) / 1024).toFixed(0)} KiB)`,
    );
  }
  if (reusable.length > 0) {
    lines.push('', '## Reusable workflows', '');
    for (const file of reusable) lines.push(`- \`uses: org/dynamo-ci-actions/.github/workflows/${file}@${major}\``);
  }
  // A release commit records the main commit it was built from; the notes list what came after it.
  const previousSource = previousTag
    ? git(['log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)', `${previousTag}^{commit}`])
    : '';
  const changes = git([
    'log',
    '--no-merges',
    '--format=- %s (%h)',
    previousSource ? `${previousSource}..${sourceSha}` : sourceSha,
  ]);
  lines.push(
    '',
    previousTag ? `## Changes since ${previousTag}` : '## Changes',
    '',
    changes || '- (none recorded)',
    '',
  );
  return lines.join('\n');
}

const contents = writeTree();
console.log(
  `release tree for v${version}: ${contents.actions.length} actions, ${contents.reusable.length} reusable workflows in ${out}`,
);

if (values.commit) {
  const branch = values.branch ?? `releases/${major}`;
  if (tagExists(`v${version}`)) fail(`tag v${version} already exists; choose the next version`);
  const sourceSha = git(['rev-parse', 'HEAD']);
  // A checkout with fetch-depth 0 has origin's release branch as a remote-tracking ref only.
  const localParent = revision(`refs/heads/${branch}`);
  const parent = localParent ?? revision(`refs/remotes/origin/${branch}`);
  const previousTag = parent ? git(['describe', '--tags', '--abbrev=0', '--match', 'v*.*.*', parent]) : undefined;
  const notes = releaseNotes(contents, sourceSha, previousTag);
  const notesFile = join(dirname(out), 'RELEASE_NOTES.md');
  writeFileSync(notesFile, notes);

  // A private index, so the user's checkout and index are never touched.
  const index = join(tmpdir(), `release-index-${process.pid}`);
  const env = { ...process.env, GIT_INDEX_FILE: index };
  rmSync(index, { force: true });
  git(['--work-tree', out, 'add', '--all', '--force', '.'], { env });
  const tree = git(['write-tree'], { env });
  rmSync(index, { force: true });
  const message = `Release v${version}\n\nSource-Commit: ${sourceSha}\n`;
  const commit = git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], { input: message });
  // Moves the local branch only from where it was (an empty old value: it must not exist yet).
  git(['update-ref', `refs/heads/${branch}`, commit, localParent ?? '']);
  git(['tag', '--annotate', `v${version}`, '-m', `v${version}`, commit]);
  git(['tag', '--force', '--annotate', major, '-m', `${major} (v${version})`, commit]);
  console.log(`committed ${commit} on ${branch}, tagged v${version} and moved ${major}; notes in ${notesFile}`);
  if (values.bundle) {
    const bundle = resolve(values.bundle);
    const refs = [`refs/heads/${branch}`, `refs/tags/v${version}`, `refs/tags/${major}`];
    git(['bundle', 'create', '--quiet', bundle, ...refs, ...(parent ? [`^${parent}`] : [])]);
    console.log(`bundled ${refs.join(', ')} in ${bundle}${parent ? ` (needs ${parent} to apply)` : ''}`);
  }
  console.log(`push with: git push origin ${branch} v${version} && git push --force origin ${major}`);
}

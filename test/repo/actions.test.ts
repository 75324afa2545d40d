/**
 * Every action agrees with its metadata: action.yml is valid for a node24 action, every input and
 * output is described in action.yml and documented in the README, and the bundle, run through the
 * simulated runner with a required input missing, exits 1 with an ::error:: naming that input.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runAction, scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ActionYml {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown; deprecationMessage?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs?: { using?: string; main?: string; post?: string; 'post-if'?: string; pre?: string };
}

const actionsDir = join(repoRoot, 'actions');
const ACTIONS = readdirSync(actionsDir).filter((name) => existsSync(join(actionsDir, name, 'action.yml')));
/** The parsed action.yml, or the parse error (reported by its own test, not as a crashed suite). */
function metadataOf(name: string): ActionYml | Error {
  try {
    return parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8')) as ActionYml;
  } catch (error) {
    return error as Error;
  }
}

describe('the action set', () => {
  it("has the seven product actions plus copy-pr, pipeline-report, pipeline-plan, code-checks and the deployment stage's operator and cleanup", () => {
    for (const name of [
      'changed-files',
      'spdx-check',
      'build-container',
      'run-gpu-tests',
      'deploy-profile',
      'deploy-operator',
      'deploy-cleanup',
      'pipeline-plan',
      'status-aggregate',
      'slack-notify',
      'copy-pr',
      'pipeline-report',
      'code-checks',
    ]) {
      expect(ACTIONS).toContain(name);
    }
  });
});

describe('the Node the simulated runner starts bundles with', () => {
  it('is $DYNAMO_CI_NODE when set, and Node 24 in CI, as `runs.using: node24` is on GitHub', async () => {
    const dir = scratchDir('node-version-action-');
    try {
      writeFileSync(join(dir, 'action.yml'), 'name: v\ndescription: v\nruns:\n  using: node24\n  main: index.js\n');
      writeFileSync(
        join(dir, 'index.js'),
        "require('node:fs').appendFileSync(process.env.GITHUB_OUTPUT, `version=${process.version}\\n`);\n",
      );
      const result = await runAction(dir);
      const expected = process.env.DYNAMO_CI_NODE
        ? execFileSync(process.env.DYNAMO_CI_NODE, ['-p', 'process.version'], { encoding: 'utf8' }).trim()
        : process.version;
      expect(result.outputs.version).toBe(expected);
      // .ci/run installs Node 24 from npm and points DYNAMO_CI_NODE at it.
      if (process.env.DYNAMO_CI_REQUIRE_TOOLS === '1') expect(result.outputs.version).toMatch(/^v24\./);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(ACTIONS)('%s', (name) => {
  const parsed = metadataOf(name);
  const metadata: ActionYml = parsed instanceof Error ? {} : parsed;

  it('has an action.yml that parses', () => {
    expect(parsed instanceof Error ? parsed.message : undefined).toBeUndefined();
  });
  const readme = existsSync(join(actionsDir, name, 'README.md'))
    ? readFileSync(join(actionsDir, name, 'README.md'), 'utf8')
    : '';

  it('is a node24 action whose entry points are the bundle', () => {
    expect(metadata.name).toBeTruthy();
    expect(metadata.description).toBeTruthy();
    expect(metadata.runs?.using).toBe('node24');
    expect(metadata.runs?.main).toBe('dist/index.js');
    if (metadata.runs?.post !== undefined) expect(metadata.runs.post).toBe('dist/index.js');
    expect(
      Object.keys(metadata).filter(
        (key) => !['name', 'description', 'author', 'inputs', 'outputs', 'runs', 'branding'].includes(key),
      ),
    ).toEqual([]);
  });

  it('describes every input and output, and gives optional booleans a default', () => {
    for (const [input, spec] of Object.entries(metadata.inputs ?? {})) {
      expect(spec.description, `input ${input}`).toBeTruthy();
      expect(/^[a-z][a-z0-9-]*$/.test(input), `input ${input} is kebab-case`).toBe(true);
      if (/^(true|false)$/.test(String(spec.default ?? ''))) expect(typeof spec.default, input).toBe('string');
    }
    for (const [output, spec] of Object.entries(metadata.outputs ?? {})) {
      expect(spec.description, `output ${output}`).toBeTruthy();
    }
  });

  it('documents every input and output in its README', () => {
    expect(readme, 'README.md exists').not.toBe('');
    expect(readme).toContain(`dynamo-ci-actions/${name}@v1`);
    const rows = new Set([...readme.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((match) => match[1]));
    const missing = [...Object.keys(metadata.inputs ?? {}), ...Object.keys(metadata.outputs ?? {})].filter(
      (entry) => !rows.has(entry),
    );
    expect(missing, 'rows "| `name` |" missing from README.md').toEqual([]);
  });

  it("keeps ARCHITECTURE.md's README order and shows both ways of running it locally", () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((match) => match[1] as string);
    const usage = headings.filter((heading) => /^(Usage|Examples?)\b/.test(heading));
    expect(headings.slice(0, usage.length + 2)).toEqual([...usage, 'Inputs', 'Outputs']);
    expect(headings.at(-1)).toBe('Running it locally');
    const local = readme.slice(readme.lastIndexOf('## Running it locally'));
    expect(local).toContain(`pnpm@10.34.8 local ${name} `);
    expect(local).toContain(`pnpm@10.34.8 exec local-action actions/${name} src/main.ts .env`);
  });

  const required = Object.entries(metadata.inputs ?? {}).filter(
    ([, spec]) => spec.required && spec.default === undefined,
  );
  it.each(required.length > 0 ? required.map(([input]) => input) : ['(none required)'])(
    'exits 1 naming the missing required input %s',
    async (input) => {
      if (input === '(none required)') return;
      const inputs = Object.fromEntries(required.filter(([other]) => other !== input).map(([other]) => [other, 'x']));
      const result = await runAction(name, {}, { inputs });
      expect(result.exitCode).toBe(1);
      expect(result.errors.map((error) => error.message).join('\n')).toContain(input);
      expect(result.outputs).toEqual({});
    },
  );
});

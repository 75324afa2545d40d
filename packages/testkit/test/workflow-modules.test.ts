/**
 * The engine's pure parts: filter patterns and triggers, matrix expansion, reusable-call inputs,
 * and expression evaluation with GitHub's own library.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../src/index.js';
import {
  callInputs,
  evaluate,
  evaluateValue,
  expandMatrix,
  expandStrategy,
  filterPattern,
  loadWorkflow,
  matchesFilters,
  type Repository,
  triggers,
  type WorkflowEvent,
} from '../src/workflow/index.js';

const dir = scratchDir('engine-modules-');
const repository: Repository = { name: 'acme/app', root: dir };

async function workflow(file: string, text: string) {
  writeFileSync(join(dir, file), text);
  return loadWorkflow(join(dir, file), repository, [repository]);
}

const push = (ref: string): WorkflowEvent => ({ name: 'push', ref, sha: 'a'.repeat(40), payload: { ref } });

describe('filter patterns', () => {
  it.each([
    ['pull-request/[0-9]+', 'pull-request/123', true],
    ['pull-request/[0-9]+', 'pull-request/abc', false],
    ['release/*.*.*', 'release/1.2.3', true],
    ['release/*', 'release/a/b', false],
    ['release/**', 'release/a/b', true],
    ['**/README.md', 'README.md', true],
    ['docs/**', 'docs/a/b.md', true],
    ['*.md', 'docs/a.md', false],
  ])('%s matches %s: %s', (pattern, value, expected) => {
    expect(filterPattern(pattern).test(value)).toBe(expected);
  });

  it('lets the last matching pattern decide, ! excluding', () => {
    expect(matchesFilters('docs/a.md', ['docs/**', '!docs/*.md'])).toBe(false);
    expect(matchesFilters('docs/keep.md', ['docs/**', '!docs/*.md', 'docs/keep.md'])).toBe(true);
  });
});

describe('triggers', () => {
  it('matches push branches, tags and paths as GitHub does', async () => {
    const branches = await workflow(
      'b.yml',
      'on:\n  push:\n    branches: [main]\n    paths: [src/**]\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: "true"\n',
    );
    expect(triggers(branches, push('refs/heads/main'), () => ['src/a.ts']).triggered).toBe(true);
    expect(triggers(branches, push('refs/heads/main'), () => ['docs/a.md'])).toEqual({
      triggered: false,
      reason: 'no changed file matches paths [src/**]',
    });
    expect(triggers(branches, push('refs/tags/v1'), () => []).reason).toBe('push filters name branches only');
    const ignore = await workflow(
      'i.yml',
      "on:\n  push:\n    paths-ignore: ['**.md']\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n",
    );
    expect(triggers(ignore, push('refs/heads/x'), () => ['a.md', 'b/c.md']).triggered).toBe(false);
    expect(triggers(ignore, push('refs/heads/x'), () => ['a.md', 'c.ts']).triggered).toBe(true);
  });

  it('matches pull_request types and base branches, dispatch by file, schedule by cron', async () => {
    const pr = await workflow(
      'p.yml',
      "on:\n  pull_request:\n    branches: [main]\n  workflow_dispatch:\n  schedule:\n    - cron: '0 8 * * *'\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: 'true'\n",
    );
    const event = (action: string, base: string): WorkflowEvent => ({
      name: 'pull_request',
      ref: 'refs/pull/1/merge',
      sha: 'a'.repeat(40),
      payload: { action, pull_request: { base: { ref: base } } },
    });
    expect(triggers(pr, event('opened', 'main'), () => []).triggered).toBe(true);
    expect(triggers(pr, event('closed', 'main'), () => []).reason).toBe(
      'pull_request type closed is not in [opened, synchronize, reopened]',
    );
    expect(triggers(pr, event('opened', 'dev'), () => []).triggered).toBe(false);
    const dispatch = (workflowFile: string): WorkflowEvent => ({
      name: 'workflow_dispatch',
      ref: 'refs/heads/main',
      sha: 'a'.repeat(40),
      workflow: workflowFile,
      payload: {},
    });
    expect(triggers(pr, dispatch('p.yml'), () => []).triggered).toBe(true);
    expect(triggers(pr, dispatch('other.yml'), () => []).triggered).toBe(false);
    const schedule = (cron: string): WorkflowEvent => ({
      name: 'schedule',
      ref: 'refs/heads/main',
      sha: '',
      payload: { schedule: cron },
    });
    expect(triggers(pr, schedule('0 8 * * *'), () => []).triggered).toBe(true);
    expect(triggers(pr, schedule('0 9 * * *'), () => []).triggered).toBe(false);
  });

  it('refuses an invalid workflow with the parser messages', async () => {
    await expect(
      workflow('bad.yml', "on: push\njobs:\n  a:\n    runs-on: x\n    bogus: 1\n    steps:\n      - run: 'true'\n"),
    ).rejects.toThrow(/bad\.yml is not a valid workflow:\n.*bogus/);
  });
});

describe('matrix', () => {
  it('includes extend matching combinations, else add their own; excludes match partially', () => {
    expect(
      expandMatrix(
        {
          os: ['a', 'b'],
          v: [1, 2],
          exclude: [{ os: 'b' }],
          include: [{ os: 'a', v: 2, extra: true }, { os: 'c' }, { os: 'd' }],
        },
        'job',
      ),
    ).toEqual([{ os: 'a', v: 1 }, { os: 'a', v: 2, extra: true }, { os: 'c' }, { os: 'd' }]);
    expect(expandMatrix({ include: [{ n: 1 }, { n: 2 }] }, 'job')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses an empty matrix and a bad max-parallel, naming the job', () => {
    expect(() => expandMatrix({ include: [] }, 'build')).toThrow("job 'build': the matrix has no legs");
    expect(() => expandStrategy({ 'max-parallel': 0, matrix: { a: [1] } }, 'build')).toThrow(
      "job 'build': strategy.max-parallel must be a positive integer, got 0",
    );
    expect(expandStrategy({ matrix: { a: [1] } }, 'build')).toMatchObject({ failFast: true, maxParallel: undefined });
  });
});

describe('reusable-workflow calls', () => {
  it('types inputs, applies defaults, and names what does not fit', async () => {
    await workflow(
      'callee.yml',
      'on:\n  workflow_call:\n    inputs:\n      n:\n        type: number\n        required: true\n      flag:\n        type: boolean\n        default: true\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: "true"\n',
    );
    const caller = async (withText: string) => {
      const loaded = await workflow('caller.yml', `on: push\njobs:\n  call:\n    uses: ./callee.yml\n${withText}`);
      return loaded.template.jobs[0] as Parameters<typeof callInputs>[0];
    };
    const contexts = { github: {}, vars: {}, inputs: {} };
    expect(callInputs(await caller("    with:\n      n: '4'\n"), contexts)).toEqual({ n: 4, flag: true });
    const notBoolean = await caller('    with:\n      n: 1\n      flag: maybe\n');
    expect(() => callInputs(notBoolean, contexts)).toThrow(
      './callee.yml: input \'flag\' must be a boolean, got "maybe"',
    );
    // GitHub's parser already refuses a missing required input and an undeclared one.
    await expect(caller('    with:\n      flag: false\n')).rejects.toThrow('Input n is required, but not provided');
    await expect(caller('    with:\n      n: 1\n      other: x\n')).rejects.toThrow(
      /Invalid input, other is not defined/,
    );
    const declared = await caller('    with:\n      n: 1\n');
    expect(() => callInputs(declared, contexts, { other: 'x' })).toThrow(
      "./callee.yml: input 'other' is not defined in the called workflow",
    );
  });
});

describe('expressions (@actions/expressions)', () => {
  const github = { ref: 'refs/heads/main', event: { pull_request: { number: 7 } } };
  it('evaluates with the status functions the caller gives', () => {
    const failed = { success: () => false, failure: () => true, cancelled: () => false };
    expect(evaluate('failure() && github.event.pull_request.number == 7', { github }, failed)).toBe(true);
    expect(evaluate('success()', { github }, failed)).toBe(false);
    expect(evaluate('always()', { github }, failed)).toBe(true);
  });

  it('keeps the type of a whole expression and interpolates the rest', () => {
    expect(evaluateValue('${{ github.event.pull_request.number }}', { github })).toBe(7);
    expect(evaluateValue('pr-${{ github.event.pull_request.number }}', { github })).toBe('pr-7');
    expect(evaluateValue(false, { github })).toBe(false);
    expect(() => evaluate('unknownFunction()', { github })).toThrow('cannot evaluate ${{ unknownFunction() }}');
  });
});

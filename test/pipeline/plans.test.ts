/**
 * What the workflows ask pipeline-plan for, checked against the PR workflow document's tables: the
 * workflow files are read as written, each plan step's `with:` is evaluated for the caller's run,
 * and the real plan() answers. A workflow that stops passing the preset, the deploy tiers or the
 * tag prefix fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInputs } from '../../actions/pipeline-plan/src/inputs.js';
import { plan } from '../../actions/pipeline-plan/src/plan.js';
import { repoRoot } from './workflows.js';

const read = (path: string) => parse(readFileSync(join(repoRoot, path), 'utf8')) as Record<string, any>;

/** The `with:` of the pipeline-plan step of a workflow's job, with `${{ ... }}` replaced by `values`. */
function planWith(workflow: string, job: string, values: Record<string, string>): (name: string) => string | undefined {
  const steps: Record<string, any>[] = read(workflow).jobs[job].steps;
  const step = steps.find((candidate) => String(candidate.uses).includes('/pipeline-plan@')) as Record<string, any>;
  return (name) => {
    const raw = step.with?.[name];
    if (raw === undefined) return undefined;
    return String(raw).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      if (!(expression in values)) throw new Error(`${workflow} ${job}: no value for ${expression}`);
      return values[expression] as string;
    });
  };
}

describe('test-suite.yml for the example post-merge caller', () => {
  const caller = read('examples/dynamo-example/.github/workflows/post-merge-ci.yml').jobs.suite.with;
  const suite = read('.github/workflows/test-suite.yml').on.workflow_call.inputs;
  const values = {
    'inputs.frameworks': caller.frameworks ?? suite.frameworks.default,
    'inputs.units': '',
    'inputs.runners': suite.runners.default,
    'inputs.test-gpus': suite['test-gpus'].default,
    "inputs.deploy && 'all' || 'none'": caller.deploy === true ? 'all' : 'none',
    'inputs.deploy-profiles': '',
    'inputs.image_prefix': caller.image_prefix,
  };

  it("builds the document's post-merge table: vLLM and SGLang on CUDA 12.9 and 13.0, TRT-LLM on 12.9, amd64 and arm64", () => {
    const result = plan(parseInputs(planWith('.github/workflows/test-suite.yml', 'plan', values)));
    const images = result.builds.map((leg) => `${leg.framework} ${leg.cuda} ${leg.arch}`);
    expect(images.sort()).toEqual(
      [
        'sglang 12.9 amd64',
        'sglang 12.9 arm64',
        'sglang 13.0 amd64',
        'sglang 13.0 arm64',
        'trtllm 12.9 amd64',
        'trtllm 12.9 arm64',
        'vllm 12.9 amd64',
        'vllm 12.9 arm64',
        'vllm 13.0 amd64',
        'vllm 13.0 arm64',
      ].sort(),
    );
    expect(result.frontendBuilds).toEqual([]);
  });

  it('deploys nothing: deployment tests stay out of the suite unless a caller turns them on', () => {
    expect(suite.deploy.default).toBe(false);
    expect(caller.deploy).toBeUndefined();
    expect(plan(parseInputs(planWith('.github/workflows/test-suite.yml', 'plan', values))).deploys).toEqual([]);
    const on = plan(
      parseInputs(
        planWith('.github/workflows/test-suite.yml', 'plan', { ...values, "inputs.deploy && 'all' || 'none'": 'all' }),
      ),
    );
    expect(on.deploys).toHaveLength(10);
    expect(on.deploys.every((leg) => leg['image-tag'].startsWith('main-'))).toBe(true);
  });
});

describe("backend.yml's plan on each trigger of the example's pr.yaml", () => {
  const backend = read('.github/workflows/backend.yml').on.workflow_call.inputs;
  const values = {
    'steps.changes.outputs.changes': '',
    'inputs.units': '',
    'inputs.runners': backend.runners.default,
    'inputs.test-gpus': backend['test-gpus'].default,
    'inputs.deploy': backend.deploy.default,
    'inputs.deploy-profiles': '',
    'inputs.operator-unit': backend['operator-unit'].default,
    'github.sha': 'abc123',
  };
  const run = (changes: string[], eventName: string, refName: string) =>
    plan(
      parseInputs(
        planWith('.github/workflows/backend.yml', 'changes', {
          ...values,
          'steps.changes.outputs.changes': JSON.stringify(changes),
        }),
        { eventName, refName, defaultBranch: 'main' },
      ),
    );

  it('a vLLM change on pull-request/N: the always tier only, on the image this run builds', () => {
    const result = run(['vllm'], 'push', 'pull-request/42');
    expect(
      result.deploys.map((leg) => `${leg.name} ${leg['image-tag']} ${leg.runner} ${leg['timeout-minutes']}`),
    ).toEqual(['vllm disagg_router abc123-vllm-runtime-cuda12-amd64 prod-default-v1 30']);
    expect(result.images.operator).toBe('main-operator-amd64');
  });

  it('a push to main: every tier of every framework', () => {
    const result = run(['all', 'core', 'vllm', 'sglang', 'trtllm', 'operator', 'frontend', 'deploy'], 'push', 'main');
    expect(result.deploys).toHaveLength(10);
    // The operator job builds it (the build matrix leaves it out); deploy-operator installs that image.
    expect(result.builds.map((leg) => leg.framework)).not.toContain('operator');
    expect(result.images.operator).toBe('abc123-operator-amd64');
  });

  it('a frontend change: only the frontend builds, for its own gate, and no deployment', () => {
    const result = run(['frontend'], 'push', 'pull-request/42');
    expect(result.builds).toEqual([]);
    expect(result.frontendBuilds.map((leg) => leg.id)).toEqual(['frontend-amd64', 'frontend-arm64']);
    expect(result.deploys).toEqual([]);
  });
});

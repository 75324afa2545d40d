/**
 * With engine docker only the names in `forward-env` enter the test container: a run-gpu-tests step
 * that sets a variable in its `env:` (HF_TOKEN for model downloads) must list it there, or the tests
 * inside the image never see it.
 */
import { describe, expect, it } from 'vitest';
import { loadWorkflows, parseWorkflow, type Workflow } from '../pipeline/workflows.js';

/** `file job step: NAME` for each name a run-gpu-tests step sets but does not forward. */
function unforwarded(workflows: readonly Workflow[]): string[] {
  const problems: string[] = [];
  for (const workflow of workflows) {
    for (const [jobId, job] of Object.entries((workflow.doc.jobs ?? {}) as Record<string, any>)) {
      for (const [index, step] of ((job.steps ?? []) as Record<string, any>[]).entries()) {
        if (!/(^|\/)run-gpu-tests(@|$)/.test(String(step.uses ?? ''))) continue;
        const forwarded = String(step.with?.['forward-env'] ?? '')
          .split(/[\n,]/)
          .map((name) => name.trim());
        for (const name of Object.keys(step.env ?? {})) {
          if (!forwarded.includes(name)) problems.push(`${workflow.path} ${jobId} step ${index + 1}: ${name}`);
        }
      }
    }
  }
  return problems;
}

describe('run-gpu-tests steps forward the environment they set', () => {
  it("every workflow's run-gpu-tests step lists its env: names in forward-env", () => {
    const workflows = loadWorkflows();
    expect(workflows.some((workflow) => JSON.stringify(workflow.doc).includes('run-gpu-tests@'))).toBe(true);
    expect(unforwarded(workflows)).toEqual([]);
  });

  it('catches a step that sets HF_TOKEN without forwarding it', () => {
    const broken = parseWorkflow(
      'broken.yml',
      [
        'on: push',
        'jobs:',
        '  test:',
        '    runs-on: gpu',
        '    steps:',
        '      - uses: org/dynamo-ci-actions/run-gpu-tests@v1',
        '        env: {HF_TOKEN: x, NGC_API_KEY: y}',
        '        with: {image: i, forward-env: NGC_API_KEY}',
      ].join('\n'),
    );
    expect(unforwarded([broken])).toEqual(['broken.yml test step 1: HF_TOKEN']);
  });
});

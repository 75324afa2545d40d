import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { plan, resolveDeployScope } from '../src/plan.js';

const raw = (values: Record<string, string>) => (name: string) => values[name];

describe('pipeline-plan', () => {
  it.each([
    { changes: [], builds: 0, tests: 0 },
    { changes: ['docs'], builds: 0, tests: 0 },
    { changes: ['vllm'], builds: 4, tests: 8 },
    { changes: ['trtllm'], builds: 2, tests: 4 },
    { changes: ['operator'], builds: 2, tests: 0 },
    { changes: ['core'], builds: 10, tests: 20 },
    { changes: ['ci', 'core', 'operator', 'deploy', 'frontend'], builds: 14, tests: 20 },
  ])('$changes -> $builds images, $tests test legs', ({ changes, builds, tests }) => {
    const result = plan(parseInputs(raw({ changes: JSON.stringify(changes) })));
    expect(result.builds.length + result.frontendBuilds.length).toBe(builds);
    expect(result.tests).toHaveLength(tests);
    expect(result.deploys).toHaveLength(0);
  });

  it('expands a vLLM change into ids, runners and deployments', () => {
    const result = plan(parseInputs(raw({ changes: '["vllm"]', deploy: 'true', runners: 'gpu=my-gpu' })));
    expect(result.builds.map((leg) => leg.id)).toEqual([
      'vllm-runtime-cuda12-amd64',
      'vllm-runtime-cuda12-arm64',
      'vllm-runtime-cuda13-amd64',
      'vllm-runtime-cuda13-arm64',
    ]);
    expect(result.tests.filter((leg) => leg.arch === 'arm64').every((leg) => leg.gpus === '0')).toBe(true);
    expect(result.tests.find((leg) => leg.gpus === '1')?.runner).toBe('my-gpu');
    expect(result.tests.find((leg) => leg.gpus === 'multi')?.runner).toBe('prod-tester-amd-gpu-4-v1');
    expect(result.deploys.map((leg) => `${leg.tier} ${leg.profile}:${leg['image-id']}`)).toEqual([
      'always disagg_router:vllm-runtime-cuda12-amd64',
      'main agg:vllm-runtime-cuda12-amd64',
      'main agg_router:vllm-runtime-cuda12-amd64',
      'main disagg:vllm-runtime-cuda12-amd64',
    ]);
    expect(result.deploys[0]).toMatchObject({
      file: 'examples/backends/vllm/deploy/disagg_router.yaml',
      'image-tag': 'local-vllm-runtime-cuda12-amd64',
      runner: 'prod-default-v1',
      'timeout-minutes': 30,
      'job-timeout-minutes': 45,
    });
    expect(result.decisions.find((d) => d.unit === 'sglang')).toEqual({
      unit: 'sglang',
      selected: false,
      reason: 'none of core, sglang, deploy changed',
    });
  });

  it('a custom unit: one image, its tests selected by another framework marker', () => {
    const units =
      "- {name: dynamo, when: [core], cuda: ['12.9'], arch: [amd64], dockerfile: D, target: runtime, tests: true, test-framework: none}";
    const result = plan(parseInputs(raw({ changes: '["core"]', units, 'test-gpus': '0,1' })));
    expect(result.builds.map((leg) => leg.id)).toEqual(['dynamo-runtime-cuda12-amd64']);
    expect(result.tests.map((leg) => [leg['test-framework'], leg.gpus, leg.runner])).toEqual([
      ['none', '0', 'prod-tester-amd-v1'],
      ['none', '1', 'prod-tester-amd-gpu-v1'],
    ]);
  });

  it('force-all with only builds exactly the named units', () => {
    const result = plan(parseInputs(raw({ 'force-all': 'true', only: 'vllm,sglang,trtllm' })));
    expect(new Set(result.builds.map((leg) => leg.framework))).toEqual(new Set(['vllm', 'sglang', 'trtllm']));
    expect(result.builds).toHaveLength(10);
  });

  it('leaves excluded units to the job that builds them, whatever changed', () => {
    const result = plan(parseInputs(raw({ 'force-all': 'true', exclude: 'operator' })));
    expect(result.builds.some((leg) => leg.framework === 'operator')).toBe(false);
    expect(result.decisions.find((decision) => decision.unit === 'operator')).toEqual({
      unit: 'operator',
      selected: false,
      reason: 'built by another job (exclude)',
    });
    const operatorOnly = plan(parseInputs(raw({ changes: '["operator"]', only: 'operator' })));
    expect(operatorOnly.builds.map((leg) => [leg.id, leg.context])).toEqual([
      ['operator-amd64', 'deploy/operator'],
      ['operator-arm64', 'deploy/operator'],
    ]);
  });

  it.each([
    [{ exclude: 'operator,helm' }, "Input 'exclude' names 'helm', which is not a unit"],
    [{ exclude: 'operator', only: 'operator' }, "Input 'exclude' names 'operator', which 'only' asks for"],
    [{ changes: '{"a":1}' }, "Input 'changes' must be a JSON array"],
    [{ changes: 'nope' }, "Input 'changes' must be valid JSON"],
    [{ only: 'vllm,tensorflow' }, "Input 'only' names 'tensorflow'"],
    [{ runners: 'gpus=x' }, "unknown role 'gpus'"],
    [{ 'test-gpus': '0,8' }, "Input 'test-gpus' entries must be 0, 1 or multi"],
    [{ units: 'name: x' }, "Input 'units' must be a non-empty YAML list"],
    [{ units: '- {name: x, when: [core]}' }, "'x' needs 'dockerfile'"],
    [{ units: '- {name: x, dockerfile: D}' }, "'x' needs 'when'"],
    [{ units: '- {name: x, when: [a], dockerfile: D, cuda: [12]}' }, 'CUDA version must look like 12.9'],
    [{ units: '- {name: x, when: [a], dockerfile: D, gpu: 1}' }, "unknown key 'gpu'"],
    [{ 'deploy-profiles': '[agg]' }, "Input 'deploy-profiles' row 1 must be a mapping"],
    [{ 'deploy-profiles': 'agg' }, "Input 'deploy-profiles' must be a list of rows"],
    [{ 'deploy-profiles': '- {framework: vllm, nightly: [agg]}' }, "row 1 has an unknown key 'nightly'"],
    [{ 'deploy-profiles': '- {framework: vllm, main: [../x]}' }, 'profile "../x" is not a file stem'],
    [
      { 'deploy-profiles': '- {framework: vllm, timeout-minutes: 0}' },
      'timeout-minutes must be a whole number from 1 to 360',
    ],
    [{ 'deploy-profiles': '- {framework: vllm}\n- {framework: vllm}' }, "names 'vllm' twice"],
    [{ deploy: 'sometimes' }, "Input 'deploy' must be one of auto|none|always|all|true|false"],
    [{ preset: 'nightly' }, "Input 'preset' must be one of pr|suite"],
    [{ 'tag-prefix': 'a b' }, "Input 'tag-prefix' must be an image tag prefix"],
    [{ units: '- {name: x, when: [a], dockerfile: D, job: test}' }, "'x' job must be build or frontend"],
    [{ 'force-all': 'maybe' }, "Input 'force-all' must be true or false"],
  ])('rejects %j', (values, message) => {
    expect(() => parseInputs(raw(values))).toThrow(message);
  });

  it('keeps the frontend in its own matrix, for its own gate', () => {
    const result = plan(parseInputs(raw({ changes: '["frontend"]' })));
    expect(result.builds).toEqual([]);
    expect(result.frontendBuilds.map((leg) => leg.id)).toEqual(['frontend-amd64', 'frontend-arm64']);
  });

  it('the suite preset is the post-merge table: 10 framework images, TRT-LLM on CUDA 12.9', () => {
    const result = plan(parseInputs(raw({ 'force-all': 'true', only: 'vllm,sglang,trtllm', preset: 'suite' })));
    expect(result.builds).toHaveLength(10);
    expect(result.builds.filter((leg) => leg.framework === 'trtllm').map((leg) => leg.id)).toEqual([
      'trtllm-runtime-cuda12-amd64',
      'trtllm-runtime-cuda12-arm64',
    ]);
  });
});

describe('deployment tiers', () => {
  const run = (eventName: string, refName: string) => ({ eventName, refName, defaultBranch: 'main' });

  it('auto: every tier on a push to the default branch and a manual dispatch, the always tier elsewhere', () => {
    expect(resolveDeployScope('auto', run('push', 'main'))).toBe('all');
    expect(resolveDeployScope('auto', run('workflow_dispatch', 'feature'))).toBe('all');
    expect(resolveDeployScope('auto', run('push', 'pull-request/12'))).toBe('always');
    expect(resolveDeployScope('auto', run('push', 'release/1.2.3'))).toBe('always');
    expect(resolveDeployScope('none', run('push', 'main'))).toBe('none');
  });

  it('a vLLM change on pull-request/N deploys the always tier only; an SGLang one deploys nothing', () => {
    const facts = run('push', 'pull-request/12');
    const vllm = plan(parseInputs(raw({ changes: '["vllm"]', deploy: 'auto', 'tag-prefix': 'abc' }), facts));
    expect(vllm.deploys.map((leg) => leg.name)).toEqual(['vllm disagg_router']);
    expect(plan(parseInputs(raw({ changes: '["sglang"]', deploy: 'auto' }), facts)).deploys).toEqual([]);
  });

  it('a push to main deploys every tier of every framework: the document table', () => {
    const all = plan(parseInputs(raw({ 'force-all': 'true', deploy: 'auto' }), run('push', 'main')));
    expect(all.deploys.map((leg) => `${leg.framework} ${leg.profile} (${leg.tier})`)).toEqual([
      'vllm disagg_router (always)',
      'vllm agg (main)',
      'vllm agg_router (main)',
      'vllm disagg (main)',
      'sglang agg (main)',
      'sglang agg_router (main)',
      'trtllm agg (main)',
      'trtllm agg_router (main)',
      'trtllm disagg (main)',
      'trtllm disagg_router (main)',
    ]);
    expect(new Set(all.deploys.map((leg) => `${leg.runner} ${leg['timeout-minutes']}`))).toEqual(
      new Set(['prod-default-v1 30']),
    );
  });

  it('a project edits the table: its own tiers, timeout and runner', () => {
    const table = '- {framework: sglang, always: [agg], main: [disagg], timeout-minutes: 45, runner: gpu}';
    const result = plan(parseInputs(raw({ changes: '["sglang"]', deploy: 'always', 'deploy-profiles': table })));
    expect(result.deploys).toEqual([
      expect.objectContaining({
        name: 'sglang agg',
        tier: 'always',
        runner: 'prod-tester-amd-gpu-v1',
        'timeout-minutes': 45,
      }),
    ]);
  });

  it("images: this run's tag for a rebuilt unit, the last main image for the others (the operator)", () => {
    const vllm = plan(parseInputs(raw({ changes: '["vllm"]', 'tag-prefix': 'abc' })));
    expect(vllm.images).toMatchObject({ vllm: 'abc-vllm-runtime-cuda12-amd64', operator: 'main-operator-amd64' });
    const operator = plan(parseInputs(raw({ changes: '["operator"]', 'tag-prefix': 'abc' })));
    expect(operator.images.operator).toBe('abc-operator-amd64');
    // Built by another job of the run (left out of this plan with only): still this run's image.
    const elsewhere = plan(parseInputs(raw({ changes: '["operator"]', 'tag-prefix': 'abc', only: 'vllm' })));
    expect(elsewhere.images.operator).toBe('abc-operator-amd64');
  });
});

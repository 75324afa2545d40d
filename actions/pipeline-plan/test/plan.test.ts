import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';
import { plan } from '../src/plan.js';

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
    expect(result.builds).toHaveLength(builds);
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
    expect(result.deploys.map((leg) => `${leg.profile}:${leg['image-id']}`)).toEqual([
      'agg:vllm-runtime-cuda12-amd64',
      'agg_router:vllm-runtime-cuda12-amd64',
      'disagg:vllm-runtime-cuda12-amd64',
      'disagg_router:vllm-runtime-cuda12-amd64',
    ]);
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

  it.each([
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
    [{ 'deploy-profiles': '[agg]' }, "Input 'deploy-profiles' must map a framework"],
    [{ 'force-all': 'maybe' }, "Input 'force-all' must be true or false"],
  ])('rejects %j', (values, message) => {
    expect(() => parseInputs(raw(values))).toThrow(message);
  });
});

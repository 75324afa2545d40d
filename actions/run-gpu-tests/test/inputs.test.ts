import { InputError } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { parseInputs, parseMounts } from '../src/inputs.js';

const defaults = { workspace: '/ws', temp: '/tmp/runner' };
const parse = (values: Record<string, string>) => parseInputs((name) => values[name], defaults);

describe('parseInputs', () => {
  it('applies defaults', () => {
    const inputs = parse({ engine: 'none' });
    expect(inputs).toMatchObject({
      engine: 'none',
      python: 'python3',
      lifecycle: 'pre_merge',
      gpus: '0',
      arch: 'auto',
      requireGpu: true,
      workers: 0,
      twoPhase: true,
      parallelMarker: 'parallel',
      testTimeoutSeconds: 0,
      timeoutMs: 3_600_000,
      failOnEmpty: true,
      reruns: 0,
      shardCount: 1,
      shardIndex: 0,
      resultsDir: '/tmp/runner/run-gpu-tests',
      user: 'image',
      annotationPathPrefix: '',
    });
    expect(inputs.framework).toBeUndefined();
    expect(inputs.markers).toBeUndefined();
  });

  it('parses every typed input', () => {
    const inputs = parse({
      image: 'nvcr.io/acme/dynamo:abc-vllm',
      workers: 'auto',
      'test-timeout': '5m',
      'timeout-minutes': '1h30m',
      'pytest-args': '-v\n--tb=short',
      paths: 'tests/serve\ntests/router dir',
      env: 'HF_TOKEN=hf_x\nA=b=c',
      mounts: '/data/models:/models:ro\ncache dir:/opt/cache',
      user: 'runner',
      'annotation-path-prefix': './sub/dir/',
      'forward-env': 'HF_TOKEN, NGC_API_KEY\nHF_TOKEN',
    });
    expect(inputs.forwardEnv).toEqual(['HF_TOKEN', 'NGC_API_KEY']);
    expect(inputs.workers).toBe('auto');
    expect(inputs.testTimeoutSeconds).toBe(300);
    expect(inputs.timeoutMs).toBe(5_400_000);
    expect(inputs.pytestArgs).toEqual(['-v', '--tb=short']);
    expect(inputs.paths).toEqual(['tests/serve', 'tests/router dir']);
    expect([...inputs.env]).toEqual([
      ['HF_TOKEN', 'hf_x'],
      ['A', 'b=c'],
    ]);
    expect(inputs.mounts).toEqual([
      { source: '/data/models', target: '/models', readOnly: true },
      { source: 'cache dir', target: '/opt/cache', readOnly: false },
    ]);
    expect(inputs.annotationPathPrefix).toBe('sub/dir/');
  });

  it.each([
    [{}, 'image', "Input 'image' is required when engine is docker (or set engine: none to run on the host)"],
    [{ image: '--privileged' }, 'image', 'must be an image reference'],
    [{ engine: 'podman' }, 'engine', 'Input \'engine\' must be one of docker|none, got "podman"'],
    [{ engine: 'none', framework: 'vllm or sglang' }, 'framework', 'must be one pytest marker name'],
    [{ engine: 'none', framework: 'not' }, 'framework', 'must be one pytest marker name'],
    [{ engine: 'none', markers: 'a\nb' }, 'markers', 'single line'],
    [
      { engine: 'none', 'forward-env': 'HF_TOKEN\nHF-TOKEN' },
      'forward-env',
      'Input \'forward-env\' must list environment variable names such as HF_TOKEN, got "HF-TOKEN"',
    ],
    [
      { engine: 'none', 'forward-env': 'HF_TOKEN=x' },
      'forward-env',
      'must list environment variable names such as HF_TOKEN, got "HF_TOKEN=x"',
    ],
    [
      { engine: 'none', 'forward-env': 'ACTIONS_RUNTIME_TOKEN' },
      'forward-env',
      "Input 'forward-env' names ACTIONS_RUNTIME_TOKEN, which belongs to the runner (action inputs and runner tokens never reach the tests); remove it",
    ],
    [{ engine: 'none', 'forward-env': 'INPUT_IMAGE' }, 'forward-env', 'names INPUT_IMAGE, which belongs to the runner'],
    [{ engine: 'none', gpus: '3' }, 'gpus', 'Input \'gpus\' must be one of 0|1|2|4|8|multi, got "3"'],
    [{ engine: 'none', lifecycle: 'weekly' }, 'lifecycle', 'must be one of pre_merge|post_merge|nightly'],
    [{ engine: 'none', arch: 'x86' }, 'arch', 'must be one of auto|amd64|arm64'],
    [{ engine: 'none', workers: '-2' }, 'workers', "Input 'workers' must be 0 (no xdist), auto, or a number"],
    [{ engine: 'none', 'shard-count': '2', 'shard-index': '2' }, 'shard-index', 'must be below shard-count (2)'],
    [{ engine: 'none', 'shard-count': '0' }, 'shard-count', 'must be between 1 and 256'],
    [{ engine: 'none', reruns: '9' }, 'reruns', 'must be between 0 and 5'],
    [{ engine: 'none', 'timeout-minutes': '0' }, 'timeout-minutes', 'must be above 0'],
    [{ engine: 'none', 'timeout-minutes': 'soon' }, 'timeout-minutes', 'must be a duration'],
    [{ engine: 'none', 'test-timeout': '5 minutes' }, 'test-timeout', 'must be a duration'],
    [{ engine: 'none', 'timeout-method': 'kill' }, 'timeout-method', 'must be one of auto|signal|thread'],
    [{ engine: 'none', 'fail-on-empty': 'maybe' }, 'fail-on-empty', 'must be true or false'],
    [{ engine: 'none', env: 'not a pair' }, 'env', "Input 'env' line 1 must be KEY=VALUE"],
    [{ engine: 'none', mounts: '/a:relative' }, 'mounts', 'HOST_PATH:/container/path[:ro]'],
    [{ engine: 'none', user: 'root; rm -rf /' }, 'user', 'must be image, runner, or uid[:gid]'],
    [{ engine: 'none', 'parallel-marker': 'a b' }, 'parallel-marker', 'must be one marker name'],
  ] as [Record<string, string>, string, string][])('%o is rejected naming %s', (values, input, message) => {
    let caught: unknown;
    try {
      parse(values);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).input).toBe(input);
    expect((caught as InputError).message).toContain(message);
  });

  it('reads mount lines with colons in the host path', () => {
    expect(parseMounts('/data/a:b:/x:ro')).toEqual([{ source: '/data/a:b', target: '/x', readOnly: true }]);
  });
});

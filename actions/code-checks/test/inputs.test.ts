import { InputError } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { parseInputs } from '../src/inputs.js';

const parse = (values: Record<string, string>) => parseInputs((name) => values[name], { temp: '/runner/temp' });

describe('parseInputs', () => {
  it('takes the defaults with engine none', () => {
    expect(parse({ checks: 'cargo-fmt\ncargo-clippy', engine: 'none' })).toEqual({
      checks: ['cargo-fmt', 'cargo-clippy'],
      engine: 'none',
      image: undefined,
      workingDirectory: '',
      containerWorkspace: '/workspace',
      cargo: { features: [], noDefaultFeatures: false },
      mypyTargets: [],
      goPackages: ['./...'],
      env: new Map(),
      dockerOptions: [],
      user: 'image',
      timeoutMs: 30 * 60_000,
      failFast: false,
      resultsDir: '/runner/temp/code-checks',
      maxAnnotations: 50,
    });
  });

  it('reads features, targets, packages, env and options', () => {
    const inputs = parse({
      checks: 'cargo-test, mypy, go-test',
      image: 'registry/dynamo:abc-dynamo-runtime-cuda12-amd64',
      'working-directory': './deploy/operator/',
      features: 'keep-org, llm/cuda',
      'no-default-features': 'true',
      'mypy-targets': 'components/src/dynamo\n-odd-dir',
      'go-packages': './internal/...',
      env: 'NATS_SERVER=nats://localhost:4222\nETCD_ENDPOINTS=http://localhost:2379',
      'docker-options': '--network=host\n--shm-size=1g',
      'timeout-minutes': '25',
    });
    expect(inputs).toMatchObject({
      engine: 'docker',
      workingDirectory: 'deploy/operator',
      cargo: { features: ['keep-org', 'llm/cuda'], noDefaultFeatures: true },
      mypyTargets: ['components/src/dynamo', '-odd-dir'],
      goPackages: ['./internal/...'],
      dockerOptions: ['--network=host', '--shm-size=1g'],
      timeoutMs: 25 * 60_000,
    });
    expect([...inputs.env.keys()]).toEqual(['NATS_SERVER', 'ETCD_ENDPOINTS']);
    expect(parse({ checks: 'cargo-test', engine: 'none', features: 'all' }).cargo.features).toBe('all');
  });

  it.each([
    [{}, 'checks', 'Input required and not supplied: checks'],
    [
      { checks: 'clippy' },
      'checks',
      `Input 'checks' must list checks among cargo-fmt|cargo-clippy|cargo-test|mypy|go-fmt|go-vet|go-test|pre-commit, got "clippy"`,
    ],
    [{ checks: 'mypy, mypy', engine: 'none' }, 'checks', "Input 'checks' names a check twice: mypy, mypy"],
    [{ checks: 'mypy' }, 'image', "Input 'image' is required when engine is docker"],
    [{ checks: 'mypy', engine: 'podman' }, 'engine', `Input 'engine' must be one of docker|none, got "podman"`],
    [
      { checks: 'mypy', image: '--privileged' },
      'image',
      `Input 'image' must be an image reference like repo/name:tag, got "--privileged"`,
    ],
    [{ checks: 'mypy', engine: 'none', 'working-directory': '../other' }, 'working-directory', `got "../other"`],
    [{ checks: 'mypy', engine: 'none', 'working-directory': '/etc' }, 'working-directory', `got "/etc"`],
    [
      { checks: 'mypy', engine: 'none', 'container-workspace': 'work' },
      'container-workspace',
      'must be an absolute path other than /',
    ],
    [
      { checks: 'cargo-test', engine: 'none', features: 'all, x' },
      'features',
      "Input 'features' is either all or a list of feature names, got all, x",
    ],
    [
      { checks: 'cargo-test', engine: 'none', features: 'a b' },
      'features',
      `Input 'features' must list cargo feature names, got "a b"`,
    ],
    [
      { checks: 'go-test', engine: 'none', 'go-packages': '-exec=sh' },
      'go-packages',
      `Input 'go-packages' must list package patterns like ./..., got "-exec=sh"`,
    ],
    [{ checks: 'mypy', engine: 'none', env: 'not a pair' }, 'env', "Input 'env' line 1 must be KEY=VALUE"],
    [
      { checks: 'mypy', engine: 'none', env: 'A.B=1' },
      'env',
      `Input 'env' names must be environment variable names (letters, digits, _), got "A.B"`,
    ],
    [
      { checks: 'mypy', engine: 'none', user: 'root; rm' },
      'user',
      `Input 'user' must be image, runner, or uid[:gid], got "root; rm"`,
    ],
    [
      { checks: 'mypy', engine: 'none', 'timeout-minutes': '0' },
      'timeout-minutes',
      "Input 'timeout-minutes' must be above 0",
    ],
    [
      { checks: 'mypy', engine: 'none', 'max-annotations': '-1' },
      'max-annotations',
      "Input 'max-annotations' must be between 0 and 1000, got -1",
    ],
  ])('refuses %j naming %s', (values, input, message) => {
    let error: unknown;
    try {
      parse(values as Record<string, string>);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(input);
    expect((error as InputError).message).toContain(message);
  });
});

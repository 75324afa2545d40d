import { describe, expect, it } from 'vitest';
import { containerName, dockerRunArgv, mountSpec } from '../src/docker.js';

describe('dockerRunArgv', () => {
  it('mounts the checkout, works in the project folder, passes env names only', () => {
    expect(
      dockerRunArgv({
        image: 'registry/dynamo:abc-dynamo-runtime-cuda12-amd64',
        name: 'code-checks-1-1-rust-checks-0-cargo-fmt',
        workspace: '/runner/_work/dynamo/dynamo',
        containerWorkspace: '/workspace',
        workingDirectory: 'lib',
        user: '1001:121',
        envNames: ['NATS_SERVER', 'CARGO_TERM_COLOR'],
        options: ['--network=host'],
        argv: ['cargo', 'fmt', '--all', '--check'],
      }),
    ).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'code-checks-1-1-rust-checks-0-cargo-fmt',
      '--mount',
      'type=bind,source=/runner/_work/dynamo/dynamo,target=/workspace',
      '--workdir',
      '/workspace/lib',
      '--user',
      '1001:121',
      '--env',
      'NATS_SERVER',
      '--env',
      'CARGO_TERM_COLOR',
      '--network=host',
      'registry/dynamo:abc-dynamo-runtime-cuda12-amd64',
      'cargo',
      'fmt',
      '--all',
      '--check',
    ]);
  });

  it('keeps the image user and the mount root when not told otherwise', () => {
    const args = dockerRunArgv({
      image: 'i',
      name: 'n',
      workspace: '/w',
      containerWorkspace: '/src',
      workingDirectory: '',
      envNames: [],
      options: [],
      argv: ['mypy'],
    });
    expect(args).toEqual([
      'run',
      '--rm',
      '--init',
      '--name',
      'n',
      '--mount',
      'type=bind,source=/w,target=/src',
      '--workdir',
      '/src',
      'i',
      'mypy',
    ]);
  });

  it('quotes mount fields with commas and quotes, and names containers the way docker accepts', () => {
    expect(mountSpec('/w/a,b "c"', '/workspace')).toBe('type=bind,"source=/w/a,b ""c""",target=/workspace');
    expect(containerName(['code-checks', 42, 1, 'rust checks/x', 0, 'cargo-fmt'])).toBe(
      'code-checks-42-1-rust-checks-x-0-cargo-fmt',
    );
    expect(containerName(['--', '!'])).toBe('code-checks');
  });
});

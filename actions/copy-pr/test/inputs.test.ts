import { InputError } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { type Inputs, parseBranchPrefix, parseCommand, parseInputs, parseTeam } from '../src/inputs.js';

const parse = (raw: Record<string, string>): Inputs => parseInputs((name) => raw[name], 'ai-dynamo');

describe('parseInputs', () => {
  it('applies the defaults', () => {
    expect(parse({ token: 't' })).toEqual({
      token: 't',
      trustedPermission: 'write',
      trustedTeams: [],
      requireSigned: true,
      branchPrefix: 'pull-request/',
      command: '/ok to test',
    });
  });

  it('reads every input', () => {
    expect(
      parse({
        token: 't',
        'trusted-permission': 'maintain',
        'trusted-teams': 'core\nnvidia/ci-admins, ',
        'require-signed': 'false',
        'branch-prefix': 'ci/pr-',
        command: '  /test   this ',
      }),
    ).toMatchObject({
      trustedPermission: 'maintain',
      trustedTeams: [
        { org: 'ai-dynamo', slug: 'core' },
        { org: 'nvidia', slug: 'ci-admins' },
      ],
      requireSigned: false,
      branchPrefix: 'ci/pr-',
      command: '/test this',
    });
  });
});

describe('bad inputs name the input', () => {
  it.each([
    [() => parseBranchPrefix('refs/heads/x'), 'branch-prefix'],
    [() => parseBranchPrefix('a..b/'), 'branch-prefix'],
    [() => parseBranchPrefix('-x/'), 'branch-prefix'],
    [() => parseBranchPrefix('pr~1/'), 'branch-prefix'],
    [() => parseBranchPrefix('pr\n/'), 'branch-prefix'],
    [() => parseCommand('/ok\nto test'), 'command'],
    [() => parseCommand('x'.repeat(101)), 'command'],
    [() => parseTeam('a/b/c', 'o'), 'trusted-teams'],
    [() => parseTeam('@team', 'o'), 'trusted-teams'],
    [() => parse({ token: 't', 'trusted-permission': 'read' }), 'trusted-permission'],
    [() => parse({}), 'token'],
    [() => parse({ token: 't', 'app-id': '1' }), 'app-private-key'],
    [() => parse({ token: 't', 'app-private-key': 'k' }), 'app-id'],
    [
      () => parse({ token: 't', 'app-id': '1', 'app-private-key': '-----BEGIN RSA PRIVATE KEY-----\\nxx' }),
      'app-private-key',
    ],
  ])('%#', (call, input) => {
    try {
      call();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe(input);
      expect((error as Error).message).toContain(input);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { createTrustLookup, untrustedNote } from '../src/accounts.js';
import type { TeamAnswer } from '../src/github.js';
import type { PermissionLevel } from '../src/trust.js';

function port(roles: Record<string, PermissionLevel>, teams: Record<string, TeamAnswer>) {
  const calls: string[] = [];
  return {
    calls,
    async permission(user: string) {
      calls.push(`permission ${user}`);
      return roles[user] ?? 'none';
    },
    async teamMembership(team: { org: string; slug: string }, user: string) {
      calls.push(`team ${team.slug} ${user}`);
      return teams[`${team.slug}/${user}`] ?? 'not-member';
    },
  };
}

describe('createTrustLookup', () => {
  const inputs = {
    trustedPermission: 'maintain' as const,
    trustedTeams: [
      { org: 'o', slug: 'core' },
      { org: 'o', slug: 'secret' },
    ],
  };

  it('trusts the role or a team, and asks about each account once', async () => {
    const fake = port({ boss: 'admin', dev: 'write' }, { 'core/dev': 'member' });
    const trust = createTrustLookup(inputs, fake, []);
    const answers = await Promise.all(['boss', 'dev', 'dev', 'stranger', 'boss', ''].map((login) => trust(login)));
    expect(answers.map((answer) => answer.trusted)).toEqual([true, true, true, false, true, false]);
    expect(fake.calls).toEqual([
      'permission boss',
      'permission dev',
      'permission stranger',
      'team core dev',
      'team core stranger',
      'team secret stranger',
    ]);
  });

  it('fails closed on a team it cannot read, and warns once per team', async () => {
    const warnings: string[] = [];
    const trust = createTrustLookup(inputs, port({}, { 'secret/a': 'unknown', 'secret/b': 'unknown' }), warnings);
    expect((await trust('a')).trusted).toBe(false);
    expect((await trust('b')).trusted).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('Could not read the membership of o/secret')]);
  });

  it('says why an account is not trusted', () => {
    expect(untrustedNote({ trusted: false, role: 'write' }, inputs)).toBe(
      'role write, maintain or more needed and in none of the trusted teams',
    );
    expect(untrustedNote({ trusted: false, role: 'none' }, { ...inputs, trustedTeams: [] })).toBe(
      'role none, maintain or more needed',
    );
  });
});

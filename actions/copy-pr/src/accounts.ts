/**
 * Whether GitHub accounts are trusted: a repository role of `trusted-permission` or more (the
 * collaborator permission API), or active membership in one of `trusted-teams`. Each account is
 * looked up once per run, however many commits name it.
 */
import type { GatePort } from './github.js';
import type { Inputs } from './inputs.js';
import { atLeast, type PermissionLevel } from './trust.js';

export interface Standing {
  trusted: boolean;
  role: PermissionLevel;
}

export type TrustLookup = (login: string) => Promise<Standing>;

export function createTrustLookup(
  inputs: Pick<Inputs, 'trustedPermission' | 'trustedTeams'>,
  port: Pick<GatePort, 'permission' | 'teamMembership'>,
  warnings: string[],
): TrustLookup {
  const standings = new Map<string, Promise<Standing>>();
  const unreadable = new Set<string>();
  const lookUp = async (login: string): Promise<Standing> => {
    // A deleted account (GitHub's "ghost") has no login to look up.
    if (!login) return { trusted: false, role: 'none' };
    const role = await port.permission(login);
    if (atLeast(role, inputs.trustedPermission)) return { trusted: true, role };
    for (const team of inputs.trustedTeams) {
      const answer = await port.teamMembership(team, login);
      if (answer === 'member') return { trusted: true, role };
      const name = `${team.org}/${team.slug}`;
      if (answer === 'unknown' && !unreadable.has(name)) {
        unreadable.add(name);
        warnings.push(
          `Could not read the membership of ${name}: the token needs the organization "Members: read" ` +
            'permission (GITHUB_TOKEN never has it). Its members were treated as not members.',
        );
      }
    }
    return { trusted: false, role };
  };
  return (login) => {
    let standing = standings.get(login);
    if (!standing) {
      standing = lookUp(login);
      standings.set(login, standing);
    }
    return standing;
  };
}

/** Why an account is not trusted, for the comment: its role and what would have been enough. */
export function untrustedNote(standing: Standing, inputs: Pick<Inputs, 'trustedPermission' | 'trustedTeams'>): string {
  const teams = inputs.trustedTeams.length > 0 ? ' and in none of the trusted teams' : '';
  return `role ${standing.role}, ${inputs.trustedPermission} or more needed${teams}`;
}

/** `intake` is a monitoring system's token (Alertmanager, an events sender): it may post alerts and nothing else. */
export const ROLES = ['commander', 'responder', 'manager', 'auditor', 'admin', 'intake'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from their bearer token. */
export interface Caller {
  person: string;
  teams: string[];
  roles: Role[];
  tokenId: string;
  /** A simulated responder (demo, rehearsals): their token says so, and everything they do is marked. */
  simulated?: boolean;
  /** The request's source address, kept in the audit trail with the token id. */
  ip?: string;
}

export const hasRole = (c: Caller, ...roles: Role[]) => roles.some((r) => c.roles.includes(r));
export const inTeam = (c: Caller, team: string) => c.teams.includes(team);

import type { Actor } from '../../../../workflows/definitions';
import type { AuditSubject, AuditTrail } from './audit-trail';
import type { Caller } from './caller';

/** The caller as the workflow sees them: simulated only when their token is a simulated responder's. */
export function actorOf(caller: Caller): Actor {
  return { person: caller.person, teams: caller.teams, roles: caller.roles, simulated: caller.simulated || undefined, tokenId: caller.tokenId, ip: caller.ip };
}

/**
 * The caller as the workflow sees them, when the request also says `simulated`: a real person's token
 * cannot pass its actions off as a simulated responder's (403, audited).
 */
export async function actorClaiming(audit: AuditTrail, caller: Caller, simulated: boolean | undefined, action: string, subject: AuditSubject): Promise<Actor> {
  if (simulated && !caller.simulated) {
    throw await audit.forbid(caller, action, subject, `only a simulated responder's token can act as simulated; ${caller.person}'s token is a real person's`);
  }
  return actorOf(caller);
}

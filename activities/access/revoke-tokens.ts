// Revokes the Yingji API tokens of named people and teams for an incident. verifyToken reads the
// token's row on every call, so a revoked token gets 401 at its next request.
import type { DataSource } from 'typeorm';
import { revokeTokenIn } from '../../apps/api/src/auth/token-store';

export interface TokenRevocation {
  /** Revoked now, by this step: id and holder. */
  revoked: Array<{ id: string; person: string }>;
  /** Already revoked before (by this step on an earlier try, or by someone else). */
  alreadyRevoked: Array<{ id: string; person: string }>;
  /** Kept: the tokens of the person who launched the incident (see below). */
  kept: Array<{ id: string; person: string }>;
  /** Named people who hold no token at all (a typo, or an account outside Yingji). */
  noToken: string[];
}

/**
 * The incident's launcher keeps their tokens: the plan's automation needs none (the worker talks to
 * PostgreSQL and Temporal directly), but without them nobody may be left to steer the incident
 * (`teams: [security]` would take the commander's own). They are named in the outcome, to be
 * revoked by hand (`yingji token revoke`) once someone else commands.
 */
export async function revokeTokens(
  ds: DataSource,
  by: { incidentId: string; stepId: string },
  who: { principals?: string[] | 'all'; teams?: string[] },
): Promise<TokenRevocation> {
  const actor = `incident ${by.incidentId}`;
  return ds.transaction(async (em) => {
    const [incident] = (await em.query(`SELECT launched_by FROM incidents WHERE id = $1`, [by.incidentId])) as Array<{ launched_by: string }>;
    // `launched_by` may carry a note (`zhang-wei (schedule)`): the person is its first word.
    const launcher = incident?.launched_by.split(' ')[0];
    const all = who.principals === 'all';
    const people = Array.isArray(who.principals) ? who.principals : [];
    const rows = (await em.query(
      `SELECT id, person, revoked_at FROM api_tokens WHERE $1 OR person = ANY($2) OR teams && $3::text[] ORDER BY created_at, id FOR UPDATE`,
      [all, people, who.teams ?? []],
    )) as Array<{ id: string; person: string; revoked_at: Date | null }>;
    const out: TokenRevocation = { revoked: [], alreadyRevoked: [], kept: [], noToken: people.filter((p) => !rows.some((r) => r.person === p)) };
    for (const r of rows) {
      const t = { id: r.id, person: r.person };
      if (r.revoked_at) out.alreadyRevoked.push(t);
      else if (r.person === launcher) out.kept.push(t);
      else {
        // Rows are locked FOR UPDATE above, so a token seen unrevoked is revoked here.
        await revokeTokenIn(em, r.id, { actor, key: `${by.incidentId}.${by.stepId}.token.${r.id}`, detail: { person: r.person, incident: by.incidentId, step: by.stepId } });
        out.revoked.push(t);
      }
    }
    return out;
  });
}

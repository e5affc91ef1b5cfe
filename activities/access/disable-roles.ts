// Takes database login roles out of the invoice database's server: NOLOGIN first (nobody can
// reconnect), then the role's open sessions are ended. Roles are server-wide in PostgreSQL, so this
// acts on every database of that server, which is why a drill never does it (revoke-action.ts).
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { withDatabase } from '../invoices/database';
import { appendAudit } from '../records/audit-log';

export interface RoleResult {
  role: string;
  /** disabled: could log in until now; already: could not log in before; sessions-only: only its sessions were ended. */
  state: 'disabled' | 'already' | 'sessions-only' | 'missing' | 'refused';
  sessionsEnded: number;
  why?: string;
}

export async function disableRoles(
  ds: DataSource,
  invoiceUrl: string,
  by: { incidentId: string; stepId: string },
  roles: string[],
  what: { nologin: boolean },
): Promise<RoleResult[]> {
  // Yingji's own logins (to the invoice database and to its own): disabling one would stop every
  // restore, backup, sync or record.
  const yingji = ((await ds.query(`SELECT current_user AS u`)) as Array<{ u: string }>)[0].u;
  return withDatabase(invoiceUrl, async (db) => {
    const self = ((await db.query(`SELECT current_user AS u`)).rows[0] as { u: string }).u;
    const out: RoleResult[] = [];
    for (const role of roles) {
      if (role === self || role === yingji) {
        out.push({ role, state: 'refused', sessionsEnded: 0, why: `database role ${role} is one Yingji itself connects as; change its password by hand and update the deployment's database URL` });
        continue;
      }
      try {
        out.push(await disableRole(ds, db, by, role, what));
      } catch (e) {
        // 42501 insufficient_privilege: Yingji's login may not alter that role or end its sessions.
        if ((e as { code?: string }).code !== '42501') throw e;
        out.push({ role, state: 'refused', sessionsEnded: 0, why: `database role ${role}: Yingji's login ${self} is not allowed to (${(e as Error).message}); a database administrator must do it` });
      }
    }
    return out;
  });
}

async function disableRole(ds: DataSource, db: Client, by: { incidentId: string; stepId: string }, role: string, what: { nologin: boolean }): Promise<RoleResult> {
  const found = (await db.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = $1`, [role])).rows[0] as { rolcanlogin: boolean } | undefined;
  if (!found) return { role, state: 'missing', sessionsEnded: 0, why: `database role ${role} does not exist on the invoice database's server` };
  const state: RoleResult['state'] = what.nologin ? (found.rolcanlogin ? 'disabled' : 'already') : 'sessions-only';
  if (state === 'disabled') await db.query(`ALTER ROLE ${db.escapeIdentifier(role)} NOLOGIN`);
  const ended = (await db.query(`SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`, [role]))
    .rows[0] as { n: number };
  await ds.transaction((em) =>
    appendAudit(em, {
      key: `${by.incidentId}.${by.stepId}.db-role.${role}`,
      at: new Date(),
      actor: `incident ${by.incidentId}`,
      action: what.nologin ? 'db-role.nologin' : 'db-role.end-sessions',
      subjectType: 'db-role',
      subjectId: role,
      outcome: 'ok',
      detail: { couldLogIn: found.rolcanlogin, sessionsEnded: ended.n, incident: by.incidentId, step: by.stepId },
    }),
  );
  return { role, state, sessionsEnded: ended.n };
}

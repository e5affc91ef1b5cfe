// Exactly-once checks over the read models, counted on what could repeat: the columns a second
// delivery or a second execution of an effect would share with the first, never a key that is
// unique by construction (a primary key or an event key cannot repeat, so grouping on it proves
// nothing).
import type { DataSource } from 'typeorm';
import { queryUrl } from './databases';

/** Rows about the incident: its own id, or an id built from it (tasks, steps, notifications). */
const ABOUT = (col: string) => `left(${col}, length($1)) = $1`;

/**
 * Notifications delivered more than once: one row per (reason, channel, recipient) at most. Each row
 * lists its recipients, so a second row for the same reason and channel names the same people again.
 * Returns "reason/channel → person ×n" lines (empty when every delivery happened once).
 */
export async function duplicateDeliveries(db: DataSource, incidentId: string): Promise<string[]> {
  const rows: Array<{ reason: string; channel: string; recipient: string; n: number }> = await db.query(
    `SELECT n.reason, n.channel, coalesce(r->>'person', '(no recipient)') AS recipient, count(*)::int AS n
       FROM notifications n LEFT JOIN LATERAL jsonb_array_elements(n.recipients) r ON true
      WHERE n.incident_id = $1
      GROUP BY 1, 2, 3 HAVING count(*) > 1 ORDER BY 1, 2, 3`,
    [incidentId],
  );
  return rows.map((r) => `${r.reason}/${r.channel} → ${r.recipient} ×${r.n}`);
}

/**
 * Timeline entries that happened twice: one entry per (kind, what it is about) — the step, task,
 * stage or escalation rule; for notifications the reason and channel. Notes are left out (a person
 * may add as many as they like), and so are level overrides (a commander may override twice).
 */
export async function duplicateTimelineEntries(db: DataSource, incidentId: string): Promise<string[]> {
  const rows: Array<{ kind: string; about: string; n: number }> = await db.query(
    `SELECT kind, about, count(*)::int AS n FROM (
       SELECT kind, CASE WHEN kind LIKE 'notification.%' THEN concat_ws('/', data->>'reason', data->>'channel')
                         ELSE concat_ws('/', task_id, data->>'stepId', data->>'stage', data->>'rule') END AS about
         FROM timeline_entries
        WHERE incident_id = $1 AND kind NOT IN ('incident.note', 'incident.level-overridden')) e
      GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2`,
    [incidentId],
  );
  return rows.map((r) => `${r.kind} ${r.about || '(incident)'} ×${r.n}`);
}

/**
 * Audit entries written twice for one effect: one successful entry per (action, subject) — the
 * subject, and for stages the stage, for escalations the rule, for notifications the reason and
 * channel (a second delivery would get a new notification id, so the id is not what repeats).
 */
export async function duplicateAuditEntries(db: DataSource, incidentId: string): Promise<string[]> {
  const rows: Array<{ action: string; about: string; n: number }> = await db.query(
    `SELECT action, about, count(*)::int AS n FROM (
       SELECT action, CASE WHEN action = 'notification.send' THEN concat_ws('/', detail->>'reason', detail->>'channel')
                           ELSE concat_ws('/', subject_type, subject_id, detail->>'stage', detail->>'rule') END AS about
         FROM audit_entries
        WHERE outcome = 'ok' AND (${ABOUT('subject_id')} OR ${ABOUT('coalesce(event_key, \'\')')})
          AND action NOT IN ('incident.note', 'incident.override')) a
      GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2`,
    [incidentId],
  );
  return rows.map((r) => `${r.action} ${r.about} ×${r.n}`);
}

/** Steps that did not end exactly once (step.done or step.skipped per step), as "step ×n". */
export async function stepsNotEndedOnce(db: DataSource, incidentId: string, stepIds: string[]): Promise<string[]> {
  const rows: Array<{ step: string; n: number }> = await db.query(
    `SELECT data->>'stepId' AS step, count(*)::int AS n FROM timeline_entries
      WHERE incident_id = $1 AND kind IN ('step.done', 'step.skipped') GROUP BY 1`,
    [incidentId],
  );
  const ends = new Map(rows.map((r) => [r.step, r.n]));
  return stepIds.filter((s) => ends.get(s) !== 1).map((s) => `${s} ×${ends.get(s) ?? 0}`);
}

/**
 * A digest of a whole database: its tables and columns, and every row of every table (in a fixed
 * order), so "untouched" means byte-identical contents, not merely "still there".
 */
export async function databaseChecksum(url: string): Promise<Record<string, string>> {
  const tables = await queryUrl<{ name: string }>(url, `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`);
  const [schema] = await queryUrl<{ d: string }>(
    url,
    `SELECT md5(string_agg(concat_ws(':', table_name, column_name, data_type, is_nullable, column_default), '|' ORDER BY table_name, ordinal_position)) AS d
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  const out: Record<string, string> = { '(schema)': schema.d };
  for (const { name } of tables) {
    const [r] = await queryUrl<{ n: string; d: string | null }>(url, `SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS d FROM "${name}" t`);
    out[name] = `${r.n} rows ${r.d ?? '-'}`;
  }
  return out;
}

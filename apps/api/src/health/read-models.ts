// What /metrics reports from the read models in PostgreSQL, read at scrape time: every API instance
// answers the same, and a restarted API loses nothing.
import type { DataSource } from 'typeorm';

/** Incident states after which an incident (and its tasks) no longer counts as open. */
const ENDED = `('closed', 'failed')`;

export interface Counted {
  n: number;
}

export interface ReadModelSnapshot {
  incidentsOpen: Array<Counted & { level: string; mode: string }>;
  tasks: Array<{ team: string; mode: string; open: number; overdue: number }>;
  escalations: Array<Counted & { mode: string }>;
  notifications: Array<Counted & { channel: string; status: string }>;
  deliveries: Array<Counted & { channel: string; status: string }>;
  alerts: Array<{ source: string; received: number; deduplicated: number }>;
  recoveryTest: { lastSuccess?: number; lastRun?: number; lastOk?: boolean; failed: number };
  /** The newest completed (or verified) backup's point in time, and its age by the database's clock. */
  backup: { lastAt?: number; ageSeconds?: number };
}

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

export async function readModelSnapshot(db: DataSource): Promise<ReadModelSnapshot> {
  // One after the other: a scrape holds one pooled connection at a time.
  const incidentsOpen = await db.query(`
    SELECT coalesce(level, 'unclassified') AS level, mode, count(*)::int AS n
      FROM incidents WHERE state NOT IN ${ENDED} GROUP BY 1, 2 ORDER BY 1, 2`);
  const tasks = await db.query(`
    SELECT t.team, i.mode, count(*)::int AS open, (count(*) FILTER (WHERE t.deadline_at < now()))::int AS overdue
      FROM tasks t JOIN incidents i ON i.id = t.incident_id
     WHERE t.state NOT IN ('done', 'skipped') AND i.state NOT IN ${ENDED}
     GROUP BY 1, 2 ORDER BY 1, 2`);
  const escalations = await db.query(`
    SELECT i.mode, count(*)::int AS n
      FROM timeline_entries e JOIN incidents i ON i.id = e.incident_id
     WHERE e.kind = 'task.escalated' GROUP BY 1 ORDER BY 1`);
  const notifications = await db.query(`SELECT channel, status, count(*)::int AS n FROM notifications GROUP BY 1, 2 ORDER BY 1, 2`);
  const deliveries = await db.query(`SELECT channel, status, count(*)::int AS n FROM deliveries GROUP BY 1, 2 ORDER BY 1, 2`);
  const alerts = await alertCounts(db);
  const [rt] = await db.query(`
    SELECT (SELECT extract(epoch FROM max(finished_at)) FROM recovery_tests WHERE ok) AS "lastSuccess",
           (SELECT count(*) FROM recovery_tests WHERE ok = false) AS "failed",
           last.ok AS "lastOk", extract(epoch FROM last.finished_at) AS "lastRun"
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT ok, finished_at FROM recovery_tests WHERE ok IS NOT NULL ORDER BY finished_at DESC NULLS LAST, started_at DESC LIMIT 1) last ON true`);
  const [backup] = await db.query(`
    SELECT extract(epoch FROM max(point_in_time)) AS "lastAt", extract(epoch FROM now() - max(point_in_time)) AS "ageSeconds"
      FROM backup_catalog WHERE status IN ('completed', 'verified')`);
  return {
    incidentsOpen,
    tasks,
    escalations,
    notifications,
    deliveries,
    alerts,
    recoveryTest: { lastSuccess: num(rt.lastSuccess), lastRun: num(rt.lastRun), lastOk: rt.lastOk ?? undefined, failed: Number(rt.failed) },
    backup: { lastAt: num(backup.lastAt), ageSeconds: num(backup.ageSeconds) },
  };
}

/**
 * Alerts received and deduplicated per source, from the alert intake's `alert_occurrences` (one row
 * per occurrence, `seen` counting each arrival: repeats, an Events acknowledge or resolve): received
 * = every arrival, deduplicated = arrivals that found their occurrence already stored.
 */
function alertCounts(db: DataSource): Promise<ReadModelSnapshot['alerts']> {
  return db.query(`
    SELECT source, sum(seen)::float8 AS received, (sum(seen) - count(*))::float8 AS deduplicated
      FROM alert_occurrences GROUP BY 1 ORDER BY 1`);
}

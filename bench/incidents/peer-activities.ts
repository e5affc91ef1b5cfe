// The fair peer's one activity: one row in PostgreSQL (the Yingji database, in a schema of the bench's own).
import type { DataSource } from 'typeorm';

export const PEER_SCHEMA = [
  'CREATE SCHEMA IF NOT EXISTS bench',
  `CREATE TABLE IF NOT EXISTS bench.peer_tasks (
  incident_id text NOT NULL, kind text NOT NULL, state text NOT NULL DEFAULT 'open', created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (incident_id, kind))`,
];
export const DROP_PEER_SCHEMA = 'DROP SCHEMA IF EXISTS bench CASCADE';

export function peerActivities(db: DataSource) {
  return {
    /** Idempotent, as Yingji's record activities are: a retry writes nothing twice. */
    async writeRow(incidentId: string, kind: 'task' | 'review'): Promise<void> {
      await db.query(`INSERT INTO bench.peer_tasks (incident_id, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [incidentId, kind]);
    },
  };
}

export type PeerActivities = ReturnType<typeof peerActivities>;

import type { EntityManager } from 'typeorm';
import { appendAudit, AuditRecord } from './audit-log';

export interface TimelineEvent {
  /** Idempotency key, unique per incident event (e.g. `inc-1:task-completed:inc-1.isolate`). */
  key: string;
  incidentId: string;
  at: Date;
  kind: string;
  actor: string;
  simulated?: boolean;
  taskId?: string;
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Writes one incident event to the timeline and its audit entry, once: a retried activity finds
 * the key already there and writes nothing.
 */
export async function recordEvent(
  em: EntityManager,
  e: TimelineEvent,
  audit: Pick<AuditRecord, 'action' | 'subjectType' | 'subjectId'> & { detail?: Record<string, unknown> },
): Promise<boolean> {
  const inserted: unknown[] = await em.query(
    `INSERT INTO timeline_entries (event_key, incident_id, at, kind, actor, simulated, task_id, message, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (event_key) DO NOTHING RETURNING id`,
    [e.key, e.incidentId, e.at, e.kind, e.actor, e.simulated ?? false, e.taskId ?? null, e.message, JSON.stringify(e.data ?? {})],
  );
  if (inserted.length === 0) return false;
  await appendAudit(em, {
    key: e.key,
    at: e.at,
    actor: e.actor,
    action: audit.action,
    subjectType: audit.subjectType,
    subjectId: audit.subjectId,
    outcome: 'ok',
    detail: { ...(audit.detail ?? {}), ...(e.simulated ? { simulated: true } : {}) },
  });
  return true;
}

import type { DataSource } from 'typeorm';
import { recordEvent } from './timeline';

export interface IncidentOpened {
  incidentId: string;
  planId: string;
  planVersion: number;
  title: string;
  mode: string;
  facts: Record<string, unknown>;
  launchedBy: string;
  at: string;
}

export interface IncidentClassified {
  incidentId: string;
  level: string;
  reason: string;
  at: string;
}

export interface TaskOpened {
  taskId: string;
  incidentId: string;
  stepId: string;
  title: string;
  stepType: string;
  ownerRole: string;
  team: string;
  checklist: string[];
  deadlineAt?: string;
  at: string;
}

export interface TaskCompleted {
  taskId: string;
  incidentId: string;
  by: string;
  simulated: boolean;
  outcome?: string;
  note?: string;
  at: string;
}

export interface IncidentClosed {
  incidentId: string;
  by: string;
  at: string;
}

/**
 * Activities that keep PostgreSQL's read models (incidents, tasks, timeline, audit) in step with
 * the workflow. Each runs in one transaction and is idempotent: a retry writes nothing twice.
 */
export function createRecordActivities(ds: DataSource) {
  return {
    async recordIncidentOpened(i: IncidentOpened): Promise<void> {
      await ds.transaction(async (em) => {
        await em.query(
          `INSERT INTO incidents (id, plan_id, plan_version, title, mode, state, stage, facts, launched_by, opened_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'open', 'classify', $6, $7, $8, $8)
           ON CONFLICT (id) DO NOTHING`,
          [i.incidentId, i.planId, i.planVersion, i.title, i.mode, JSON.stringify(i.facts), i.launchedBy, i.at],
        );
        await recordEvent(
          em,
          {
            key: `${i.incidentId}:opened`,
            incidentId: i.incidentId,
            at: new Date(i.at),
            kind: 'incident.opened',
            actor: i.launchedBy,
            message: `Incident opened from plan ${i.planId} v${i.planVersion} (${i.mode})`,
            data: { facts: i.facts },
          },
          { action: 'incident.open', subjectType: 'incident', subjectId: i.incidentId, detail: { planId: i.planId, planVersion: i.planVersion } },
        );
      });
    },

    async recordIncidentClassified(c: IncidentClassified): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${c.incidentId}:classified`,
            incidentId: c.incidentId,
            at: new Date(c.at),
            kind: 'incident.classified',
            actor: 'yingji',
            message: `Classified as level ${c.level}: ${c.reason}`,
            data: { level: c.level },
          },
          { action: 'incident.classify', subjectType: 'incident', subjectId: c.incidentId, detail: { level: c.level } },
        );
        if (fresh) {
          await em.query(`UPDATE incidents SET level = $2, level_reason = $3, stage = 'act', updated_at = $4 WHERE id = $1`, [
            c.incidentId,
            c.level,
            c.reason,
            c.at,
          ]);
        }
      });
    },

    async recordTaskOpened(t: TaskOpened): Promise<void> {
      await ds.transaction(async (em) => {
        await em.query(
          `INSERT INTO tasks (id, incident_id, step_id, title, step_type, owner_role, team, state, checklist, deadline_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10)
           ON CONFLICT (id) DO NOTHING`,
          [t.taskId, t.incidentId, t.stepId, t.title, t.stepType, t.ownerRole, t.team, JSON.stringify(t.checklist), t.deadlineAt ?? null, t.at],
        );
        await recordEvent(
          em,
          {
            key: `${t.incidentId}:task-opened:${t.taskId}`,
            incidentId: t.incidentId,
            at: new Date(t.at),
            kind: 'task.opened',
            actor: 'yingji',
            taskId: t.taskId,
            message: `Task "${t.title}" assigned to team ${t.team}${t.deadlineAt ? `, due ${t.deadlineAt}` : ''}`,
            data: { team: t.team, ownerRole: t.ownerRole, deadlineAt: t.deadlineAt },
          },
          { action: 'task.open', subjectType: 'task', subjectId: t.taskId, detail: { team: t.team } },
        );
      });
    },

    async recordTaskCompleted(t: TaskCompleted): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${t.incidentId}:task-completed:${t.taskId}`,
            incidentId: t.incidentId,
            at: new Date(t.at),
            kind: 'task.completed',
            actor: t.by,
            simulated: t.simulated,
            taskId: t.taskId,
            message: `Task completed by ${t.by}${t.simulated ? ' (simulated responder)' : ''}${t.outcome ? `: ${t.outcome}` : ''}`,
            data: { outcome: t.outcome, note: t.note },
          },
          { action: 'task.complete', subjectType: 'task', subjectId: t.taskId, detail: { outcome: t.outcome } },
        );
        if (fresh) {
          await em.query(
            `UPDATE tasks SET state = 'done', completed_at = $2, completed_by = $3, simulated = $4, outcome = $5, note = $6 WHERE id = $1`,
            [t.taskId, t.at, t.by, t.simulated, t.outcome ?? null, t.note ?? null],
          );
        }
      });
    },

    async recordIncidentClosed(c: IncidentClosed): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${c.incidentId}:closed`,
            incidentId: c.incidentId,
            at: new Date(c.at),
            kind: 'incident.closed',
            actor: c.by,
            message: 'Incident closed',
          },
          { action: 'incident.close', subjectType: 'incident', subjectId: c.incidentId },
        );
        if (fresh) {
          await em.query(`UPDATE incidents SET state = 'closed', stage = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1`, [c.incidentId, c.at]);
        }
      });
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;

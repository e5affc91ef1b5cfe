import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../records/audit-log';

// A routine task (例行任务) is work for a team outside any incident: the scheduled access review,
// a failing compliance check. Its key says what it is about; a key has at most one open task.

export interface RoutineTaskInput {
  key: string;
  kind: string;
  team: string;
  title: string;
  detail: Record<string, unknown>;
  dueAt?: Date;
}

export interface RoutineTask {
  id: string;
  key: string;
  kind: string;
  team: string;
  title: string;
  detail: Record<string, unknown>;
  state: 'open' | 'closed';
  openedAt: Date;
  dueAt: Date | null;
  closedAt: Date | null;
  closedBy: string | null;
  outcome: string | null;
}

/** The actor of entries the system writes by itself. */
const SYSTEM = 'yingji';

/** `rt-20261202-k3m9qx`: the day it opened, then six random letters and digits. */
export function routineTaskId(now = new Date()): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `rt-${day}-${[...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** Runs in the caller's transaction when given an EntityManager, else in a new one. */
function inTransaction<T>(db: DataSource | EntityManager, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return 'manager' in db ? db.transaction(fn) : fn(db);
}

/**
 * Opens a task for a team. Idempotent: when a task with the same key is open, it is returned as it
 * is (created false), so a retried activity or a repeated schedule does not open a second one.
 */
export async function openRoutineTask(db: DataSource | EntityManager, t: RoutineTaskInput): Promise<{ id: string; created: boolean }> {
  if (!t.key.trim()) throw new Error('a routine task needs a key');
  if (!t.team.trim()) throw new Error(`routine task "${t.key}" needs a team`);
  return inTransaction(db, async (em) => {
    const id = routineTaskId();
    const inserted: Array<{ id: string }> = await em.query(
      `INSERT INTO routine_tasks (id, key, kind, team, title, detail, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (key) WHERE state = 'open' DO NOTHING RETURNING id`,
      [id, t.key, t.kind, t.team, t.title, JSON.stringify(t.detail ?? {}), t.dueAt ?? null],
    );
    if (inserted.length === 0) {
      const open: Array<{ id: string }> = await em.query(`SELECT id FROM routine_tasks WHERE key = $1 AND state = 'open'`, [t.key]);
      return { id: open[0].id, created: false };
    }
    await appendAudit(em, {
      key: `routine-task.open:${id}`, at: new Date(), actor: SYSTEM, action: 'routine-task.open', subjectType: 'routine-task', subjectId: id, outcome: 'ok',
      detail: { key: t.key, kind: t.kind, team: t.team, title: t.title, ...(t.dueAt ? { dueAt: t.dueAt.toISOString() } : {}) },
    });
    return { id, created: true };
  });
}

/** Closes the open task with this key, saying who closed it and the outcome; false when no open task has that key. */
export async function closeRoutineTask(db: DataSource | EntityManager, key: string, by: string, outcome: string): Promise<boolean> {
  return inTransaction(db, async (em) => {
    // Through a CTE: the driver answers a bare UPDATE ... RETURNING as [rows, count].
    const closed: Array<{ id: string }> = await em.query(
      `WITH c AS (UPDATE routine_tasks SET state = 'closed', closed_at = now(), closed_by = $2, outcome = $3 WHERE key = $1 AND state = 'open' RETURNING id) SELECT id FROM c`,
      [key, by, outcome],
    );
    if (closed.length === 0) return false;
    const id = closed[0].id;
    await appendAudit(em, {
      key: `routine-task.close:${id}`, at: new Date(), actor: by, action: 'routine-task.close', subjectType: 'routine-task', subjectId: id, outcome: 'ok',
      detail: { key, outcome },
    });
    return true;
  });
}

const rowToTask = (r: Record<string, unknown>): RoutineTask => ({
  id: r.id as string,
  key: r.key as string,
  kind: r.kind as string,
  team: r.team as string,
  title: r.title as string,
  detail: (r.detail as Record<string, unknown>) ?? {},
  state: r.state as RoutineTask['state'],
  openedAt: r.opened_at as Date,
  dueAt: (r.due_at as Date | null) ?? null,
  closedAt: (r.closed_at as Date | null) ?? null,
  closedBy: (r.closed_by as string | null) ?? null,
  outcome: (r.outcome as string | null) ?? null,
});

const COLUMNS = 'id, key, kind, team, title, detail, state, opened_at, due_at, closed_at, closed_by, outcome';

/** One task by id, or undefined. `forUpdate` locks it for the caller's transaction. */
export async function findRoutineTask(db: DataSource | EntityManager, id: string, forUpdate = false): Promise<RoutineTask | undefined> {
  const rows: Array<Record<string, unknown>> = await db.query(`SELECT ${COLUMNS} FROM routine_tasks WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? rowToTask(rows[0]) : undefined;
}

export interface RoutineTaskFilter {
  /** Only these teams' tasks; undefined: every team. */
  teams?: readonly string[];
  state?: RoutineTask['state'];
  kind?: string;
}

/** Tasks, newest first (at most 500: routine work is a short list). */
export async function listRoutineTasks(db: DataSource | EntityManager, f: RoutineTaskFilter = {}): Promise<RoutineTask[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.teams) where.push(`team = ANY($${params.push([...f.teams])})`);
  if (f.state) where.push(`state = $${params.push(f.state)}`);
  if (f.kind) where.push(`kind = $${params.push(f.kind)}`);
  const rows: Array<Record<string, unknown>> = await db.query(
    `SELECT ${COLUMNS} FROM routine_tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY opened_at DESC, id LIMIT 500`,
    params,
  );
  return rows.map(rowToTask);
}

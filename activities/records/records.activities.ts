import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from './audit-log';
import { recordEvent } from './timeline';

// Activity inputs carry the workflow's own time (`at`), so a retry records the same moment.

/** The token and source address a person's action came through (the API knows them; the audit trail keeps them). */
export interface Via {
  tokenId?: string;
  ip?: string;
}

export interface IncidentOpened {
  incidentId: string;
  planId: string;
  planVersion: number;
  title: string;
  mode: string;
  facts: Record<string, unknown>;
  launchedBy: string;
  /** Launched through the API with this token from this address: the launch is audited with the opening. */
  launchedVia?: { tokenId?: string; ip?: string };
  /** A drill's set level (none: classified from the facts). */
  level?: string;
  timeScale?: number;
  at: string;
}

export interface IncidentClassified {
  incidentId: string;
  /** 0 for the rules' classification, then 1, 2... for each override. */
  seq: number;
  level: string;
  reason: string;
  by: string;
  at: string;
  via?: Via;
}

export interface AssignmentsRecorded {
  incidentId: string;
  seq: number;
  level: string;
  roles: Record<string, { team: string; people: string[] }>;
  /** Roles that resolved to nobody, each with why: the commander answers for them. */
  unresolved?: Array<{ role: string; team?: string; step?: string; message: string }>;
  at: string;
}

export interface StageReached {
  incidentId: string;
  stage: string;
  at: string;
}

export interface StepChanged {
  incidentId: string;
  stepId: string;
  stepType: string;
  title: string;
  ownerRole?: string;
  team?: string;
  state: 'running' | 'waiting' | 'failed' | 'done' | 'skipped';
  deadlineAt?: string;
  by?: string;
  simulated?: boolean;
  outcome?: string;
  at: string;
}

export interface TaskOpened {
  taskId: string;
  incidentId: string;
  stepId: string;
  kind?: string;
  title: string;
  stepType: string;
  ownerRole: string;
  team: string;
  people?: string[];
  checklist: string[];
  options?: string[];
  state?: 'open' | 'failed';
  failure?: string;
  /** What the automated step that handed over this task found. */
  attached?: string[];
  deadlineAt?: string;
  at: string;
}

export interface TaskAcknowledged {
  taskId: string;
  incidentId: string;
  by: string;
  simulated: boolean;
  at: string;
  via?: Via;
}

export interface TaskCompleted {
  taskId: string;
  incidentId: string;
  by: string;
  simulated: boolean;
  outcome?: string;
  note?: string;
  checklist?: string[];
  evidence?: string[];
  decision?: string;
  /** `done`, or `skipped` when the incident closed without it (an unfinished review). */
  state?: 'done' | 'skipped';
  /** The review task's improvement items, written in the same transaction. */
  findings?: FindingsRecorded['findings'];
  /** Facts the step provides, entered by its owner: merged into the incident's facts. */
  facts?: Record<string, unknown>;
  at: string;
  via?: Via;
}

export interface EscalationFired {
  taskId: string;
  incidentId: string;
  /** Index of the rule in the plan's escalation chain. */
  rule: number;
  /** The rule's time: past the deadline, or (`silence`) since the task opened with no acknowledgement. */
  after: string;
  silence?: boolean;
  notified: string[];
  at: string;
}

export interface NoteAdded {
  incidentId: string;
  seq: number;
  text: string;
  by: string;
  simulated: boolean;
  at: string;
  via?: Via;
}

export interface FindingsRecorded {
  incidentId: string;
  findings: Array<{ text: string; owner: string; due: string; findingId?: string; stepId?: string }>;
  by: string;
  at: string;
}

export interface IncidentClosed {
  incidentId: string;
  by: string;
  reason?: string;
  at: string;
  via?: Via;
}

export interface IncidentFailed {
  incidentId: string;
  reason: string;
  at: string;
}

const touch = (em: EntityManager, incidentId: string, at: string) =>
  em.query(`UPDATE incidents SET updated_at = GREATEST(updated_at, $2) WHERE id = $1`, [incidentId, at]);

async function writeTaskCompleted(em: EntityManager, t: TaskCompleted): Promise<void> {
  const state = t.state ?? 'done';
  const how = t.decision ? `decided "${t.decision}"` : state === 'skipped' ? 'skipped' : 'completed';
  const fresh = await recordEvent(
    em,
    {
      key: `${t.incidentId}:task-completed:${t.taskId}`,
      incidentId: t.incidentId,
      at: new Date(t.at),
      kind: t.decision ? 'task.decided' : state === 'skipped' ? 'task.skipped' : 'task.completed',
      actor: t.by,
      simulated: t.simulated,
      taskId: t.taskId,
      message: `Task ${how} by ${t.by}${t.simulated ? ' (simulated responder)' : ''}${t.outcome ? `: ${t.outcome}` : ''}${t.note ? ` — ${t.note}` : ''}${t.facts ? `; facts: ${factsText(t.facts)}` : ''}`,
      data: { outcome: t.outcome, note: t.note, checklist: t.checklist ?? [], evidence: t.evidence ?? [], decision: t.decision, ...(t.facts ? { facts: t.facts } : {}) },
    },
    { action: t.decision ? 'task.decide' : 'task.complete', subjectType: 'task', subjectId: t.taskId, detail: { outcome: t.outcome, decision: t.decision, ...(t.facts ? { facts: t.facts } : {}), ...t.via } },
  );
  if (fresh) {
    await em.query(
      `UPDATE tasks SET state = $7, completed_at = $2, completed_by = $3, simulated = $4, outcome = $5, note = $6,
         checklist_done = $8, evidence = $9, decision = $10 WHERE id = $1`,
      [
        t.taskId, t.at, t.by, t.simulated, t.outcome ?? null, t.note ?? null, state,
        JSON.stringify(t.checklist ?? []), JSON.stringify(t.evidence ?? []), t.decision ?? null,
      ],
    );
    if (t.facts) await em.query(`UPDATE incidents SET facts = facts || $2::jsonb WHERE id = $1`, [t.incidentId, JSON.stringify(t.facts)]);
    await touch(em, t.incidentId, t.at);
  }
}

const factsText = (facts: Record<string, unknown>) =>
  Object.entries(facts)
    .map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('; ');

async function writeFindings(em: EntityManager, f: FindingsRecorded): Promise<void> {
  const fresh = await recordEvent(
    em,
    {
      key: `${f.incidentId}:findings`,
      incidentId: f.incidentId,
      at: new Date(f.at),
      kind: 'review.findings',
      actor: f.by,
      message: `Review recorded ${f.findings.length} finding(s)`,
      data: { findings: f.findings },
    },
    { action: 'review.findings', subjectType: 'incident', subjectId: f.incidentId, detail: { count: f.findings.length } },
  );
  if (!fresh) return;
  for (const [i, x] of f.findings.entries()) {
    await em.query(
      `INSERT INTO review_findings (id, incident_id, text, owner, due_date, created_by, created_at, finding_id, step_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO NOTHING`,
      [`${f.incidentId}:finding:${i + 1}`, f.incidentId, x.text, x.owner, x.due, f.by, f.at, x.findingId ?? null, x.stepId ?? null],
    );
  }
}

/** The launch as the person did it (`incident.launch`, `drill.launch`), with their token and address. */
async function auditLaunch(em: EntityManager, i: IncidentOpened): Promise<void> {
  const kind = i.mode === 'live' ? 'incident' : 'drill';
  await appendAudit(em, {
    at: new Date(i.at),
    actor: i.launchedBy,
    action: `${kind}.launch`,
    subjectType: kind,
    subjectId: i.incidentId,
    outcome: 'ok',
    detail: { planId: i.planId, planVersion: i.planVersion, mode: i.mode, level: i.level, ...i.launchedVia },
  });
}

/** Where records run their transaction: the DataSource, or a batch's own transaction. */
type Transacting = { transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> };

/**
 * Activities that keep PostgreSQL's read models (incidents, steps, tasks, timeline, audit) in step
 * with the workflow. Each runs in one transaction and is idempotent: a retry writes nothing twice.
 */
function createRecords(ds: Transacting) {
  return {
    async recordIncidentOpened(i: IncidentOpened): Promise<void> {
      await ds.transaction(async (em) => {
        await em.query(
          `INSERT INTO incidents (id, plan_id, plan_version, title, mode, state, stage, facts, launched_by, opened_at, updated_at, time_scale)
           VALUES ($1, $2, $3, $4, $5, 'open', 'classify', $6, $7, $8, $8, $9)
           ON CONFLICT (id) DO NOTHING`,
          [i.incidentId, i.planId, i.planVersion, i.title, i.mode, JSON.stringify(i.facts), i.launchedBy, i.at, i.timeScale ?? 1],
        );
        const scale = i.timeScale && i.timeScale > 1 ? `; time compressed ×${i.timeScale}` : '';
        const fresh = await recordEvent(
          em,
          {
            key: `${i.incidentId}:opened`,
            incidentId: i.incidentId,
            at: new Date(i.at),
            kind: 'incident.opened',
            actor: i.launchedBy,
            message: `Incident opened from plan ${i.planId} v${i.planVersion} (${i.mode}${scale})`,
            data: { facts: i.facts, timeScale: i.timeScale ?? 1 },
          },
          { action: 'incident.open', subjectType: 'incident', subjectId: i.incidentId, detail: { planId: i.planId, planVersion: i.planVersion } },
        );
        // In the same transaction as the opening (so the launch answers after one commit), and
        // only with it: a retried batch finds the opening written and writes no second launch.
        if (fresh && i.launchedVia) await auditLaunch(em, i);
      });
    },

    async recordIncidentClassified(c: IncidentClassified): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${c.incidentId}:classified:${c.seq}`,
            incidentId: c.incidentId,
            at: new Date(c.at),
            kind: c.seq === 0 ? 'incident.classified' : 'incident.level-overridden',
            actor: c.by,
            message: c.seq === 0 ? `Classified as level ${c.level}: ${c.reason}` : `Level overridden to ${c.level}: ${c.reason}`,
            data: { level: c.level },
          },
          { action: c.seq === 0 ? 'incident.classify' : 'incident.override', subjectType: 'incident', subjectId: c.incidentId, detail: { level: c.level, ...c.via } },
        );
        if (fresh) {
          await em.query(`UPDATE incidents SET level = $2, level_reason = $3 WHERE id = $1`, [c.incidentId, c.level, c.reason]);
          await touch(em, c.incidentId, c.at);
        }
      });
    },

    async recordAssignments(a: AssignmentsRecorded): Promise<void> {
      await ds.transaction(async (em) => {
        const summary = Object.entries(a.roles)
          .map(([role, p]) => `${role} → ${p.team} (${p.people.join(', ') || 'nobody'})`)
          .join('; ');
        await recordEvent(
          em,
          {
            key: `${a.incidentId}:assigned:${a.seq}`,
            incidentId: a.incidentId,
            at: new Date(a.at),
            kind: 'incident.assigned',
            actor: 'yingji',
            message: `Responsibility at level ${a.level}: ${summary}`,
            data: { roles: a.roles },
          },
          { action: 'incident.assign', subjectType: 'incident', subjectId: a.incidentId, detail: { level: a.level } },
        );
        for (const [i, u] of (a.unresolved ?? []).entries()) {
          await recordEvent(
            em,
            {
              key: `${a.incidentId}:assigned:${a.seq}:unresolved:${i}`,
              incidentId: a.incidentId,
              at: new Date(a.at),
              kind: 'incident.role-unresolved',
              actor: 'yingji',
              message: `角色无人可派 Role "${u.role}"${u.step ? ` (step ${u.step})` : ''} resolves to nobody: ${u.message}; its tasks and messages go to the commander`,
              data: { ...u },
            },
            { action: 'incident.assign', subjectType: 'incident', subjectId: a.incidentId, detail: { unresolved: u.role } },
          );
        }
      });
    },

    async recordStage(s: StageReached): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${s.incidentId}:stage:${s.stage}`,
            incidentId: s.incidentId,
            at: new Date(s.at),
            kind: 'incident.stage',
            actor: 'yingji',
            message: `Stage: ${s.stage}`,
            data: { stage: s.stage },
          },
          { action: 'incident.stage', subjectType: 'incident', subjectId: s.incidentId, detail: { stage: s.stage } },
        );
        if (fresh) {
          await em.query(`UPDATE incidents SET stage = $2 WHERE id = $1 AND state <> 'closed'`, [s.incidentId, s.stage]);
          await touch(em, s.incidentId, s.at);
        }
      });
    },

    async recordStep(s: StepChanged): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${s.incidentId}:step:${s.stepId}:${s.state}`,
            incidentId: s.incidentId,
            at: new Date(s.at),
            kind: `step.${s.state}`,
            actor: s.by ?? 'yingji',
            simulated: s.simulated,
            message: `Step "${s.title}" ${s.state}${s.team ? ` (team ${s.team})` : ''}${s.outcome ? `: ${s.outcome}` : ''}`,
            data: { stepId: s.stepId, stepType: s.stepType, deadlineAt: s.deadlineAt },
          },
          { action: `step.${s.state}`, subjectType: 'step', subjectId: `${s.incidentId}/${s.stepId}` },
        );
        if (!fresh) return;
        const finished = s.state === 'done' || s.state === 'skipped';
        await em.query(
          `INSERT INTO steps (incident_id, step_id, step_type, title, owner_role, team, state, started_at, deadline_at, finished_at, finished_by, outcome, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           ON CONFLICT (incident_id, step_id) DO UPDATE SET
             state = EXCLUDED.state,
             started_at = COALESCE(steps.started_at, EXCLUDED.started_at),
             deadline_at = COALESCE(EXCLUDED.deadline_at, steps.deadline_at),
             finished_at = COALESCE(EXCLUDED.finished_at, steps.finished_at),
             finished_by = COALESCE(EXCLUDED.finished_by, steps.finished_by),
             outcome = COALESCE(EXCLUDED.outcome, steps.outcome),
             updated_at = EXCLUDED.updated_at`,
          [
            s.incidentId, s.stepId, s.stepType, s.title, s.ownerRole ?? null, s.team ?? null, s.state,
            s.state === 'running' ? s.at : null, s.deadlineAt ?? null, finished ? s.at : null, finished ? (s.by ?? null) : null,
            s.outcome ?? null, s.at,
          ],
        );
        await touch(em, s.incidentId, s.at);
      });
    },

    async recordTaskOpened(t: TaskOpened): Promise<void> {
      await ds.transaction(async (em) => {
        const state = t.state ?? 'open';
        await em.query(
          `INSERT INTO tasks (id, incident_id, step_id, kind, title, step_type, owner_role, team, people, state, checklist, options, failure, deadline_at, created_at, attached)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           ON CONFLICT (id) DO NOTHING`,
          [
            t.taskId, t.incidentId, t.stepId, t.kind ?? 'manual', t.title, t.stepType, t.ownerRole, t.team, JSON.stringify(t.people ?? []),
            state, JSON.stringify(t.checklist), t.options ? JSON.stringify(t.options) : null, t.failure ?? null, t.deadlineAt ?? null, t.at,
            JSON.stringify(t.attached ?? []),
          ],
        );
        const what = state === 'failed' ? `failed (${t.failure}); the commander can complete it by hand with a reason` : `assigned to team ${t.team}`;
        await recordEvent(
          em,
          {
            key: `${t.incidentId}:task-opened:${t.taskId}`,
            incidentId: t.incidentId,
            at: new Date(t.at),
            kind: state === 'failed' ? 'task.failed' : 'task.opened',
            actor: 'yingji',
            taskId: t.taskId,
            message: `Task "${t.title}" ${what}${t.deadlineAt ? `, due ${t.deadlineAt}` : ''}`,
            data: { team: t.team, ownerRole: t.ownerRole, kind: t.kind ?? 'manual', deadlineAt: t.deadlineAt, people: t.people ?? [] },
          },
          { action: 'task.open', subjectType: 'task', subjectId: t.taskId, detail: { team: t.team } },
        );
        await touch(em, t.incidentId, t.at);
      });
    },

    async recordTaskAcknowledged(t: TaskAcknowledged): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${t.incidentId}:task-acknowledged:${t.taskId}`,
            incidentId: t.incidentId,
            at: new Date(t.at),
            kind: 'task.acknowledged',
            actor: t.by,
            simulated: t.simulated,
            taskId: t.taskId,
            message: `Task acknowledged by ${t.by}${t.simulated ? ' (simulated responder)' : ''}`,
          },
          { action: 'task.acknowledge', subjectType: 'task', subjectId: t.taskId, detail: { ...t.via } },
        );
        if (fresh) {
          await em.query(`UPDATE tasks SET state = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 AND state = 'open'`, [
            t.taskId, t.at, t.by,
          ]);
        }
      });
    },

    /** A completion, with the review's findings when it has any: one transaction, so neither is written without the other. */
    async recordTaskCompleted(t: TaskCompleted): Promise<void> {
      await ds.transaction(async (em) => {
        await writeTaskCompleted(em, t);
        if (t.findings?.length) await writeFindings(em, { incidentId: t.incidentId, findings: t.findings, by: t.by, at: t.at });
      });
    },

    async recordEscalation(e: EscalationFired): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${e.taskId}:escalation:${e.rule}`,
            incidentId: e.incidentId,
            at: new Date(e.at),
            kind: 'task.escalated',
            actor: 'yingji',
            taskId: e.taskId,
            message: e.silence
              ? `Task not acknowledged in ${e.after}: escalated to ${e.notified.join(', ')}`
              : `Task overdue${e.after === '0m' ? '' : ` by ${e.after}`}: escalated to ${e.notified.join(', ')}`,
            data: { rule: e.rule, notified: e.notified, ...(e.silence ? { silence: true } : {}) },
          },
          { action: 'task.escalate', subjectType: 'task', subjectId: e.taskId, detail: { rule: e.rule } },
        );
        if (fresh) await em.query(`UPDATE tasks SET escalations = GREATEST(escalations, $2) WHERE id = $1`, [e.taskId, e.rule + 1]);
      });
    },

    async recordNote(n: NoteAdded): Promise<void> {
      await ds.transaction(async (em) => {
        await recordEvent(
          em,
          {
            key: `${n.incidentId}:note:${n.seq}`,
            incidentId: n.incidentId,
            at: new Date(n.at),
            kind: 'incident.note',
            actor: n.by,
            simulated: n.simulated,
            message: n.text,
          },
          { action: 'incident.note', subjectType: 'incident', subjectId: n.incidentId, detail: { ...n.via } },
        );
      });
    },

    /** Findings alone: what workflows started before completions carried their findings still call. */
    async recordFindings(f: FindingsRecorded): Promise<void> {
      await ds.transaction((em) => writeFindings(em, f));
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
            message: `Incident closed${c.reason ? `: ${c.reason}` : ''}`,
          },
          { action: 'incident.close', subjectType: 'incident', subjectId: c.incidentId, detail: { ...c.via } },
        );
        if (fresh) {
          await em.query(`UPDATE incidents SET state = 'closed', stage = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1`, [c.incidentId, c.at]);
        }
      });
    },

    async recordIncidentFailed(f: IncidentFailed): Promise<void> {
      await ds.transaction(async (em) => {
        const fresh = await recordEvent(
          em,
          {
            key: `${f.incidentId}:failed`,
            incidentId: f.incidentId,
            at: new Date(f.at),
            kind: 'incident.failed',
            actor: 'yingji',
            message: `The plan cannot go on: ${f.reason}`,
          },
          { action: 'incident.fail', subjectType: 'incident', subjectId: f.incidentId, detail: { reason: f.reason } },
        );
        if (fresh) await em.query(`UPDATE incidents SET state = 'failed', updated_at = $2 WHERE id = $1`, [f.incidentId, f.at]);
      });
    },
  };
}

// SQLSTATEs that say the data itself is unstorable (class 22: data exceptions such as a NUL byte or
// an impossible date; NOT NULL and CHECK violations; a value over a PostgreSQL limit): retrying the
// same input can never succeed, so the caller hears why at once instead of the workflow retrying forever.
const REFUSED_DATA = /^(22...|23502|23514|54000)$/;

/** A record that PostgreSQL refuses for its data fails without retrying, naming the record and the reason. */
export function refusedDataFailure(name: string, err: unknown): unknown {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !REFUSED_DATA.test(code)) return err;
  return ApplicationFailure.nonRetryable(`${name}: PostgreSQL refused the data (${code}): ${(err as Error).message}`, 'RecordRefused');
}

function refusingBadData<T extends Record<string, (...a: never[]) => Promise<void>>>(records: T): T {
  return Object.fromEntries(
    Object.entries(records).map(([name, fn]) => [
      name,
      async (...args: never[]) => {
        try {
          await fn(...args);
        } catch (err) {
          throw refusedDataFailure(name, err);
        }
      },
    ]),
  ) as T;
}

export function createRecordActivities(ds: DataSource) {
  const records = refusingBadData(createRecords(ds));
  return {
    ...records,
    /**
     * Several records in the order the workflow made them, in one activity and one transaction:
     * a completion and what it causes (the step done, the stages, the next task) become visible
     * together, in one commit instead of five. Each record stays idempotent, so a retried batch
     * writes nothing twice. A record PostgreSQL refuses: the batch is written again one record at
     * a time, so what came before it stands (the incident that then says why it stopped exists)
     * and the refusal names the record.
     */
    async recordBatch(calls: RecordCall[]): Promise<void> {
      const write = (into: typeof records, c: RecordCall) => (into[c.name] as (...a: unknown[]) => Promise<void>)(...c.args);
      try {
        await ds.transaction(async (em) => {
          const inBatch = refusingBadData(createRecords({ transaction: (work) => work(em) }));
          for (const c of calls) await write(inBatch, c);
        });
      } catch (err) {
        if (!(err instanceof ApplicationFailure && err.type === 'RecordRefused')) throw err;
        for (const c of calls) await write(records, c);
      }
    },
  };
}

type Records = ReturnType<typeof createRecords>;
/** One record activity call, as the workflow queues it for recordBatch. */
export type RecordCall = { [K in keyof Records]: { name: K; args: Parameters<Records[K]> } }[keyof Records];

export type RecordActivities = ReturnType<typeof createRecordActivities>;

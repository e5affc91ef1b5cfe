import { ConflictException, HttpException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { appendAudit } from '../../../../activities/records/audit-log';
import { AckClaims, AckLinkRefused, verifyAckToken } from '../../../../domain/acknowledgement/ack-link';
import { acknowledgeTask } from '../../../../workflows/definitions';
import type { AckSettings } from '../../../shared/ack-settings';
import { AuditTrail } from '../auth/audit-trail';
import { AuthThrottle } from '../auth/auth-throttle';
import type { Caller } from '../auth/caller';
import { IncidentEntity } from '../incidents/incident.entity';
import { TaskEntity } from '../tasks/task.entity';
import { WorkflowGateway } from '../temporal/workflow-gateway';
import { TaskFacts } from './ack-page';

export const ACK_SETTINGS = Symbol('ACK_SETTINGS');

export interface LinkUse {
  person: string;
  usedAt: Date;
  via: 'link' | 'sms';
}

/** What became of an acknowledgement from a message. */
export type AckOutcome =
  | { kind: 'acknowledged'; task: TaskFacts; at: Date }
  | { kind: 'used'; task?: TaskFacts; use: LinkUse }
  | { kind: 'already'; task: TaskFacts; state: string; by: string | null; at: Date | null }
  | { kind: 'gone'; reason: string }
  | { kind: 'unavailable'; reason: string };

/** Thrown inside the transaction to undo the link's use row and answer with this outcome instead. */
class Undo extends Error {
  constructor(readonly outcome: AckOutcome) {
    super(outcome.kind);
  }
}

const bounded = (s: unknown) => (typeof s === 'string' ? s.slice(0, 200) : undefined);

/**
 * Acknowledging from a message: the signed link (or the SMS code standing for it) is the credential,
 * for exactly one task and one person. A link is used once; the acknowledgement itself goes through
 * the incident's workflow like the console's, so the escalation clock stops the same way.
 */
@Injectable()
export class AcknowledgementsService {
  /** Refused links per source address: past the limit, 429 and one summary entry instead of one each. */
  private readonly throttle = new AuthThrottle();

  constructor(
    @Inject(ACK_SETTINGS) readonly settings: AckSettings | undefined,
    private readonly db: DataSource,
    private readonly workflows: WorkflowGateway,
    private readonly audit: AuditTrail,
    @InjectRepository(TaskEntity) private readonly tasks: Repository<TaskEntity>,
    @InjectRepository(IncidentEntity) private readonly incidents: Repository<IncidentEntity>,
  ) {}

  /**
   * The claims of a link, or the refusal (audited as `task.acknowledge` denied, with the reason and the
   * requester's address; never the token). `throttled` when this address has been refused too often.
   */
  async verify(token: string, ip: string, method: string): Promise<{ claims: AckClaims } | { refused: AckLinkRefused; throttled?: number }> {
    try {
      return { claims: verifyAckToken(token, this.settings!.secret, new Date()) };
    } catch (err) {
      if (!(err instanceof AckLinkRefused)) throw err;
      const t = this.throttle.fail(ip);
      if (t.throttled) {
        if (t.first) {
          await this.audit.anonymous('auth.throttle', { type: 'source', id: ip }, {
            reason: `more than ${this.throttle.limit} refused acknowledgement links from ${ip} within a minute: refused with 429 until ${t.until.toISOString()}, not audited one by one`,
            ip,
            until: t.until.toISOString(),
          });
        }
        return { refused: err, throttled: t.retryAfterS };
      }
      const c = err.claimed;
      await this.audit.anonymous('task.acknowledge', c?.taskId ? { type: 'task', id: bounded(c.taskId)! } : { type: 'ack-link', id: '(unreadable)' }, {
        reason: err.reason,
        message: err.message,
        via: 'ack-link',
        ip,
        method,
        // What the link claims: proven for an expired one, unproven for a forged one.
        linkId: bounded(c?.id),
        person: bounded(c?.person),
      });
      return { refused: err };
    }
  }

  /** What the page shows before anyone presses the button (changes nothing). */
  async preview(claims: AckClaims): Promise<AckOutcome | { kind: 'open'; task: TaskFacts }> {
    const use = await this.useOf(this.db.manager, claims.id);
    const task = await this.taskOf(claims);
    if (use) return { kind: 'used', task: task && this.facts(task.row, task.incidentTitle, claims), use };
    if (!task) return { kind: 'gone', reason: `task ${claims.taskId} is not a task of incident ${claims.incidentId}` };
    const settled = this.settled(task.row, task.incidentTitle, claims);
    return settled ?? { kind: 'open', task: this.facts(task.row, task.incidentTitle, claims) };
  }

  /**
   * Acknowledges the link's task as the link's person. The use row and the audit entry are written
   * in one transaction around the workflow Update: the first request wins (a concurrent second one
   * waits on the row, then finds it used); a refused Update leaves the link unused.
   */
  async acknowledge(claims: AckClaims, via: 'link' | 'sms', ip: string): Promise<AckOutcome> {
    const task = await this.taskOf(claims);
    if (!task) return { kind: 'gone', reason: `task ${claims.taskId} is not a task of incident ${claims.incidentId}` };
    const facts = this.facts(task.row, task.incidentTitle, claims);
    try {
      return await this.db.transaction(async (em) => {
        const inserted: unknown[] = await em.query(
          `INSERT INTO ack_link_uses (link_id, incident_id, task_id, person, via, ip) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (link_id) DO NOTHING RETURNING link_id`,
          [claims.id, claims.incidentId, claims.taskId, claims.person, via, ip],
        );
        if (!inserted.length) return { kind: 'used', task: facts, use: (await this.useOf(em, claims.id))! } as AckOutcome;
        const settled = this.settled(task.row, task.incidentTitle, claims);
        if (settled) throw new Undo(settled);
        const actor = this.actorFor(claims, task.row, via, ip);
        try {
          await this.workflows.update(claims.incidentId, acknowledgeTask, [{ taskId: claims.taskId, actor }], {
            caller: actor, action: 'task.acknowledge', subject: { type: 'task', id: claims.taskId },
          });
        } catch (err) {
          throw new Undo(await this.refusedUpdate(err, claims));
        }
        const at = new Date();
        await appendAudit(em, {
          at, actor: claims.person, action: 'task.acknowledge', subjectType: 'task', subjectId: claims.taskId, outcome: 'ok',
          detail: { via: via === 'sms' ? 'sms-reply' : 'ack-link', linkId: claims.id, incidentId: claims.incidentId, ip },
        });
        return { kind: 'acknowledged', task: facts, at } as AckOutcome;
      });
    } catch (err) {
      if (err instanceof Undo) return err.outcome;
      throw err;
    }
  }

  /**
   * The link stands for its person on this one task: it was sent to them because the task is theirs
   * (their team's, or the commander's), so the Update sees them in the task's team with the role it needs.
   */
  private actorFor(claims: AckClaims, task: TaskEntity, via: 'link' | 'sms', ip: string): Caller {
    return {
      person: claims.person,
      teams: [task.team],
      roles: task.ownerRole === 'commander' ? ['commander'] : ['responder'],
      tokenId: `${via === 'sms' ? 'sms-reply' : 'ack-link'}:${claims.id}`,
      ip,
    };
  }

  private async refusedUpdate(err: unknown, claims: AckClaims): Promise<AckOutcome> {
    if (err instanceof ConflictException) {
      // Acknowledged or finished meanwhile (the console, a colleague's link): say how it stands now.
      const now = await this.taskOf(claims);
      const settled = now && this.settled(now.row, now.incidentTitle, claims);
      if (settled) return settled;
      return { kind: 'gone', reason: err.message };
    }
    if (err instanceof NotFoundException) return { kind: 'gone', reason: err.message };
    if (err instanceof HttpException && err.getStatus() !== 503) return { kind: 'gone', reason: err.message };
    if (err instanceof HttpException) return { kind: 'unavailable', reason: err.message };
    throw err;
  }

  private settled(row: TaskEntity, incidentTitle: string | undefined, claims: AckClaims): AckOutcome | undefined {
    if (row.state === 'open' || row.state === 'failed') return undefined;
    const done = row.state === 'done';
    return {
      kind: 'already',
      task: this.facts(row, incidentTitle, claims),
      state: row.state,
      by: done ? row.completedBy : row.acknowledgedBy,
      at: done ? row.completedAt : row.acknowledgedAt,
    };
  }

  private async useOf(em: EntityManager, linkId: string): Promise<LinkUse | undefined> {
    const rows: Array<{ person: string; used_at: Date; via: 'link' | 'sms' }> = await em.query(`SELECT person, used_at, via FROM ack_link_uses WHERE link_id = $1`, [linkId]);
    return rows[0] && { person: rows[0].person, usedAt: rows[0].used_at, via: rows[0].via };
  }

  private async taskOf(claims: AckClaims): Promise<{ row: TaskEntity; incidentTitle?: string } | undefined> {
    const row = await this.tasks.findOne({ where: { id: claims.taskId } });
    if (!row || row.incidentId !== claims.incidentId) return undefined;
    const incident = await this.incidents.findOne({ where: { id: row.incidentId }, select: { id: true, title: true } });
    return { row, incidentTitle: incident?.title };
  }

  private facts(row: TaskEntity, incidentTitle: string | undefined, claims: AckClaims): TaskFacts {
    return { title: row.title, team: row.team, incidentId: row.incidentId, incidentTitle, person: claims.person, deadlineAt: row.deadlineAt };
  }
}

import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Decision, reviewedTokenIds, reviewOutcome } from '../../../../domain/access/decisions';
import { AccessReview, parseStaleDays, reviewAccess } from '../../../../domain/access/review';
import { ACCESS_REVIEW_KIND, AccessReviewDetail } from '../../../../activities/access-review/access-review';
import { appendAudit } from '../../../../activities/records/audit-log';
import { closeRoutineTask, findRoutineTask, RoutineTask } from '../../../../activities/routine-tasks/routine-tasks';
import { AuditTrail } from '../auth/audit-trail';
import { Caller, hasRole } from '../auth/caller';
import { listTokens, revokeTokenIn, TokenInfo } from '../auth/token-store';
import { RoutineTasksService } from '../routine-tasks/routine-tasks.service';
import type { AccessDecisionDto } from './dto/decide.dto';

export interface AccessReviewReport extends AccessReview {
  /** Every token (never its secret) with when it was last used. */
  tokens: TokenInfo[];
}

/** The access review of every token in the database, now. Shared by `GET /access/review` and `yingji access review`. */
export async function accessReview(db: DataSource, now = new Date()): Promise<AccessReviewReport> {
  const tokens = await listTokens(db);
  return { ...reviewAccess(tokens, now, parseStaleDays(process.env.YINGJI_ACCESS_STALE_DAYS)), tokens };
}

export interface AccessDecisionView {
  tokenId: string;
  kinds: string[];
  decision: Decision;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
}

/** A scheduled review: its task, the decisions taken, and the tokens still to decide. */
export interface ScheduledReviewView {
  task: RoutineTask;
  decisions: AccessDecisionView[];
  pending: string[];
}

const DECIDE = 'access-review.decide';

@Injectable()
export class AccessReviewService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
    private readonly routineTasks: RoutineTasksService,
  ) {}

  review(): Promise<AccessReviewReport> {
    return accessReview(this.db);
  }

  /** A scheduled review as its team (or an auditor or admin) sees it. */
  async scheduled(id: string, caller: Caller): Promise<ScheduledReviewView> {
    const task = await this.routineTasks.get(id, caller, 'access-review.read');
    return this.view(assertReview(task));
  }

  /**
   * Records a decision on one grant of a review and carries it out in the same transaction (revoke:
   * the token stops working at once). The last decision closes the review with the counts.
   */
  async decide(id: string, dto: AccessDecisionDto, caller: Caller): Promise<ScheduledReviewView & { revoked: boolean }> {
    const task = assertReview(await this.routineTasks.get(id, caller, DECIDE));
    // Auditors may read a review; only its team (or an admin) decides.
    if (!caller.teams.includes(task.team) && !hasRole(caller, 'admin')) {
      throw await this.audit.forbid(caller, DECIDE, { type: 'routine-task', id }, `access review "${id}" is decided by team ${task.team}; ${caller.person} is in ${caller.teams.join(', ') || 'no team'}`);
    }
    const findings = (task.detail as unknown as AccessReviewDetail).findings ?? [];
    const asked = reviewedTokenIds(findings);
    if (!asked.includes(dto.tokenId)) {
      throw new BadRequestException(`tokenId "${dto.tokenId}" is not among the findings of access review "${id}": decide one of ${asked.join(', ')}`);
    }
    const kinds = findings.filter((f) => f.tokenId === dto.tokenId).map((f) => f.kind);
    const revoked = await this.db.transaction(async (em) => {
      const locked = (await findRoutineTask(em, id, true))!;
      if (locked.state !== 'open') throw new ConflictException(`access review "${id}" is closed (${locked.outcome ?? 'no outcome'}); the next scheduled review raises what is still found`);
      const inserted = await em.query(
        `INSERT INTO access_review_decisions (task_id, token_id, kinds, decision, reason, decided_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (task_id, token_id) DO NOTHING RETURNING id`,
        [id, dto.tokenId, kinds, dto.decision, dto.reason.trim(), caller.person],
      );
      if (inserted.length === 0) {
        const [earlier] = await em.query(`SELECT decision, decided_by, decided_at FROM access_review_decisions WHERE task_id = $1 AND token_id = $2`, [id, dto.tokenId]);
        throw new ConflictException(`token ${dto.tokenId} was already decided in access review "${id}": ${earlier.decision} by ${earlier.decided_by} at ${(earlier.decided_at as Date).toISOString()}`);
      }
      const credentials = { tokenId: caller.tokenId, ip: caller.ip };
      await appendAudit(em, {
        at: new Date(), actor: caller.person, action: DECIDE, subjectType: 'token', subjectId: dto.tokenId, outcome: 'ok',
        detail: { review: id, decision: dto.decision, reason: dto.reason.trim(), kinds, ...credentials },
      });
      // Carried out with the decision: a revoked token gets 401 on its next call.
      let didRevoke = false;
      if (dto.decision === 'revoke') {
        didRevoke = await revokeTokenIn(em, dto.tokenId, { actor: caller.person, detail: { review: id, ...credentials } });
      }
      const decided: Array<{ decision: Decision }> = await em.query(`SELECT decision FROM access_review_decisions WHERE task_id = $1`, [id]);
      if (decided.length >= asked.length) await closeRoutineTask(em, task.key, caller.person, reviewOutcome(decided.map((d) => d.decision)));
      return didRevoke;
    });
    return { ...(await this.view((await findRoutineTask(this.db, id))!)), revoked };
  }

  private async view(task: RoutineTask): Promise<ScheduledReviewView> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT token_id, kinds, decision, reason, decided_by, decided_at FROM access_review_decisions WHERE task_id = $1 ORDER BY id`,
      [task.id],
    );
    const decisions = rows.map((r) => ({
      tokenId: r.token_id as string,
      kinds: r.kinds as string[],
      decision: r.decision as Decision,
      reason: r.reason as string,
      decidedBy: r.decided_by as string,
      decidedAt: r.decided_at as Date,
    }));
    const done = new Set(decisions.map((d) => d.tokenId));
    const pending = reviewedTokenIds((task.detail as unknown as AccessReviewDetail).findings ?? []).filter((t) => !done.has(t));
    return { task, decisions, pending };
  }
}

function assertReview(task: RoutineTask): RoutineTask {
  if (task.kind !== ACCESS_REVIEW_KIND) throw new BadRequestException(`routine task "${task.id}" is a ${task.kind}, not an access review`);
  return task;
}

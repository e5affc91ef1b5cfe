import { ForbiddenException, HttpException, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appendAudit, AuditRecord } from '../../../../activities/records/audit-log';
import type { Caller } from './caller';

/** What an entry is about: the incident, task, plan, backup, restore... with its real id. */
export interface AuditSubject {
  type: string;
  id: string;
}

/** Where a request came from, for entries written before anyone is known (401). */
export interface Source {
  ip?: string;
  /** The id part of a token that did not verify: claimed, not proven. */
  claimedTokenId?: string;
}

/**
 * The one way the API writes the audit trail: privileged actions that succeeded and every refusal,
 * each with the actor, the token they used, the source address, the subject and the outcome.
 */
@Injectable()
export class AuditTrail {
  constructor(private readonly db: DataSource) {}

  /** A privileged action that was carried out (or, with outcome `failed`, tried and failed). */
  async ok(caller: Caller, action: string, subject: AuditSubject, detail: Record<string, unknown> = {}, outcome: AuditRecord['outcome'] = 'ok'): Promise<void> {
    await this.write(caller.person, action, subject, outcome, { ...detail, ...credentials(caller) });
  }

  /** 403 with the reason, audited against the object and the action attempted. */
  async forbid(caller: Caller, action: string, subject: AuditSubject, reason: string): Promise<HttpException> {
    await this.denied(caller, action, subject, reason);
    return new ForbiddenException(reason);
  }

  /** A refusal that is not a 403 (a restore into a protected database answers 400), audited. */
  async denied(caller: Caller, action: string, subject: AuditSubject, reason: string): Promise<void> {
    await this.write(caller.person, action, subject, 'denied', { reason, ...credentials(caller) });
  }

  /** 401 with the reason, audited as anonymous with what the request claimed. */
  async unauthorized(action: string, subject: AuditSubject, reason: string, source: Source): Promise<HttpException> {
    await this.anonymous(action, subject, { reason, ...source });
    return new UnauthorizedException(reason);
  }

  /** An entry for a request nobody could be identified for (failed authentication, throttling). */
  async anonymous(action: string, subject: AuditSubject, detail: Record<string, unknown>): Promise<void> {
    await this.write('anonymous', action, subject, 'denied', detail);
  }

  private async write(actor: string, action: string, subject: AuditSubject, outcome: AuditRecord['outcome'], detail: Record<string, unknown>): Promise<void> {
    await this.db.transaction((em) => appendAudit(em, { at: new Date(), actor, action, subjectType: subject.type, subjectId: subject.id, outcome, detail }));
  }
}

const credentials = (caller: Caller) => ({ tokenId: caller.tokenId, ip: caller.ip });

import { ForbiddenException, HttpException, Injectable, UnauthorizedException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { appendAudit } from '../../../../activities/records/audit-log';
import type { Caller } from './caller';

/** Every refusal is audited before the caller hears about it. */
@Injectable()
export class Denials {
  constructor(private readonly db: DataSource) {}

  async record(actor: string, action: string, subject: { type: string; id: string }, reason: string): Promise<void> {
    await this.db.transaction((em) =>
      appendAudit(em, { at: new Date(), actor, action, subjectType: subject.type, subjectId: subject.id, outcome: 'denied', detail: { reason } }),
    );
  }

  /** 403 with the reason, audited. */
  async forbid(caller: Caller, action: string, subject: { type: string; id: string }, reason: string): Promise<HttpException> {
    await this.record(caller.person, action, subject, reason);
    return new ForbiddenException(reason);
  }

  async unauthorized(action: string, reason: string): Promise<HttpException> {
    await this.record('anonymous', action, { type: 'api', id: action }, reason);
    return new UnauthorizedException(reason);
  }
}

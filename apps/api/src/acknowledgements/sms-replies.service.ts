import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { replyCode, smsReplyProblem, SmsUpReply } from '../../../../domain/acknowledgement/sms-reply';
import { smsNumber } from '../../../../activities/notify/sms';
import { AuditTrail } from '../auth/audit-trail';
import { findAckCode } from './ack-codes';
import { AcknowledgementsService } from './acknowledgements.service';

export const SMS_REPLY_KEY = Symbol('SMS_REPLY_KEY');

/** The key pair SendSms requests are signed with; the gateway signs its reply reports with the same. */
export interface SmsReplyKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** What became of one reply, as the callback answers it. */
export interface ReplyResult {
  sequence_id: number;
  outcome: 'acknowledged' | 'already-used' | 'already-settled' | 'no-code' | 'unknown-code' | 'task-gone' | 'unavailable';
  taskId?: string;
}

/**
 * A reply to a task notice's SMS: its code, from the number the code was sent to, acknowledges that
 * task as the person it was sent to (the same single use as the link). Anything else changes nothing
 * and is audited.
 */
@Injectable()
export class SmsRepliesService {
  constructor(
    @Inject(SMS_REPLY_KEY) readonly key: SmsReplyKey | undefined,
    private readonly db: DataSource,
    private readonly acks: AcknowledgementsService,
    private readonly audit: AuditTrail,
  ) {}

  /** A reason to refuse the whole report (audited), or undefined when it is the gateway's. */
  async refusal(headers: { keyId?: string; timestamp?: string; signature?: string }, replies: SmsUpReply[], ip: string): Promise<string | undefined> {
    const problem = smsReplyProblem(this.key!, headers, replies, new Date());
    if (problem) {
      await this.audit.anonymous('task.acknowledge', { type: 'sms-reply', id: '(unverified)' }, { reason: 'bad-signature', message: problem, via: 'sms-reply', ip, replies: replies.length });
    }
    return problem;
  }

  async handle(replies: SmsUpReply[], ip: string): Promise<ReplyResult[]> {
    const out: ReplyResult[] = [];
    for (const r of replies) out.push(await this.one(r, ip));
    return out;
  }

  private async one(r: SmsUpReply, ip: string): Promise<ReplyResult> {
    // The gateway reports national digits for China; accept +86 / 86 forms of the same number too.
    const phone = smsNumber(r.phone_number) ?? r.phone_number;
    const code = replyCode(r.content);
    const claims = code ? await findAckCode(this.db.manager, phone, code, new Date()) : undefined;
    if (!claims) {
      const reason = code ? 'unknown-code' : 'no-code';
      await this.audit.anonymous('task.acknowledge', { type: 'sms-reply', id: phone.slice(0, 40) }, {
        reason,
        message: code ? `no unexpired acknowledgement code ${code} was sent to ${phone}` : 'the reply holds no six-digit acknowledgement code',
        via: 'sms-reply',
        sequenceId: r.sequence_id,
        ip,
      });
      return { sequence_id: r.sequence_id, outcome: reason };
    }
    const o = await this.acks.acknowledge(claims, 'sms', ip);
    const outcome: ReplyResult['outcome'] =
      o.kind === 'acknowledged' ? 'acknowledged' : o.kind === 'used' ? 'already-used' : o.kind === 'already' ? 'already-settled' : o.kind === 'gone' ? 'task-gone' : 'unavailable';
    return { sequence_id: r.sequence_id, outcome, taskId: claims.taskId };
  }
}

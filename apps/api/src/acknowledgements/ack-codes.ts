// The SMS side of acknowledgement: a task notice sent by SMS carries a six-digit code; a reply from
// the same number with that code acknowledges the task. The worker remembers each code it sends
// here; the API's reply callback looks it up.
import type { EntityManager } from 'typeorm';
import type { AckClaims } from '../../../../domain/acknowledgement/ack-link';

export interface RememberedCode {
  /** ackCodeFor(claims, secret). */
  code: string;
  /** The number as the gateway reports it: national digits for China (smsNumber in activities/notify/sms.ts). */
  phone: string;
  claims: AckClaims;
}

/** Records a code sent to a number; sending the same notice again (a retry) records nothing new. */
export async function rememberAckCode(em: EntityManager, r: RememberedCode): Promise<void> {
  const c = r.claims;
  await em.query(
    `INSERT INTO ack_codes (link_id, code, phone, incident_id, task_id, person, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (link_id) DO NOTHING`,
    [c.id, r.code, r.phone, c.incidentId, c.taskId, c.person, c.expiresAt],
  );
}

/**
 * The link a reply's code stands for: sent to this number, not expired at `now`; the newest when
 * two notices to one number happened to get the same code.
 */
export async function findAckCode(em: EntityManager, phone: string, code: string, now: Date): Promise<AckClaims | undefined> {
  const rows: Array<{ link_id: string; incident_id: string; task_id: string; person: string; expires_at: Date }> = await em.query(
    `SELECT link_id, incident_id, task_id, person, expires_at FROM ack_codes
      WHERE phone = $1 AND code = $2 AND expires_at > $3 ORDER BY created_at DESC LIMIT 1`,
    [phone, code, now],
  );
  const r = rows[0];
  return r && { id: r.link_id, incidentId: r.incident_id, taskId: r.task_id, person: r.person, expiresAt: new Date(r.expires_at).toISOString() };
}

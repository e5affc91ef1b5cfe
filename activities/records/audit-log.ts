import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';

export interface AuditRecord {
  /** Idempotency key: an entry with the same key is written once, however often it is retried. */
  key?: string;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  outcome: 'ok' | 'denied' | 'failed';
  detail?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted, so a hash does not depend on how jsonb reorders keys. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function auditHash(prevHash: string, r: Omit<AuditRecord, 'key'>): string {
  const body = canonicalJson([r.at.toISOString(), r.actor, r.action, r.subjectType, r.subjectId, r.outcome, r.detail ?? {}]);
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Appends to the hash-chained audit trail inside the caller's transaction. Returns false when an
 * entry with the same key already exists (a retried activity).
 */
export async function appendAudit(em: EntityManager, r: AuditRecord): Promise<boolean> {
  // One writer at a time, so every entry links to the true previous one.
  await em.query(`SELECT pg_advisory_xact_lock(hashtext('yingji.audit_entries'))`);
  if (r.key) {
    const seen = await em.query(`SELECT 1 FROM audit_entries WHERE event_key = $1`, [r.key]);
    if (seen.length) return false;
  }
  const last = await em.query(`SELECT hash FROM audit_entries ORDER BY id DESC LIMIT 1`);
  const prevHash: string = last[0]?.hash ?? GENESIS;
  const at = new Date(r.at.toISOString());
  const hash = auditHash(prevHash, { ...r, at });
  await em.query(
    `INSERT INTO audit_entries (event_key, at, actor, action, subject_type, subject_id, outcome, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [r.key ?? null, at, r.actor, r.action, r.subjectType, r.subjectId, r.outcome, JSON.stringify(r.detail ?? {}), prevHash, hash],
  );
  return true;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  /** The first entry whose hash or link does not match, with why. */
  brokenAt?: { id: string; reason: string };
}

/** Recomputes the chain from the first entry: any edited, removed or inserted row breaks it. */
export async function verifyAuditChain(em: EntityManager): Promise<ChainCheck> {
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT id, at, actor, action, subject_type, subject_id, outcome, detail, prev_hash, hash FROM audit_entries ORDER BY id`,
  );
  let prev = GENESIS;
  for (const row of rows) {
    const id = String(row.id);
    if (row.prev_hash !== prev) return { ok: false, entries: rows.length, brokenAt: { id, reason: 'does not link to the entry before it' } };
    const expected = auditHash(prev, {
      at: row.at as Date,
      actor: row.actor as string,
      action: row.action as string,
      subjectType: row.subject_type as string,
      subjectId: row.subject_id as string,
      outcome: row.outcome as AuditRecord['outcome'],
      detail: row.detail as Record<string, unknown>,
    });
    if (row.hash !== expected) return { ok: false, entries: rows.length, brokenAt: { id, reason: 'content does not match its hash' } };
    prev = expected;
  }
  return { ok: true, entries: rows.length };
}

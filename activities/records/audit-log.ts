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
  /** The chain the entry joins; by default its incident's, else its subject type's (see streamOf). */
  stream?: string;
}

export const GENESIS = '0'.repeat(64);
/** Entries written before chains per stream; they keep the hash they were written with. */
export const LEGACY_STREAM = 'legacy';

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

/**
 * An entry's hash: its content and the hash of the entry before it in its stream. The stream is
 * part of the content (an entry moved to another stream no longer matches); the seq is not, so a
 * reordering shows as links out of order rather than as edits.
 */
export function auditHash(prevHash: string, r: Omit<AuditRecord, 'key'>, stream = LEGACY_STREAM): string {
  const fields = [r.at.toISOString(), r.actor, r.action, r.subjectType, r.subjectId, r.outcome, r.detail ?? {}];
  const body = canonicalJson(stream === LEGACY_STREAM ? fields : [stream, ...fields]);
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/** Subjects whose id starts with their incident's (`inc-….step`, `inc-…/step`, `inc-…:notice`). */
const INCIDENT_SUBJECTS = new Set(['incident', 'drill', 'task', 'step', 'notification']);

/**
 * Which chain an entry joins: anything about an incident or drill (the incident, its tasks, steps,
 * notifications) joins the incident's stream; the rest joins its subject type's (`token`, `plan`,
 * `backup`, `source`...). Writers of different streams never wait for each other.
 */
export function streamOf(r: Pick<AuditRecord, 'stream' | 'subjectType' | 'subjectId'>): string {
  if (r.stream) return r.stream;
  const incident = INCIDENT_SUBJECTS.has(r.subjectType) ? /^((?:inc|drill)-[^./:\s]+)/.exec(r.subjectId) : null;
  return incident ? incident[1] : r.subjectType;
}

/** Each open transaction's streams: locked by it, with the head it wrote last. */
const heads = new WeakMap<EntityManager, Map<string, { seq: number; hash: string }>>();

/**
 * Appends to the entry's stream inside the caller's transaction. Returns false when an entry with
 * the same key already exists (a retried activity). A transaction appending several entries to one
 * stream (a record batch) locks it and reads its head once.
 */
export async function appendAudit(em: EntityManager, r: AuditRecord): Promise<boolean> {
  const stream = streamOf(r);
  const inTransaction = em.queryRunner?.isTransactionActive === true;
  const known = inTransaction ? heads.get(em) : undefined;
  let head = known?.get(stream);
  if (!head) {
    // One writer per stream at a time (until the caller commits), so each entry links to the true
    // previous one of its stream; the same key always maps to the same stream, so retries wait too.
    await em.query(`SELECT pg_advisory_xact_lock(hashtext('yingji.audit:' || $1))`, [stream]);
    const last: Array<{ seq: string; hash: string }> = await em.query(`SELECT seq, hash FROM audit_entries WHERE stream = $1 ORDER BY seq DESC LIMIT 1`, [stream]);
    head = { seq: Number(last[0]?.seq ?? 0), hash: last[0]?.hash ?? GENESIS };
  }
  const seq = head.seq + 1;
  const at = new Date(r.at.toISOString());
  const hash = auditHash(head.hash, { ...r, at }, stream);
  const inserted: unknown[] = await em.query(
    `INSERT INTO audit_entries (event_key, at, actor, action, subject_type, subject_id, outcome, detail, stream, seq, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (event_key) DO NOTHING RETURNING id`,
    [r.key ?? null, at, r.actor, r.action, r.subjectType, r.subjectId, r.outcome, JSON.stringify(r.detail ?? {}), stream, seq, head.hash, hash],
  );
  if (inserted.length) head = { seq, hash };
  if (inTransaction) heads.set(em, (known ?? new Map()).set(stream, head));
  return inserted.length > 0;
}

/** One audit entry as it is stored (and exported). */
export interface StoredEntry {
  id: string;
  stream: string;
  seq: number;
  at: Date;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  outcome: AuditRecord['outcome'];
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export const ENTRY_COLUMNS = `id::text AS id, stream, seq::int AS seq, at, actor, action, subject_type AS "subjectType", subject_id AS "subjectId", outcome, detail, prev_hash AS "prevHash", hash`;

export const entryHash = (e: StoredEntry) => auditHash(e.prevHash, e, e.stream);

export type BreakKind = 'altered' | 'deleted' | 'inserted' | 'reordered';

export interface BrokenEntry {
  kind: BreakKind;
  stream: string;
  /** The entry's seq (for a deleted one: the seq it had). */
  seq: number;
  /** The entry's id (for a deleted one: the id of the entry after the gap, which links to it). */
  id: string;
  reason: string;
}

/**
 * Walks one stream's entries (sorted by seq, then id) from `firstSeq` with `firstPrev` as the hash
 * before it, and names the first entry that was altered, deleted, inserted or reordered.
 */
export function checkStream(entries: StoredEntry[], firstSeq = 1, firstPrev = GENESIS): BrokenEntry | undefined {
  const linkedBy = new Set(entries.map((e) => e.prevHash));
  const position = new Map(entries.map((e, i) => [e.hash, i]));
  const at = (e: StoredEntry, kind: BreakKind, reason: string, seq = e.seq): BrokenEntry => ({ kind, stream: e.stream, seq, id: e.id, reason });
  let prev = firstPrev;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const expectedSeq = i === 0 ? firstSeq : entries[i - 1].seq + 1;
    if (entryHash(e) !== e.hash) return at(e, 'altered', 'content does not match its hash');
    if (i > 0 && e.seq === entries[i - 1].seq) {
      // Two entries with one seq: the true one is the one the next entry links to.
      const twin = entries[i - 1];
      const fake = linkedBy.has(e.hash) && !linkedBy.has(twin.hash) ? twin : e;
      return at(fake, 'inserted', `seq ${e.seq} repeats and no entry links to this one`);
    }
    if (e.seq > expectedSeq) {
      return at(e, 'deleted', `seq ${expectedSeq}${e.seq - 1 > expectedSeq ? `..${e.seq - 1}` : ''} is missing: entry ${e.id} (seq ${e.seq}) follows seq ${expectedSeq - 1}`, expectedSeq);
    }
    if (e.prevHash !== prev) {
      const before = i >= 2 ? entries[i - 2].hash : i === 1 ? firstPrev : undefined;
      if (i >= 1 && e.prevHash === before) return at(entries[i - 1], 'inserted', `no entry links to it: entry ${e.id} (seq ${e.seq}) links past it to seq ${entries[i - 1].seq - 1}`);
      const later = position.get(e.prevHash);
      if (later !== undefined && later > i) return at(e, 'reordered', `it links to seq ${entries[later].seq} (entry ${entries[later].id}), which comes after it`);
      if (later !== undefined) return at(e, 'reordered', `it links to seq ${entries[later].seq} (entry ${entries[later].id}), not to the entry just before it`);
      return at(e, 'deleted', `the entry before it is missing: it links to hash ${e.prevHash.slice(0, 12)}… that no entry has`);
    }
    prev = e.hash;
  }
  return undefined;
}

/** A digest's view of one stream: its head at that moment. */
export interface StreamHead {
  stream: string;
  seq: number;
  hash: string;
}

export interface ChainCheck {
  ok: boolean;
  entries: number;
  streams: number;
  /** The first entry (by stream, then seq) whose hash or link does not match, with why. */
  brokenAt?: BrokenEntry;
  /** The signed digests: how many, whether their signatures and the heads they list hold. */
  digests?: { count: number; latestAt?: string; signaturesChecked: boolean; note?: string; brokenAt?: { id: string; reason: string } };
}

/** Groups entries (sorted by stream, seq, id) into their streams. */
export function byStream(rows: StoredEntry[]): Map<string, StoredEntry[]> {
  const out = new Map<string, StoredEntry[]>();
  for (const r of rows) {
    const list = out.get(r.stream) ?? out.set(r.stream, []).get(r.stream)!;
    list.push(r);
  }
  return out;
}

/**
 * Where a stream disagrees with a signed head: the entry at that seq has another hash (altered or
 * replaced), or the stream ends before it (its tail was deleted).
 */
export function checkHead(entries: StoredEntry[] | undefined, head: StreamHead, digest: string): BrokenEntry | undefined {
  const at = entries?.find((e) => e.seq === head.seq);
  const last = entries?.[entries.length - 1];
  if (!at) {
    return { kind: 'deleted', stream: head.stream, seq: (last?.seq ?? 0) + 1, id: last?.id ?? '-', reason: `${digest} signed seq ${head.seq} as the stream's head, and the stream ends at seq ${last?.seq ?? 0}` };
  }
  if (at.hash !== head.hash) return { kind: 'altered', stream: head.stream, seq: head.seq, id: at.id, reason: `its hash differs from the one ${digest} signed` };
  return undefined;
}

/** For the heads a digest signed: each stream's entry at that seq (if any) and its last entry. */
export type HeadLookup = (heads: StreamHead[]) => Promise<Map<string, StoredEntry[]>>;

/** Entries read per query while verifying: whole streams, so one query may hold more. */
const VERIFY_BATCH = 20_000;

/**
 * Recomputes every stream from its first entry, a batch of streams at a time (memory stays bounded
 * by the batch, not the trail), then checks the signed digests (when `digests` is given, see
 * audit-digest.ts). Any edited, removed, inserted or reordered row is named. Run it in one
 * REPEATABLE READ transaction so entries written meanwhile do not count.
 */
export async function verifyAuditChain(
  em: EntityManager,
  digests?: (lookup: HeadLookup) => Promise<{ check: NonNullable<ChainCheck['digests']>; broken?: BrokenEntry }>,
): Promise<ChainCheck> {
  const sizes: Array<{ stream: string; n: number }> = await em.query(`SELECT stream, count(*)::int AS n FROM audit_entries GROUP BY stream ORDER BY stream`);
  const result: ChainCheck = { ok: true, entries: sizes.reduce((a, s) => a + s.n, 0), streams: sizes.length };
  const [{ days }] = await em.query(`SELECT coalesce((SELECT days FROM audit_retention), 180) AS days`);
  const pruned = new Date(Date.now() - Number(days) * 86_400_000);
  for (let i = 0; i < sizes.length; ) {
    const batch: string[] = [];
    for (let n = 0; i < sizes.length && (batch.length === 0 || n + sizes[i].n <= VERIFY_BATCH); i++) {
      batch.push(sizes[i].stream);
      n += sizes[i].n;
    }
    const rows: StoredEntry[] = await em.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE stream = ANY($1) ORDER BY stream, seq, id`, [batch]);
    for (const entries of byStream(rows).values()) {
      // A stream may start later than seq 1 only where the entries before were old enough to delete.
      const first = entries[0];
      const broken = first.seq > 1 && first.at < pruned ? checkStream(entries, first.seq, first.prevHash) : checkStream(entries);
      if (broken) return { ...result, ok: false, brokenAt: broken };
    }
  }
  if (digests) {
    const lookup: HeadLookup = async (heads) =>
      byStream(
        await em.query(
          `SELECT ${ENTRY_COLUMNS} FROM audit_entries
            WHERE (stream, seq) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))
               OR id IN (SELECT DISTINCT ON (stream) id FROM audit_entries WHERE stream = ANY($1) ORDER BY stream, seq DESC, id DESC)
            ORDER BY stream, seq, id`,
          [heads.map((h) => h.stream), heads.map((h) => h.seq)],
        ),
      );
    const d = await digests(lookup);
    result.digests = d.check;
    if (d.broken) return { ...result, ok: false, brokenAt: d.broken };
    if (d.check.brokenAt) result.ok = false;
  }
  return result;
}

// Backup chains (einvoice-domain.md, "Backups"): a full backup, then differentials and incrementals
// whose parent is the element before them. Pure: used on catalog rows to choose what to restore,
// and on authenticated manifests to check a chain before anything is restored.
import { isISO8601 } from 'class-validator';

export const BACKUP_KINDS = ['full', 'incremental', 'differential'] as const;
export type BackupKind = (typeof BACKUP_KINDS)[number];

/** Backup ids: as plan actions accept them (`full-2025-03-01`, `inc-20250301T0100Z`). "latest" is reserved. */
export const BACKUP_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$';
export const BACKUP_ID_RE = new RegExp(BACKUP_ID_PATTERN);

export function isBackupId(id: unknown): id is string {
  return typeof id === 'string' && BACKUP_ID_RE.test(id) && id !== 'latest';
}

/**
 * Catalog statuses. `running`: being written; `completed`: manifest written, not yet checked by a
 * recovery test; `verified`: a verification or recovery test passed; `failed`: the backup job
 * failed; `corrupt`: a verification found damage; `expired`: removed by retention.
 */
export const BACKUP_STATUSES = ['running', 'completed', 'verified', 'failed', 'corrupt', 'expired'] as const;
export type BackupStatus = (typeof BACKUP_STATUSES)[number];
/** A restore verifies the whole chain before writing anything, so completed backups are usable too. */
export const DEFAULT_USABLE_STATUSES: readonly string[] = ['completed', 'verified'];

export type Instant = string | Date;

/** What a chain check needs of a backup: a catalog row or a manifest. */
export interface ChainLink {
  id: string;
  kind: BackupKind;
  /** The backup this one's changes start from; null for a full. */
  parentId: string | null;
  /** The full at the root of this backup's chain; null (or its own id) for a full. */
  baseFullId: string | null;
  /** The instant the backup's data is consistent as of. */
  pointInTime: Instant;
  /** Change positions (opaque: a transaction id, an LSN, a row version), checked for gaps when both sides have them. */
  fromChange?: string | null;
  toChange?: string | null;
}

export interface CatalogEntry extends ChainLink {
  takenAt: Instant;
  status: string;
}

export interface ChainProblem {
  /** Position in the chain (0 = the full) of the link that is wrong. */
  index: number;
  id: string;
  /** The backup that should be there and is not, when that is the problem. */
  missing?: string;
  message: string;
}

export class RestoreChainError extends Error {
  override name = 'RestoreChainError';
  constructor(
    message: string,
    readonly reasons: readonly PassedOver[] = [],
  ) {
    super(message);
  }
}

export function toMillis(t: Instant, what: string): number {
  // Date.parse rolls 2026-02-30 over to March 2: a restore must never go to a moment nobody asked for.
  const ms = t instanceof Date ? t.getTime() : typeof t === 'string' && isISO8601(t, { strict: true }) ? Date.parse(t) : NaN;
  if (!Number.isFinite(ms)) throw new RestoreChainError(`${what}: ${JSON.stringify(t)} is not a date-time`);
  return ms;
}

const iso = (t: Instant): string => new Date(toMillis(t, 'time')).toISOString();

/**
 * Checks the links of a chain given in restore order: a full first, then backups whose parent is the
 * element before them (a differential's parent is the full itself), all of the same base full,
 * points in time not going backwards, change ranges without gaps. Returns every problem found.
 */
export function checkChainLinks(links: readonly ChainLink[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  if (links.length === 0) return [{ index: 0, id: '', message: 'the chain is empty: it needs at least a full backup' }];
  const full = links[0];
  if (full.kind !== 'full') {
    const base = full.baseFullId ? `; its base full is ${full.baseFullId}` : '';
    const missing = full.baseFullId ?? full.parentId ?? undefined;
    problems.push({ index: 0, id: full.id, missing, message: `the chain starts with ${full.kind} ${full.id}, not with a full backup${base}` });
  } else {
    if (full.parentId) problems.push({ index: 0, id: full.id, message: `full ${full.id} has a parent (${full.parentId}); a full backup has none` });
    if (full.baseFullId && full.baseFullId !== full.id) {
      problems.push({ index: 0, id: full.id, message: `full ${full.id} names another base full (${full.baseFullId})` });
    }
  }
  const ids = links.map((l) => l.id);
  for (let i = 1; i < links.length; i++) {
    const link = links[i];
    const prev = links[i - 1];
    const where = `${link.kind} ${link.id} (link ${i + 1} of ${links.length})`;
    if (link.kind === 'full') {
      problems.push({ index: i, id: link.id, message: `${where} is a second full backup: a chain has exactly one, at its start` });
      continue;
    }
    if (!link.parentId) {
      problems.push({ index: i, id: link.id, message: `${where} has no parent` });
    } else if (link.parentId !== prev.id) {
      const earlier = ids.indexOf(link.parentId);
      if (earlier >= 0 && earlier < i) {
        problems.push({
          index: i,
          id: link.id,
          message: `${where} follows ${prev.id}, but its parent is ${link.parentId}: ${ids.slice(earlier + 1, i).join(', ')} do not belong between them`,
        });
      } else {
        problems.push({
          index: i,
          id: link.id,
          missing: link.parentId,
          message: `missing link: ${where} has parent ${link.parentId}, which is not in the chain (it goes ${prev.id} -> ${link.id})`,
        });
      }
    }
    if (link.kind === 'differential' && link.parentId && link.parentId !== full.id) {
      problems.push({ index: i, id: link.id, message: `${where} has parent ${link.parentId}; a differential's parent is its full backup (${full.id})` });
    }
    if (link.baseFullId !== full.id) {
      problems.push({ index: i, id: link.id, message: `${where} belongs to full ${link.baseFullId ?? '(none)'}, not to ${full.id} at the start of the chain` });
    }
    if (toMillis(link.pointInTime, `${link.id} pointInTime`) < toMillis(prev.pointInTime, `${prev.id} pointInTime`)) {
      problems.push({ index: i, id: link.id, message: `${where} is consistent as of ${iso(link.pointInTime)}, before ${prev.id} (${iso(prev.pointInTime)}) that it follows` });
    }
    const from = link.fromChange;
    const to = prev.toChange;
    if (from != null && to != null && String(from) !== String(to)) {
      problems.push({ index: i, id: link.id, message: `change gap: ${where} starts at change ${from}, but ${prev.id} ends at change ${to}` });
    }
  }
  return problems;
}

export interface PassedOver {
  id: string;
  pointInTime: string;
  /** `status`: its catalog status is not usable; `broken`: its chain has a missing or wrong link. */
  cause: 'status' | 'broken';
  reason: string;
}

export interface RestoreChain<T extends CatalogEntry = CatalogEntry> {
  /** In restore order: the full first. */
  entries: T[];
  ids: string[];
  /** The point in time the chain restores to (its last backup's). */
  pointInTime: string;
  requested: string;
  /**
   * Backups consistent at or before the requested time but later than the chosen chain, and why they
   * were not used (status, broken link). Empty when the chain ends at the latest backup there is.
   */
  passedOver: PassedOver[];
}

export interface RestoreChainOptions {
  /** Catalog statuses a chain may use (default: completed and verified). */
  usableStatuses?: readonly string[];
  /**
   * Throw instead of falling back to an earlier point when a later usable backup at or before the
   * time cannot be reached through a valid chain (default false: fall back, and say so in `passedOver`).
   */
  strict?: boolean;
}

/**
 * The shortest valid chain whose last backup is the latest one consistent at or before `pointInTime`:
 * its full, then (following parent links) the differential and incrementals in between. Entries
 * whose status is not usable are skipped; a backup whose chain is broken is passed over with the
 * reason. Throws `RestoreChainError` explaining why when there is no chain at all.
 */
export function shortestRestoreChain<T extends CatalogEntry>(entries: readonly T[], pointInTime: Instant, opts: RestoreChainOptions = {}): RestoreChain<T> {
  const target = toMillis(pointInTime, 'requested point in time');
  const requested = new Date(target).toISOString();
  const usableStatuses = opts.usableStatuses ?? DEFAULT_USABLE_STATUSES;
  const usable = (e: T) => usableStatuses.includes(e.status);
  const byId = new Map<string, T>();
  for (const e of entries) {
    if (byId.has(e.id)) throw new RestoreChainError(`the catalog lists backup ${e.id} twice`);
    byId.set(e.id, e);
  }
  const pit = new Map<string, number>();
  for (const e of entries) pit.set(e.id, toMillis(e.pointInTime, `backup ${e.id} pointInTime`));

  const chainTo = (end: T): { chain: T[] } | { problem: string } => {
    const chain = [end];
    const seen = new Set([end.id]);
    let cur = end;
    while (cur.kind !== 'full') {
      if (!cur.parentId) return { problem: `${cur.kind} ${cur.id} has no parent` };
      const parent = byId.get(cur.parentId);
      if (!parent) return { problem: `missing link: ${cur.id}'s parent ${cur.parentId} is not in the catalog` };
      if (seen.has(parent.id)) return { problem: `the parent links from ${end.id} loop back to ${parent.id}` };
      if (!usable(parent)) return { problem: `broken link: ${cur.id}'s parent ${parent.id} is ${parent.status}` };
      seen.add(parent.id);
      chain.unshift(parent);
      cur = parent;
    }
    const problems = checkChainLinks(chain);
    return problems.length ? { problem: problems[0].message } : { chain };
  };

  const candidates = entries.filter((e) => (pit.get(e.id) as number) <= target);
  const points = [...new Set(candidates.map((e) => pit.get(e.id) as number))].sort((a, b) => b - a);
  const passedOver: PassedOver[] = [];
  for (const point of points) {
    const valid: T[][] = [];
    const brokenHere: PassedOver[] = [];
    for (const e of candidates.filter((c) => pit.get(c.id) === point)) {
      const at = new Date(point).toISOString();
      if (!usable(e)) {
        passedOver.push({ id: e.id, pointInTime: at, cause: 'status', reason: `${e.kind} ${e.id} is ${e.status}` });
        continue;
      }
      const r = chainTo(e);
      if ('chain' in r) valid.push(r.chain);
      else brokenHere.push({ id: e.id, pointInTime: at, cause: 'broken', reason: r.problem });
    }
    if (valid.length) {
      valid.sort((a, b) => a.length - b.length || toMillis(b[b.length - 1].takenAt, 'takenAt') - toMillis(a[a.length - 1].takenAt, 'takenAt') || cmp(a[a.length - 1].id, b[b.length - 1].id));
      const chain = valid[0];
      // Chains at the same point that are merely longer are not "passed over"; broken ones are.
      passedOver.push(...brokenHere);
      if (opts.strict && passedOver.some((p) => p.cause === 'broken')) {
        throw new RestoreChainError(
          `no valid chain to the latest backup at or before ${requested}: ${passedOver.map((p) => p.reason).join('; ')}`,
          passedOver,
        );
      }
      return { entries: chain, ids: chain.map((e) => e.id), pointInTime: new Date(point).toISOString(), requested, passedOver };
    }
    passedOver.push(...brokenHere);
  }
  throw new RestoreChainError(explainNoChain(entries, candidates, usable, requested, passedOver), passedOver);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function explainNoChain<T extends CatalogEntry>(all: readonly T[], before: readonly T[], usable: (e: T) => boolean, requested: string, passedOver: PassedOver[]): string {
  if (all.length === 0) return `no backup to restore to ${requested}: the catalog is empty`;
  if (before.length === 0) {
    const first = [...all].sort((a, b) => toMillis(a.pointInTime, 'pointInTime') - toMillis(b.pointInTime, 'pointInTime'))[0];
    return `no backup is consistent at or before ${requested}: the earliest is ${first.kind} ${first.id} as of ${iso(first.pointInTime)}`;
  }
  const fulls = before.filter((e) => e.kind === 'full');
  if (!fulls.some(usable)) {
    const unusable = fulls.length ? ` (${fulls.map((f) => `${f.id} is ${f.status}`).join(', ')})` : '';
    return `no usable full backup at or before ${requested}${unusable}: every chain starts with a full`;
  }
  return `no valid chain to any backup at or before ${requested}: ${passedOver.map((p) => p.reason).join('; ')}`;
}

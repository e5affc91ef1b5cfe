// Gathers what the compliance checks look at, from the database, the backup keyring and the team
// directory, as the worker and the API see them now. Read-only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource } from 'typeorm';
import { listTokens } from '../../apps/api/src/auth/token-store';
import { withoutKept } from '../../domain/access/decisions';
import { parseStaleDays, reviewAccess } from '../../domain/access/review';
import type { AccessFact, AuditFact, ComplianceFacts, DirectoryFact, DrillFact, KeyringFact } from '../../domain/compliance/compliance.types';
import { formatProblem } from '../../domain/plan/parse-plan';
import type { Plan } from '../../domain/plan/plan.types';
import { loadDirectory } from '../../domain/responsibility/directory';
import { planVariables } from '../../domain/yaml/plan-variables';
import { keepDays, keptFindings } from '../access-review/access-review';
import { existingBackupKeyring } from '../../apps/shared/backups';
import { verifyAuditChain } from '../records/audit-log';

export interface GatherOptions {
  directoryFile: string;
  /** Where the stack keeps its backup key file when no YINGJI_BACKUP_KEYS_FILE / YINGJI_BACKUP_KEY is set. */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  now?: Date;
}

export async function gatherComplianceFacts(db: DataSource, o: GatherOptions): Promise<ComplianceFacts> {
  const env = o.env ?? process.env;
  const now = o.now ?? new Date();
  const [plans, drills, items, backups, tests, keyring, audit, tokens] = await Promise.all([
    db.query(
      `SELECT DISTINCT ON (v.plan_id) v.plan_id, v.version, v.title, v.parsed, v.published_at,
              (SELECT min(f.published_at) FROM plan_versions f WHERE f.plan_id = v.plan_id) AS first_published_at
         FROM plan_versions v ORDER BY v.plan_id, v.version DESC`,
    ) as Promise<Array<{ plan_id: string; version: number; title: string; parsed: Plan; published_at: Date; first_published_at: Date }>>,
    db.query(
      `SELECT d.id, d.plan_id, d.plan_version, d.mode, d.started_at, d.finished_at, d.scored_at, d.score->'total' AS total, d.score->>'grade' AS grade,
              jsonb_array_length(d.findings) AS findings, (SELECT count(*)::int FROM review_findings r WHERE r.incident_id = d.id) AS items,
              d.facts->'rtoMs' AS rto_ms, COALESCE(d.facts->'loss'->'windowMs', d.loss->'windowMs') AS rpo_ms
         FROM drills d`,
    ) as Promise<Array<Record<string, unknown>>>,
    db.query(
      `SELECT r.id, r.incident_id, i.plan_id, r.text, r.owner, to_char(r.due_date, 'YYYY-MM-DD') AS due, r.created_at
         FROM review_findings r JOIN incidents i ON i.id = r.incident_id`,
    ) as Promise<Array<{ id: string; incident_id: string; plan_id: string; text: string; owner: string; due: string; created_at: Date }>>,
    db.query(
      `SELECT id, kind, taken_at, status, key_id FROM backup_catalog WHERE status IN ('completed', 'verified') ORDER BY taken_at DESC LIMIT 500`,
    ) as Promise<Array<{ id: string; kind: 'full' | 'incremental' | 'differential'; taken_at: Date; status: string; key_id: string | null }>>,
    db.query(`SELECT id, started_at, finished_at, ok, error FROM recovery_tests ORDER BY started_at DESC LIMIT 50`) as Promise<
      Array<{ id: string; started_at: Date; finished_at: Date | null; ok: boolean | null; error: string | null }>
    >,
    keyringFact(db, o.dataDir, env),
    auditFact(db),
    listTokens(db),
  ]);
  return {
    now,
    plans: plans.map((p) => ({
      id: p.plan_id,
      version: p.version,
      title: p.title,
      owner: p.parsed.owner,
      publishedAt: p.published_at,
      firstPublishedAt: p.first_published_at,
      plan: p.parsed,
    })),
    drills: drills.map(drillFact),
    improvementItems: items.map((i) => ({ id: i.id, incidentId: i.incident_id, planId: i.plan_id, text: i.text, owner: i.owner, dueDate: i.due, createdAt: i.created_at })),
    backups: backups.map((b) => ({ id: b.id, kind: b.kind, takenAt: b.taken_at, status: b.status, keyId: b.key_id })),
    recoveryTests: tests.map((t) => ({ id: t.id, startedAt: t.started_at, finishedAt: t.finished_at, ok: t.ok, error: t.error })),
    keyring,
    audit,
    access: await accessFact(db, tokens, now, env),
    directory: readDirectory(o.directoryFile),
  };
}

const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));

function drillFact(r: Record<string, unknown>): DrillFact {
  const total = num(r.total);
  return {
    id: r.id as string,
    planId: r.plan_id as string,
    planVersion: r.plan_version as number,
    mode: r.mode as DrillFact['mode'],
    startedAt: r.started_at as Date,
    finishedAt: (r.finished_at as Date | null) ?? null,
    scoredAt: (r.scored_at as Date | null) ?? null,
    score: total === undefined ? undefined : { total, grade: String(r.grade ?? '') },
    findings: Number(r.findings ?? 0),
    improvementItems: Number(r.items ?? 0),
    rtoMs: num(r.rto_ms),
    rpoMs: num(r.rpo_ms),
  };
}

/** The keyring without its secrets: the current key id, when rotateKeys made it current, and the first backup written under it. */
async function keyringFact(db: DataSource, dataDir: string, env: NodeJS.ProcessEnv): Promise<KeyringFact> {
  let current: string;
  let ids: string[];
  try {
    const k = existingBackupKeyring({ dataDir }, env);
    current = k.current().id;
    ids = k.ids();
  } catch (err) {
    return { error: (err as Error).message };
  }
  const [[used], [rotated]]: Array<Array<{ at: Date | null }>> = await Promise.all([
    db.query(`SELECT min(taken_at) AS at FROM backup_catalog WHERE key_id = $1`, [current]),
    db.query(`SELECT min(at) AS at FROM audit_entries WHERE action = 'backup-key.rotate' AND subject_id = $1`, [current]),
  ]);
  return { currentKeyId: current, keyIds: ids, currentKeyRotatedAt: rotated?.at ?? undefined, currentKeyFirstUsedAt: used?.at ?? undefined };
}

/** The access review's findings, less the grants security kept in a recent review (as the scheduled review leaves them out). */
async function accessFact(db: DataSource, tokens: Awaited<ReturnType<typeof listTokens>>, now: Date, env: NodeJS.ProcessEnv): Promise<AccessFact> {
  const staleDays = parseStaleDays(env.YINGJI_ACCESS_STALE_DAYS);
  const days = keepDays(env);
  const all = reviewAccess(tokens, now, staleDays).findings;
  const findings = withoutKept(all, await keptFindings(db, days), now, days);
  return { staleDays, findings, kept: { count: all.length - findings.length, keepDays: days } };
}

/** The chain's verification, and what PostgreSQL enforces: the retention and the triggers guarding the entries. */
async function auditFact(db: DataSource): Promise<AuditFact> {
  const [chain, [oldest], retention, guards] = await Promise.all([
    verifyAuditChain(db.manager),
    db.query(`SELECT min(at) AS oldest FROM audit_entries`) as Promise<Array<{ oldest: Date | null }>>,
    db.query(`SELECT days FROM audit_retention`).catch(() => []) as Promise<Array<{ days: number }>>,
    db.query(
      `SELECT tgname AS name, tgenabled <> 'D' AS enabled FROM pg_trigger WHERE tgrelid = 'audit_entries'::regclass AND NOT tgisinternal ORDER BY tgname`,
    ) as Promise<Array<{ name: string; enabled: boolean }>>,
  ]);
  return { ok: chain.ok, entries: chain.entries, brokenAt: chain.brokenAt, oldestAt: oldest?.oldest ?? undefined, retentionDays: retention[0]?.days, guards };
}

function readDirectory(file: string): DirectoryFact {
  const name = path.basename(file);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return { ok: false, file: name, problems: [`cannot be read: ${(err as Error).message}`] };
  }
  const loaded = loadDirectory(text, { file: name, env: planVariables(process.env) });
  return loaded.ok ? { ok: true, file: name, directory: loaded.directory } : { ok: false, file: name, problems: loaded.problems.map(formatProblem) };
}

// snapshotEvidence: the incident's timeline, audit entries, notifications (with deliveries) and the
// access records of its window, sealed as a bundle kept with the backups
// (`<backups>/evidence/<incident>/<step>-<timestamp>/`).
import { ApplicationFailure } from '@temporalio/activity';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DataSource, EntityManager } from 'typeorm';
import type { ActionRequest, ActionResult } from '../actions/actions.activities';
import type { BackupStore } from '../backup/store';
import { DirectoryStore } from '../backup/store';
import { EvidenceManifest, readManifest, writeEvidenceBundle } from './bundle';

const KNOWN_KEYS = ['sources', 'since', 'retainDays'];
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const refuse = (message: string) => ApplicationFailure.nonRetryable(message, 'BadActionInput');

export function createEvidenceActions(ds: DataSource, store: BackupStore) {
  return {
    snapshotEvidence: async (req: ActionRequest): Promise<ActionResult> => {
      const unknown = Object.keys(req.with).filter((k) => !KNOWN_KEYS.includes(k));
      if (unknown.length) throw refuse(`snapshotEvidence: unknown with key(s) ${unknown.join(', ')}; it takes ${KNOWN_KEYS.join(', ')}`);
      if (!(store instanceof DirectoryStore)) throw refuse(`snapshotEvidence keeps its bundle in a folder beside the backups; the backup store is ${store.description}`);
      for (const [what, v] of [['incident id', req.incidentId], ['step id', req.stepId]]) {
        if (!SAFE_NAME.test(v) || v.includes('..')) throw refuse(`snapshotEvidence: ${what} ${JSON.stringify(v)} cannot name a folder`);
      }
      const parent = path.join(store.root, 'evidence', req.incidentId);
      const { dir, manifest } = existingBundle(parent, req.stepId) ?? (await snapshot(ds, req, parent));
      const count = (name: string) => manifest.files.find((f) => f.name === name)?.lines ?? 0;
      return {
        outcome:
          `evidence bundle ${dir}: ${count('timeline.jsonl')} timeline entries, ${count('audit.jsonl')} audit entries, ` +
          `${count('notifications.jsonl')} notifications, ${count('access.jsonl')} access records; manifest SHA-256 ${manifest.bundleSha256}`,
        data: { folder: dir, bundleSha256: manifest.bundleSha256, counts: Object.fromEntries(manifest.files.map((f) => [f.name, f.lines])) },
      };
    },
  };
}

/** A retried activity finds its finished bundle (it has a manifest); unfinished ones are removed. */
function existingBundle(parent: string, step: string): { dir: string; manifest: EvidenceManifest } | undefined {
  if (!fs.existsSync(parent)) return undefined;
  for (const name of fs.readdirSync(parent).filter((n) => n.startsWith(`${step}-`)).sort()) {
    const dir = path.join(parent, name);
    const manifest = readManifest(dir);
    if (manifest && manifest.step === step) return { dir, manifest };
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return undefined;
}

async function snapshot(ds: DataSource, req: ActionRequest, parent: string): Promise<{ dir: string; manifest: EvidenceManifest }> {
  // One consistent view of every table.
  return ds.transaction('REPEATABLE READ', async (em) => {
    const incident = (await em.query(`SELECT opened_at FROM incidents WHERE id = $1`, [req.incidentId]))[0] as { opened_at: Date } | undefined;
    if (!incident) throw ApplicationFailure.nonRetryable(`snapshotEvidence: no incident ${req.incidentId}`, 'NoIncident');
    const now = new Date();
    const since = typeof req.with.since === 'string' && !Number.isNaN(Date.parse(req.with.since)) ? new Date(req.with.since) : undefined;
    const from = since && since < incident.opened_at ? since : incident.opened_at;
    const contents = [
      { name: 'timeline.jsonl', rows: await timeline(em, req.incidentId) },
      { name: 'audit.jsonl', rows: await audit(em, req.incidentId) },
      { name: 'notifications.jsonl', rows: await notifications(em, req.incidentId) },
      { name: 'access.jsonl', rows: await access(em, from, now) },
    ];
    const dir = path.join(parent, `${req.stepId}-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')}`);
    const manifest = writeEvidenceBundle(dir, contents, {
      incidentId: req.incidentId,
      step: req.stepId,
      window: { from: from.toISOString(), to: now.toISOString() },
      createdAt: now.toISOString(),
      requested: req.with,
    });
    return { dir, manifest };
  });
}

const timeline = (em: EntityManager, id: string) =>
  em.query(`SELECT id, event_key, at, kind, actor, simulated, task_id, message, data FROM timeline_entries WHERE incident_id = $1 ORDER BY at, id`, [id]);

/** Entries whose subject or event key is the incident or starts with it and a separator (inc-1, not inc-10). */
async function audit(em: EntityManager, id: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT id, event_key, at, actor, action, subject_type, subject_id, outcome, detail, stream, seq, prev_hash, hash FROM audit_entries
     WHERE starts_with(subject_id, $1) OR starts_with(coalesce(event_key, ''), $1) ORDER BY id`,
    [id],
  );
  const about = (s: unknown) => typeof s === 'string' && s.startsWith(id) && (s.length === id.length || !/[A-Za-z0-9]/.test(s[id.length]));
  return rows.filter((r) => about(r.subject_id) || about(r.event_key));
}

async function notifications(em: EntityManager, id: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = await em.query(
    `SELECT id, step_id, task_id, reason, channel, audience, recipients, message, drill, status, attempts, detail, created_at, delivered_at
     FROM notifications WHERE incident_id = $1 ORDER BY created_at, id`,
    [id],
  );
  const deliveries: Array<Record<string, unknown>> = await em.query(
    `SELECT notification_id, recipient, person, channel, address, status, attempts, detail, updated_at, sent_at
     FROM deliveries WHERE notification_id = ANY($1) ORDER BY notification_id, recipient`,
    [rows.map((r) => r.id)],
  );
  return rows.map((n) => ({ ...n, deliveries: deliveries.filter((d) => d.notification_id === n.id) }));
}

/** Tokens that could be used at some moment of the window; never their secret's hash. */
const access = (em: EntityManager, from: Date, to: Date) =>
  em.query(
    `SELECT id, person, teams, roles, created_by, created_at, expires_at, revoked_at, simulated FROM api_tokens
     WHERE created_at <= $2 AND expires_at >= $1 AND (revoked_at IS NULL OR revoked_at >= $1) ORDER BY created_at, id`,
    [from, to],
  );

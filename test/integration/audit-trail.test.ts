import { spawn } from 'node:child_process';
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { checkDigests, keyIdOf, loadSigningKey, writeAuditDigest } from '../../activities/records/audit-digest';
import { exportAudit, verifyAuditExport } from '../../activities/records/audit-export';
import { appendAudit, auditHash, ChainCheck, verifyAuditChain } from '../../activities/records/audit-log';
import { MIGRATIONS } from '../../migrations';
import { AuditStreams1764500000000 } from '../../migrations/1764500000000-audit-streams';
import { applyMigrations, migratedDataSource } from '../../migrations/data-source';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { As, eventually, Harness, openTask, startHarness } from './support/harness';
import type { AuditRow } from './support/audit';

type Entry = AuditRow;

const tokenIdOf = (as: As) => /^yj_([0-9a-f]{16})\./.exec(as.token)![1];

// Privileged actions that succeed are audited with who, which token, from where, on what; refusals
// name the object and the action really attempted; failed authentications cannot flood the trail.
describe('the audit trail', () => {
  let h: Harness;
  let commander: As;
  let auditor: As;
  const entries = (where: string, params: unknown[]): Promise<Entry[]> =>
    h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE ${where} ORDER BY id`, params);

  beforeAll(async () => {
    h = await startHarness();
    await h.publishPlan('hello-drill.yaml');
    commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
    auditor = await h.as('sun-li', ['auditor']);
  });
  afterAll(() => h?.close());

  it('a drill schedule created and deleted is audited with actor, token and schedule; a second delete is 404 naming it', async () => {
    const created = await commander.post('/drill-schedules', { planId: 'hello-drill', mode: 'tabletop', cron: '0 3 1 1 *' }).expect(201);
    const scheduleId: string = created.body.scheduleId;
    // Auditors read everything, schedules included; so do managers.
    expect((await auditor.get('/drill-schedules').expect(200)).body.map((s: { scheduleId: string }) => s.scheduleId)).toContain(scheduleId);
    await (await h.as('chen-jing', ['manager'])).get('/drill-schedules').expect(200);

    const del = () => h.http.delete(`/drill-schedules/${scheduleId}`).set('Authorization', `Bearer ${commander.token}`);
    await del().expect(204);
    const again = await del().expect(404);
    expect(again.body.message).toBe(`drill schedule "${scheduleId}" not found (already deleted?)`);

    const audited = await entries(`subject_id = $1`, [scheduleId]);
    expect(audited).toEqual([
      { actor: 'zhang-wei', action: 'drill-schedule.create', subject_type: 'drill-schedule', subject_id: scheduleId, outcome: 'ok', detail: expect.objectContaining({ planId: 'hello-drill', cron: '0 3 1 1 *', tokenId: tokenIdOf(commander), ip: expect.any(String) }) },
      { actor: 'zhang-wei', action: 'drill-schedule.delete', subject_type: 'drill-schedule', subject_id: scheduleId, outcome: 'ok', detail: { tokenId: tokenIdOf(commander), ip: expect.any(String) } },
    ]);
  });

  it('a launch and a level override are audited with the token; refusals name the incident or task and the action attempted', async () => {
    const id: string = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const launched = await entries(`subject_id = $1 AND action = 'incident.launch'`, [id]);
    expect(launched).toEqual([
      { actor: 'zhang-wei', action: 'incident.launch', subject_type: 'incident', subject_id: id, outcome: 'ok', detail: expect.objectContaining({ planId: 'hello-drill', mode: 'live', tokenId: tokenIdOf(commander), ip: expect.any(String) }) },
    ]);

    await commander.post(`/incidents/${id}/override`, { level: 'I', reason: 'the whole region is down' }).expect(200);
    // Audited once, by the workflow as it takes effect, with the token and address the API passed along.
    expect(await entries(`subject_id = $1 AND action = 'incident.override'`, [id])).toEqual([
      { actor: 'zhang-wei', action: 'incident.override', subject_type: 'incident', subject_id: id, outcome: 'ok', detail: { level: 'I', tokenId: tokenIdOf(commander), ip: expect.stringMatching(/127\.0\.0\.1/) } },
    ]);

    // A manager may not override: audited against this incident as an override, not the route template.
    const manager = await h.as('chen-jing', ['manager']);
    await manager.post(`/incidents/${id}/override`, { level: 'II', reason: 'x' }).expect(403);
    expect(await entries(`actor = 'chen-jing' AND outcome = 'denied'`, [])).toEqual([
      expect.objectContaining({ action: 'incident.override', subject_type: 'incident', subject_id: id, detail: expect.objectContaining({ tokenId: tokenIdOf(manager), ip: expect.any(String) }) }),
    ]);

    // Another team's responder completing the on-call task: audited as task.complete on that task.
    const task = await openTask(commander, id);
    expect(task.team).toBe('it-ops');
    const finance = await h.as('qian-hui', ['responder'], ['finance']);
    const res = await finance.post(`/tasks/${task.id}/complete`, {}).expect(403);
    expect(res.body.message).toContain('belongs to team it-ops');
    expect(await entries(`actor = 'qian-hui'`, [])).toEqual([
      { actor: 'qian-hui', action: 'task.complete', subject_type: 'task', subject_id: task.id, outcome: 'denied', detail: { reason: res.body.message, tokenId: tokenIdOf(finance), ip: expect.stringMatching(/127\.0\.0\.1/) } },
    ]);
    await h.temporal.workflow.getHandle(id).terminate('test over');
  });

  it('a real responder cannot pass as simulated (403, audited); a simulated responder token marks every action without asking', async () => {
    const id: string = (await commander.post('/incidents', { planId: 'hello-drill' }).expect(201)).body.incident.id;
    const task = await openTask(commander, id);
    const real = await h.as('wu-fang', ['responder'], ['it-ops']);
    const res = await real.post(`/tasks/${task.id}/complete`, { simulated: true, outcome: 'done' }).expect(403);
    expect(res.body.message).toBe("only a simulated responder's token can act as simulated; wu-fang's token is a real person's");
    expect(await entries(`actor = 'wu-fang'`, [])).toEqual([
      { actor: 'wu-fang', action: 'task.complete', subject_type: 'task', subject_id: task.id, outcome: 'denied', detail: expect.objectContaining({ reason: res.body.message, tokenId: tokenIdOf(real) }) },
    ]);
    expect((await real.get(`/tasks/${task.id}`).expect(200)).body.state).toBe('open');

    const sim = await h.as('sim-it-ops', ['responder'], ['it-ops'], { simulated: true });
    await sim.post(`/tasks/${task.id}/complete`, { outcome: 'done' }).expect(200);
    const completed = await eventually('the completion in the timeline', async () => {
      const d = (await commander.get(`/incidents/${id}`).expect(200)).body;
      return d.timeline.find((e: { kind: string }) => e.kind === 'task.completed');
    });
    expect(completed).toMatchObject({ actor: 'sim-it-ops', simulated: true });
    await h.temporal.workflow.getHandle(id).terminate('test over');
  });

  it('30 bad tokens from one address: 401 up to the limit, then 429 with Retry-After, one summary entry; a valid token still works', async () => {
    const before = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE actor = 'anonymous'`))[0].n);
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 30; i++) {
      const bad = i % 2 ? `yj_0123456789abcdef.${'A'.repeat(43)}` : 'not-a-token';
      const res = await h.http.get('/incidents').set('Authorization', `Bearer ${bad}`);
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    expect(statuses).toEqual([...Array(10).fill(401), ...Array(20).fill(429)]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    const written = (await entries(`actor = 'anonymous'`, [])).slice(before);
    expect(written).toHaveLength(11);
    expect(written.slice(0, 10).every((e) => e.action === 'incident.list' && e.outcome === 'denied')).toBe(true);
    expect(written[1].detail).toMatchObject({ claimedTokenId: '0123456789abcdef', reason: 'the bearer token is not valid' });
    expect(written[10]).toMatchObject({ action: 'auth.throttle', subject_type: 'source', outcome: 'denied', detail: { reason: expect.stringMatching(/^more than 10 failed authentications from .*127\.0\.0\.1 within a minute/) } });

    // The throttle is for failures: the commander on the same address is served.
    await commander.get('/incidents').expect(200);
    const chain = (await auditor.get('/audit/verify').expect(200)).body;
    expect(chain).toMatchObject({ ok: true });
  });

  // ---- The trail proves itself: chains per stream, signed digests, exports checked offline. ----

  const keys = generateKeyPairSync('ed25519');
  const publicKey: KeyObject = keys.publicKey;
  const pem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const streamOfIncident = (i: number) => `inc-20261201-aud${i}`;
  const INCIDENTS = 30;
  const PER_INCIDENT = 12;
  let savedKey: string | undefined;
  beforeAll(() => {
    savedKey = process.env.YINGJI_AUDIT_SIGNING_KEY;
    process.env.YINGJI_AUDIT_SIGNING_KEY = pem;
  });
  afterAll(() => {
    if (savedKey === undefined) delete process.env.YINGJI_AUDIT_SIGNING_KEY;
    else process.env.YINGJI_AUDIT_SIGNING_KEY = savedKey;
  });

  /** Runs `tamper` as a superuser would (the retention trigger disabled), verifies, then rolls it all back. */
  async function verifyAfter(tamper: (em: EntityManager) => Promise<unknown>): Promise<ChainCheck> {
    const qr = h.db.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    try {
      await qr.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_retention`);
      await tamper(qr.manager);
      return await verifyAuditChain(qr.manager, (streams) => checkDigests(qr.manager, streams, publicKey));
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  }
  const entryAt = async (stream: string, seq: number): Promise<{ id: string; hash: string; prev_hash: string }> =>
    (await h.db.query(`SELECT id::text AS id, hash, prev_hash FROM audit_entries WHERE stream = $1 AND seq = $2`, [stream, seq]))[0];

  it(`${INCIDENTS} incidents writing ${PER_INCIDENT} entries each at once: none lost, each stream's seq gapless, the trail verifies`, async () => {
    const writes = Array.from({ length: INCIDENTS * PER_INCIDENT }, (_, n) => {
      const i = n % INCIDENTS;
      const k = Math.floor(n / INCIDENTS);
      return h.db.transaction((em) =>
        appendAudit(em, {
          key: `${streamOfIncident(i)}:aud:${k}`, at: new Date(), actor: `writer-${i}`, action: 'task.note', outcome: 'ok',
          subjectType: k % 2 ? 'task' : 'incident', subjectId: k % 2 ? `${streamOfIncident(i)}.step-${k}` : streamOfIncident(i), detail: { k },
        }),
      );
    });
    // and the same keys again: retried activities write nothing
    const retries = Array.from({ length: INCIDENTS }, (_, i) =>
      h.db.transaction((em) => appendAudit(em, { key: `${streamOfIncident(i)}:aud:0`, at: new Date(), actor: `writer-${i}`, action: 'task.note', outcome: 'ok', subjectType: 'incident', subjectId: streamOfIncident(i) })),
    );
    await Promise.all([...writes, ...retries]);

    const streams: Array<{ stream: string; n: number; min: number; max: number }> = await h.db.query(
      `SELECT stream, count(*)::int AS n, min(seq)::int AS min, max(seq)::int AS max FROM audit_entries WHERE stream LIKE 'inc-20261201-aud%' GROUP BY stream ORDER BY stream`,
    );
    expect(streams).toHaveLength(INCIDENTS);
    expect(streams.every((s) => s.n === PER_INCIDENT && s.min === 1 && s.max === PER_INCIDENT)).toBe(true);
    // The API's own entries went to their streams too (drill-schedule, the incidents launched above, source).
    const others: Array<{ stream: string }> = await h.db.query(`SELECT DISTINCT stream FROM audit_entries WHERE stream NOT LIKE 'inc-20261201-aud%'`);
    expect(others.map((o) => o.stream)).toEqual(expect.arrayContaining(['drill-schedule', 'source']));

    const digest = await writeAuditDigest(h.db, loadSigningKey());
    expect(digest.keyId).toBe(keyIdOf(publicKey));
    const check = (await auditor.get('/audit/verify').expect(200)).body;
    expect(check).toMatchObject({ ok: true, digests: { count: 1, signaturesChecked: true } });
    expect(check.entries).toBeGreaterThanOrEqual(INCIDENTS * PER_INCIDENT);
    expect(check.brokenAt).toBeUndefined();
  });

  it('verify names the entry altered, deleted, inserted or reordered directly in PostgreSQL, and a tail cut after a digest', async () => {
    const s = streamOfIncident(7);
    const [e4, e5, e6] = [await entryAt(s, 4), await entryAt(s, 5), await entryAt(s, 6)];

    const altered = await verifyAfter((em) => em.query(`UPDATE audit_entries SET actor = 'mallory' WHERE stream = $1 AND seq = 5`, [s]));
    expect(altered).toMatchObject({ ok: false, brokenAt: { kind: 'altered', id: e5.id, stream: s, seq: 5, reason: 'content does not match its hash' } });

    const deleted = await verifyAfter((em) => em.query(`DELETE FROM audit_entries WHERE stream = $1 AND seq = 5`, [s]));
    expect(deleted).toMatchObject({ ok: false, brokenAt: { kind: 'deleted', stream: s, seq: 5, id: e6.id } });

    // Deleted and the seqs closed up behind it: the next entry links to a hash nobody has.
    const hidden = await verifyAfter(async (em) => {
      await em.query(`DELETE FROM audit_entries WHERE stream = $1 AND seq = 5`, [s]);
      await em.query(`UPDATE audit_entries SET seq = seq - 1 WHERE stream = $1 AND seq > 5`, [s]);
    });
    expect(hidden).toMatchObject({ ok: false, brokenAt: { kind: 'deleted', stream: s, seq: 5, id: e6.id } });

    // Inserted with a hash that is right for its content, the later entries moved up to make room.
    let fakeId = '';
    const inserted = await verifyAfter(async (em) => {
      await em.query(`UPDATE audit_entries SET seq = seq + 1 WHERE stream = $1 AND seq >= 5`, [s]);
      const fake = { at: new Date('2026-12-01T03:00:00.000Z'), actor: 'mallory', action: 'task.complete', subjectType: 'task', subjectId: `${s}.x`, outcome: 'ok' as const, detail: {} };
      const [row] = await em.query(
        `INSERT INTO audit_entries (at, actor, action, subject_type, subject_id, outcome, detail, stream, seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, 5, $8, $9) RETURNING id::text AS id`,
        [fake.at, fake.actor, fake.action, fake.subjectType, fake.subjectId, fake.outcome, s, e4.hash, auditHash(e4.hash, fake, s)],
      );
      fakeId = row.id;
    });
    expect(inserted).toMatchObject({ ok: false, brokenAt: { kind: 'inserted', id: fakeId, stream: s, seq: 5 } });

    // Inserted as a second seq 5.
    const twin = await verifyAfter(async (em) => {
      await em.query(`ALTER TABLE audit_entries DROP CONSTRAINT audit_stream_seq`);
      const fake = { at: new Date('2026-12-01T03:00:00.000Z'), actor: 'mallory', action: 'task.complete', subjectType: 'task', subjectId: `${s}.x`, outcome: 'ok' as const, detail: {} };
      const [row] = await em.query(
        `INSERT INTO audit_entries (at, actor, action, subject_type, subject_id, outcome, detail, stream, seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, '{}', $7, 5, $8, $9) RETURNING id::text AS id`,
        [fake.at, fake.actor, fake.action, fake.subjectType, fake.subjectId, fake.outcome, s, e4.hash, auditHash(e4.hash, fake, s)],
      );
      fakeId = row.id;
    });
    expect(twin).toMatchObject({ ok: false, brokenAt: { kind: 'inserted', id: fakeId, stream: s, seq: 5 } });

    const reordered = await verifyAfter((em) => em.query(`UPDATE audit_entries SET seq = CASE seq WHEN 5 THEN 6 ELSE 5 END WHERE stream = $1 AND seq IN (5, 6)`, [s]));
    expect(reordered).toMatchObject({ ok: false, brokenAt: { kind: 'reordered', id: e6.id, stream: s, seq: 5 } });

    // The last entries cut off: the chain alone cannot tell, the signed digest can.
    await writeAuditDigest(h.db, loadSigningKey());
    const last = Number((await h.db.query(`SELECT max(seq) AS n FROM audit_entries WHERE stream = $1`, [s]))[0].n);
    const cut = await verifyAfter((em) => em.query(`DELETE FROM audit_entries WHERE stream = $1 AND seq >= $2`, [s, last - 1]));
    expect(cut).toMatchObject({ ok: false, brokenAt: { kind: 'deleted', stream: s, seq: last - 1 } });
    expect(cut.brokenAt!.reason).toMatch(/signed seq \d+ as the stream's head, and the stream ends at seq/);

    // A digest edited or re-signed with another key.
    const forged = await verifyAfter((em) => em.query(`UPDATE audit_digests SET body = replace(body, '"seq":', '"seq": ') WHERE id = (SELECT max(id) FROM audit_digests)`));
    expect(forged.ok).toBe(false);
    expect(forged.digests!.brokenAt!.reason).toMatch(/^digest \d+: its body does not match its hash$/);

    // Untouched, it all still verifies.
    expect(await verifyAuditChain(h.db.manager, (streams) => checkDigests(h.db.manager, streams, publicKey))).toMatchObject({ ok: true });
  });

  it('the database refuses to change an audit entry, or delete one younger than the retention (180 days)', async () => {
    const s = streamOfIncident(3);
    const before = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries`))[0].n);
    await expect(h.db.query(`UPDATE audit_entries SET actor = 'mallory' WHERE stream = $1 AND seq = 2`, [s])).rejects.toThrow(
      new RegExp(`audit entry \\d+ \\(stream ${s}, seq 2\\) cannot be changed: the audit trail is append-only`),
    );
    await expect(h.db.query(`DELETE FROM audit_entries WHERE stream = $1`, [s])).rejects.toThrow(/cannot be deleted: it is younger than the retention of 180 days/);
    await expect(h.db.query(`TRUNCATE audit_entries`)).rejects.toThrow(/audit_entries cannot be truncated/);
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries`))[0].n)).toBe(before);
    expect((await h.db.query(`SELECT actor FROM audit_entries WHERE stream = $1 AND seq = 2`, [s]))[0].actor).toBe('writer-3');
  });

  it('an export verifies offline with only the public key; one byte changed in an entry or a digest fails naming it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-audit-export-'));
    const dir = path.join(root, 'bundle');
    const from = new Date(Date.now() - 3600_000);
    const to = new Date(Date.now() + 60_000);
    const { manifest } = await exportAudit(h.db, { from, to, out: dir, by: 'sun-li', key: loadSigningKey(), databaseUrl: 'postgresql://postgres:secret@127.0.0.1:5432/yingji' });
    const inRange = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE at >= $1 AND at < $2 AND action <> 'audit.export'`, [from, to]))[0].n);
    expect(manifest.counts.entries).toBe(inRange);
    expect(manifest.streams.find((x) => x.stream === streamOfIncident(3))).toMatchObject({ count: PER_INCIDENT, firstSeq: 1, lastSeq: PER_INCIDENT });
    expect(manifest.source.database).toBe('postgresql://postgres@127.0.0.1:5432/yingji');
    expect(manifest.digests.length).toBeGreaterThanOrEqual(3);
    expect(verifyAuditExport(dir, publicKey)).toMatchObject({ ok: true, entries: inRange, keyId: keyIdOf(publicKey) });
    // The export is itself audited.
    expect(await h.db.query(`SELECT actor, stream FROM audit_entries WHERE action = 'audit.export'`)).toEqual([{ actor: 'sun-li', stream: 'audit' }]);

    const copy = (name: string) => {
      const d = path.join(root, name);
      fs.cpSync(dir, d, { recursive: true });
      for (const f of ['entries.jsonl', ...manifest.digests]) fs.chmodSync(path.join(d, f), 0o640);
      return d;
    };
    const flipByte = (file: string, at: number) => {
      const bytes = fs.readFileSync(file);
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61;
      fs.writeFileSync(file, bytes);
    };

    // One byte of writer-3's seq 4 (its actor).
    const entryCopy = copy('entry-flipped');
    const text = fs.readFileSync(path.join(entryCopy, 'entries.jsonl'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes(`"seq":4,`) && l.includes(`"stream":"${streamOfIncident(3)}"`));
    const offset = Buffer.byteLength(text.split('\n').slice(0, line).join('\n')) + 1 + Buffer.from(text.split('\n')[line]).indexOf('"actor":"writer-3"') + 9;
    flipByte(path.join(entryCopy, 'entries.jsonl'), offset);
    expect(verifyAuditExport(entryCopy, publicKey)).toMatchObject({
      ok: false,
      problem: { what: `entry ${streamOfIncident(3)}/4`, entry: { stream: streamOfIncident(3), seq: 4, kind: 'altered' }, reason: 'altered: content does not match its hash' },
    });

    // A line taken out, or two swapped: named by the seq that is not where the manifest put it.
    const lines = fs.readFileSync(path.join(dir, 'entries.jsonl'), 'utf8').split('\n');
    const lineOf = (seq: number) => lines.findIndex((l) => l.includes(`"seq":${seq},`) && l.includes(`"stream":"${streamOfIncident(3)}"`));
    const cutCopy = copy('line-removed');
    fs.writeFileSync(path.join(cutCopy, 'entries.jsonl'), lines.filter((_, i) => i !== lineOf(6)).join('\n'));
    expect(verifyAuditExport(cutCopy, publicKey).problem).toMatchObject({ what: expect.stringMatching(new RegExp(`^entry ${streamOfIncident(3)}/6 `)), entry: { kind: 'deleted', seq: 6 } });
    const swapCopy = copy('lines-swapped');
    const swapped = [...lines];
    [swapped[lineOf(6)], swapped[lineOf(7)]] = [lines[lineOf(7)], lines[lineOf(6)]];
    fs.writeFileSync(path.join(swapCopy, 'entries.jsonl'), swapped.join('\n'));
    expect(verifyAuditExport(swapCopy, publicKey).problem).toMatchObject({ what: expect.stringMatching(new RegExp(`^entry ${streamOfIncident(3)}/6 `)), entry: { kind: 'reordered', seq: 6 } });

    // One byte of the last digest's body (its format name).
    const digestCopy = copy('digest-flipped');
    const digestFile = path.join(digestCopy, manifest.digests[manifest.digests.length - 1]);
    const digestText = fs.readFileSync(digestFile, 'utf8');
    flipByte(digestFile, Buffer.from(digestText).indexOf('yingji-audit-digest') + 1);
    const digestId = /digest-(\d+)\.json$/.exec(digestFile)![1];
    const bad = verifyAuditExport(digestCopy, publicKey);
    expect(bad).toMatchObject({ ok: false, problem: { what: `digest ${digestId} (digests/digest-${digestId}.json)` } });
    expect(bad.problem!.reason).toMatch(/its body does not match its hash/);

    // Another key: the manifest's signature fails.
    expect(verifyAuditExport(dir, generateKeyPairSync('ed25519').publicKey)).toMatchObject({ ok: false, problem: { what: 'manifest.json', reason: expect.stringMatching(/^its signature does not verify with the public key/) } });
  });

  it('entries written before chains per stream become the legacy stream, keep their hashes and still verify; an edit among them is named', async () => {
    const name = `audit_legacy_${Date.now().toString(36)}`;
    await queryUrl(adminUrl(), `CREATE DATABASE ${name}`);
    const url = urlOf(name);
    try {
      const before = MIGRATIONS.slice(0, MIGRATIONS.indexOf(AuditStreams1764500000000));
      await applyMigrations(migratedDataSource(url, before, 'migrations'));
      // Five entries as the single chain wrote them.
      let prev = '0'.repeat(64);
      for (let i = 1; i <= 5; i++) {
        const r = { at: new Date(`2026-11-2${i}T08:00:00.000Z`), actor: 'zhang-wei', action: 'incident.launch', subjectType: 'incident', subjectId: `inc-2026112${i}-old`, outcome: 'ok' as const, detail: { i } };
        const hash = auditHash(prev, r);
        await queryUrl(url, `INSERT INTO audit_entries (at, actor, action, subject_type, subject_id, outcome, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          r.at, r.actor, r.action, r.subjectType, r.subjectId, r.outcome, JSON.stringify(r.detail), prev, hash,
        ]);
        prev = hash;
      }
      await applyMigrations(migratedDataSource(url, MIGRATIONS, 'migrations'));
      const ds = migratedDataSource(url, MIGRATIONS, 'migrations');
      await ds.initialize();
      try {
        expect(await ds.query(`SELECT stream, seq::int AS seq, hash = $1 AS last FROM audit_entries ORDER BY id`, [prev])).toEqual(
          [1, 2, 3, 4, 5].map((seq) => ({ stream: 'legacy', seq, last: seq === 5 })),
        );
        await ds.transaction((em) => appendAudit(em, { at: new Date(), actor: 'admin', action: 'token.create', subjectType: 'token', subjectId: 'abc', outcome: 'ok' }));
        expect(await verifyAuditChain(ds.manager)).toMatchObject({ ok: true, entries: 6, streams: 2 });
        const qr = ds.createQueryRunner();
        await qr.connect();
        await qr.startTransaction();
        try {
          await qr.query(`ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_retention`);
          await qr.query(`UPDATE audit_entries SET detail = '{"i": 33}' WHERE stream = 'legacy' AND seq = 3`);
          expect((await verifyAuditChain(qr.manager)).brokenAt).toMatchObject({ kind: 'altered', stream: 'legacy', seq: 3 });
        } finally {
          await qr.rollbackTransaction();
          await qr.release();
        }
      } finally {
        await ds.destroy();
      }
    } finally {
      await queryUrl(adminUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });

  /** `yingji <args>` through the CLI's own entry point: its exit code and output. */
  function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    const child = spawn(path.join(PROJECT_ROOT, 'node_modules/.bin/ts-node-transpile-only'), [path.join(PROJECT_ROOT, 'apps/cli/src/main.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
  }

  it('yingji audit export writes a bundle that yingji audit verify-export checks with the public key alone; a changed byte fails naming the entry', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-audit-cli-'));
    const pub = path.join(root, 'audit.pub.pem');
    fs.writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    const out = path.join(root, 'bundle');
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const exported = await cli(['audit', 'export', '--from', from, '--to', to, '--out', out, '--by', 'sun-li'], { ...h.processEnv, YINGJI_AUDIT_SIGNING_KEY: pem });
    expect(exported).toMatchObject({ code: 0, output: expect.stringContaining(`${out}: `) });
    expect(exported.output).toMatch(new RegExp(`${streamOfIncident(3)} +seq 1\\.\\.${PER_INCIDENT} \\(${PER_INCIDENT}\\)`));

    const verified = await cli(['audit', 'verify'], { ...h.processEnv, YINGJI_AUDIT_SIGNING_KEY: pem });
    expect(verified).toMatchObject({ code: 0, output: expect.stringMatching(/^audit trail verified: \d+ entries in \d+ streams; \d+ digests, signatures checked/m) });

    // Offline: no database, no API in its environment.
    const offline = { PATH: process.env.PATH };
    const ok = await cli(['audit', 'verify-export', out, '--public-key', pub], offline);
    expect(ok).toMatchObject({ code: 0, output: expect.stringMatching(/: verified: \d+ entries in \d+ streams, \d+ digests, signed with key ed25519-[0-9a-f]{16}/) });

    const file = path.join(out, 'entries.jsonl');
    fs.chmodSync(file, 0o640);
    const text = fs.readFileSync(file, 'utf8');
    const at = Buffer.from(text).indexOf(`"actor":"writer-5","at"`) + 9;
    const bytes = Buffer.from(text);
    bytes[at] = 0x57; // 'w' becomes 'W'
    fs.writeFileSync(file, bytes);
    const bad = await cli(['audit', 'verify-export', out, '--public-key', pub], offline);
    expect(bad).toMatchObject({ code: 1, output: expect.stringContaining(`NOT verified: entry ${streamOfIncident(5)}/1 altered: content does not match its hash`) });

    // Without a signing key nothing is exported, and the command says why.
    const noKey = await cli(['audit', 'export', '--from', from, '--to', to, '--out', path.join(root, 'b2')], { ...h.processEnv, YINGJI_AUDIT_SIGNING_KEY: '' });
    expect(noKey.code).not.toBe(0);
    expect(noKey.output).toContain('no audit signing key: set YINGJI_AUDIT_SIGNING_KEY');
    expect(fs.existsSync(path.join(root, 'b2'))).toBe(false);
  });

  it('the yingji-audit-digest workflow signs every stream head; without a key it fails saying so', async () => {
    const before = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_digests`))[0].n);
    const made = await h.temporal.workflow.execute('auditDigest', { taskQueue: h.config.taskQueue, workflowId: `audit-digest-test-${Date.now()}` });
    expect(made).toMatchObject({ streams: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_digests`))[0].n)).toBe(before + 1);

    delete process.env.YINGJI_AUDIT_SIGNING_KEY;
    try {
      const failed = h.temporal.workflow.execute('auditDigest', { taskQueue: h.config.taskQueue, workflowId: `audit-digest-nokey-${Date.now()}` });
      await expect(failed).rejects.toMatchObject({ cause: { cause: { message: expect.stringContaining('no audit signing key: set YINGJI_AUDIT_SIGNING_KEY') } } });
    } finally {
      process.env.YINGJI_AUDIT_SIGNING_KEY = pem;
    }
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_digests`))[0].n)).toBe(before + 1);
  });
});


// POST /diagnoses and `yingji invoices diagnose|reconcile` against the real API, a real invoice
// database and the real tax-platform simulator: finance gets the misfiled cause with its evidence,
// a commander asks with a finance member's scope, an outage is the network cause (not a 500), a
// responder of another team is refused and audited, and every bad input is a 400 naming the field
// that records nothing but the refusal.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { ServiceUnavailableException } from '@nestjs/common';
import { parseDocument } from 'yaml';
import { AuditTrail } from '../../apps/api/src/auth/audit-trail';
import { DiagnosesService } from '../../apps/api/src/diagnoses/diagnoses.service';
import { ApiClient, ApiError } from '../../apps/cli/src/api-client';
import { diagnoseCommand, reconcileCommand } from '../../apps/cli/src/diagnosis-commands';
import { prepareInvoiceDatabase } from '../../activities/invoices/database';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { PROJECT_ROOT } from '../../apps/shared/config';
import { creditCodeCheckChar, makeCreditCode } from '../../domain/einvoice';
import { DIAGNOSIS_CAUSES } from '../../domain/einvoice/diagnosis';
import { Arranged, insertInvoices, numberOf, putOnPlatform, simAdmin } from './diagnoses-fixtures';
import { adminUrl, urlOf } from './support/databases';
import { As, Harness, startHarness, tableCounts } from './support/harness';
import { dropDatabase } from '../../scripts/stack/postgres';
import type { AuditRow } from './support/audit';

const RUN = randomBytes(4).toString('hex');
const SIM_DB = `diag_sim_${RUN}`;
const INVOICE_DB = `diag_invoices_${RUN}`;
const ADMIN = 'diagnoses-test-admin';
const SELLER = makeCreditCode({ authority: '9', type: '1', division: '110108', orgBody: 'MA01ABCD' });
const BUYER = makeCreditCode({ authority: '9', type: '1', division: '310115', orgBody: '12345678' });
/** The taxpayer the CLI reconciles. */
const RECONCILED = makeCreditCode({ authority: '9', type: '1', division: '110105', orgBody: 'MA02BCDE' });

const base = (over: Partial<Arranged> & { invoiceNo: string }): Arranged => ({
  issuedAt: '2026-10-18T01:30:00.000Z',
  sellerTaxId: SELLER,
  buyerTaxId: BUYER,
  amount: 1_000_000,
  region: '11',
  folder: 'sales/2026-10',
  syncStatus: 'synced',
  ...over,
});
/** Seed 001: the customer's Beijing invoice, filed under September's folder. */
const MISFILED = base({ invoiceNo: numberOf(7_100_001), folder: 'sales/2026-09' });
/** A Shanghai invoice: outside Wu Gang's region. */
const SHANGHAI = base({ invoiceNo: numberOf(7_100_002, '31'), region: '31' });
/** The reconciled taxpayer's October: three that agree, one whose upload failed, one only on the platform. */
const AGREE = [1, 2, 3].map((k) => base({ invoiceNo: numberOf(7_200_000 + k), sellerTaxId: RECONCILED }));
const FAILED = base({ invoiceNo: numberOf(7_200_011), sellerTaxId: RECONCILED, syncStatus: 'failed' });
const PLATFORM_ONLY = base({ invoiceNo: numberOf(7_200_021), sellerTaxId: RECONCILED, issuedAt: '2026-10-05T02:00:00.000Z', amount: 7_000 });

let sim: RunningTaxPlatform;
let h: Harness;
let directoryFile: string;
let finance: As;
let commander: As;
const saved: Record<string, string | undefined> = {};

type Entry = AuditRow;
const auditOf = (actor: string): Promise<Entry[]> =>
  h.db.query(`SELECT actor, action, subject_type, subject_id, outcome, detail FROM audit_entries WHERE actor = $1 AND action = 'diagnosis.ask' ORDER BY id`, [actor]);

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0, adminToken: ADMIN });
  await prepareInvoiceDatabase(urlOf(INVOICE_DB));
  await insertInvoices(urlOf(INVOICE_DB), [MISFILED, SHANGHAI, ...AGREE, FAILED]);
  await putOnPlatform(sim.url, [MISFILED, SHANGHAI, ...AGREE, PLATFORM_ONLY]);
  // The shipped directory, with Wu Gang (finance) limited to Beijing's sales folders.
  const doc = parseDocument(fs.readFileSync(path.join(PROJECT_ROOT, 'plans', 'teams.example.yaml'), 'utf8'));
  doc.setIn(['people', 'wu-gang', 'scope'], doc.createNode({ regions: ['11'], folders: ['sales'] }, { flow: true }));
  directoryFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yingji-diag-')), 'teams.yaml');
  fs.writeFileSync(directoryFile, doc.toString());
  const env = { INVOICE_DATABASE_URL: urlOf(INVOICE_DB), TAX_PLATFORM_URL: sim.url, YINGJI_DIRECTORY: directoryFile };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  h = await startHarness({ worker: false });
  finance = await h.as('wu-gang', ['responder'], ['finance']);
  commander = await h.as('zhang-wei', ['commander'], ['it-ops']);
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await h?.close();
  await sim?.stop();
  await dropDatabase(adminUrl(), SIM_DB);
  await dropDatabase(adminUrl(), INVOICE_DB);
  fs.rmSync(path.dirname(directoryFile), { recursive: true, force: true });
});

describe('POST /diagnoses', () => {
  it('a finance member asking where they looked gets the misfiled cause, its evidence and next step, the order of the checks, and an audit entry', async () => {
    const res = await finance.post('/diagnoses', { invoiceNo: MISFILED.invoiceNo, date: '2026-10-18', amount: 11_300, folder: 'sales/2026-10' }).expect(200);
    expect(res.body).toMatchObject({
      kind: 'invoice',
      askedBy: 'wu-gang',
      asker: { id: 'wu-gang', regions: ['11'], folders: ['sales'] },
      checkedInOrder: [...DIAGNOSIS_CAUSES],
      diagnosis: { invoiceNo: MISFILED.invoiceNo, outcome: 'explained' },
    });
    expect(res.body.diagnosis.findings).toEqual([
      {
        cause: 'misfiled',
        evidence: { folder: 'sales/2026-09', expectedFolder: 'sales/2026-10', basis: 'asked' },
        nextStep: { zh: expect.stringContaining('sales/2026-09'), en: 'The invoice is filed under "sales/2026-09", expected "sales/2026-10": move it to the right folder.' },
      },
    ]);
    expect(await auditOf('wu-gang')).toEqual([
      {
        actor: 'wu-gang',
        action: 'diagnosis.ask',
        subject_type: 'invoice',
        subject_id: MISFILED.invoiceNo,
        outcome: 'ok',
        detail: expect.objectContaining({ onBehalfOf: 'wu-gang', outcome: 'explained', causes: ['misfiled'], question: expect.objectContaining({ amount: 1_130_000, issueDate: '2026-10-18' }) }),
      },
    ]);
  });

  it("a commander asking as a finance member sees that member's scope: the Shanghai invoice is outside their region; asking as themselves it is there", async () => {
    const asWuGang = await commander.post('/diagnoses', { invoiceNo: SHANGHAI.invoiceNo, as: 'wu-gang' }).expect(200);
    expect(asWuGang.body.askedBy).toBe('zhang-wei');
    expect(asWuGang.body.diagnosis.findings).toEqual([
      expect.objectContaining({
        cause: 'permission',
        evidence: { reason: 'out-of-scope', askerId: 'wu-gang', outside: ['region'], rowRegion: '31', rowFolder: 'sales/2026-10', askerRegions: ['11'], askerFolders: ['sales'] },
      }),
    ]);
    // Zhang Wei's own entry has no scope: the whole company. The date came from the ledger's row.
    const own = await commander.post('/diagnoses', { invoiceNo: SHANGHAI.invoiceNo }).expect(200);
    expect(own.body.diagnosis).toEqual({ invoiceNo: SHANGHAI.invoiceNo, outcome: 'visible', findings: [] });
    expect((await auditOf('zhang-wei')).map((e) => [e.outcome, e.detail.onBehalfOf, e.detail.causes])).toEqual([
      ['ok', 'wu-gang', ['permission']],
      ['ok', 'zhang-wei', []],
    ]);
  });

  it('with the platform in outage the answer is the network cause with its attempts, not a 500', async () => {
    const admin = simAdmin(sim.url, ADMIN);
    await admin.setFault({ kind: 'outage' });
    try {
      const res = await finance.post('/diagnoses', { invoiceNo: MISFILED.invoiceNo, date: '2026-10-18', folder: 'sales/2026-10' }).expect(200);
      expect(res.body.diagnosis.findings.map((f: { cause: string }) => f.cause)).toEqual(['network', 'misfiled']);
      expect(res.body.diagnosis.findings[0]).toEqual({
        cause: 'network',
        evidence: { reason: 'unreachable', code: 'http-503', httpStatus: 503, attempts: 4, message: expect.stringContaining('the platform is down') },
        nextStep: expect.objectContaining({ en: expect.stringContaining('4 attempts') }),
      });
      // A reconciliation compares nothing then, and says why.
      const period = await finance.post('/diagnoses', { taxpayer: RECONCILED, period: '2026-10' }).expect(200);
      expect(period.body.reconciliation).toMatchObject({ platformCount: null, matchedCount: 0, discrepancies: [], platformFinding: { cause: 'network', evidence: { code: 'http-503', attempts: 4 } } });
      expect(period.body.counts.network).toBe(1);
    } finally {
      await admin.clearFaults();
    }
  });

  it('a responder of another team is refused with 403 naming the teams, and the refusal is audited; so is asking as someone else without being a commander', async () => {
    const appDev = await h.as('guo-mei', ['responder'], ['app-dev']);
    const res = await appDev.post('/diagnoses', { invoiceNo: MISFILED.invoiceNo }).expect(403);
    expect(res.body.message).toBe('diagnoses are for the finance and tax-sync teams and commanders; guo-mei is in app-dev as responder');
    expect(await auditOf('guo-mei')).toEqual([
      { actor: 'guo-mei', action: 'diagnosis.ask', subject_type: 'invoice', subject_id: MISFILED.invoiceNo, outcome: 'denied', detail: expect.objectContaining({ reason: res.body.message }) },
    ]);

    const taxSync = await h.as('sun-hao', ['responder'], ['tax-sync']);
    const as = await taxSync.post('/diagnoses', { invoiceNo: MISFILED.invoiceNo, as: 'wu-gang' }).expect(403);
    expect(as.body.message).toBe('only a commander may ask as another person; sun-hao asked as wu-gang');
    expect((await auditOf('sun-hao')).map((e) => e.outcome)).toEqual(['denied']);
  });

  it('with the invoice database unreachable the answer is a 503 without its address, and the question is audited as failed', async () => {
    const offline = new DiagnosesService({ ...h.config, invoiceDatabaseUrl: 'postgres://postgres@127.0.0.1:1/yingji_invoices' }, h.app.get(AuditTrail));
    const caller = { person: 'chen-jing', teams: ['finance'], roles: ['responder' as const], tokenId: 'offline-test' };
    try {
      const err = await offline.diagnose({ invoiceNo: MISFILED.invoiceNo }, caller).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceUnavailableException);
      expect((err as Error).message).toBe('the invoice database could not be read; the API log has the reason');
    } finally {
      await offline.onModuleDestroy();
    }
    expect((await auditOf('chen-jing')).map((e) => [e.outcome, e.subject_id])).toEqual([['failed', MISFILED.invoiceNo]]);
  });

  it('each bad input is a 400 naming the field, and records nothing but the refusal', async () => {
    const badCheck = (code: string) => `${code.slice(0, 17)}${creditCodeCheckChar(code.slice(0, 17)) === '0' ? '1' : '0'}`;
    const cases: [object, RegExp][] = [
      [{ invoiceNo: MISFILED.invoiceNo.slice(1) }, /^invoiceNo: "\d{19}" has 19 characters; an invoice number has 20 digits$/],
      [{ invoiceNo: MISFILED.invoiceNo, sellerTaxId: badCheck(SELLER) }, /^sellerTaxId: ".*" .*check character.*: expected /],
      [{ invoiceNo: MISFILED.invoiceNo, date: '2099-01-01' }, /^date: "2099-01-01" is in the future/],
      [{ invoiceNo: MISFILED.invoiceNo, date: '2026-02-30' }, /^date: "2026-02-30" is not a date \(yyyy-MM-dd\)$/],
      [{ taxpayer: RECONCILED, period: '2099-01' }, /^period: "2099-01" is in the future \(the current period is \d{4}-\d{2}\)$/],
      [{ taxpayer: RECONCILED, period: '2026-13' }, /^period: "2026-13" is not a tax period \(yyyy-MM\)$/],
      [{ taxpayer: badCheck(RECONCILED), period: '2026-10' }, /^taxpayer: /],
      [{ taxpayer: RECONCILED }, /^period is required for a reconciliation/],
      [{ invoiceNo: MISFILED.invoiceNo, period: '2026-10' }, /^the body asks about one invoice \(invoiceNo\) and a taxpayer-period \(period\) at once/],
      [{}, /^the body names nothing to diagnose/],
      [{ invoiceNo: numberOf(7_999_999) }, /^date is required: invoice \d{20} is not in the ledger/],
      [{ invoiceNo: MISFILED.invoiceNo, as: 'nobody-here' }, /^as: "nobody-here" is not a person of the team directory$/],
    ];
    const before = await tableCounts(h.db);
    const denied = Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE outcome = 'denied'`))[0].n);
    for (const [body, message] of cases) {
      const res = await commander.post('/diagnoses', body);
      expect({ body, status: res.status, message: res.body.message }).toEqual({ body, status: 400, message: expect.stringMatching(message) });
    }
    // A body of another shape is refused by the validation pipe before anyone reads it: nothing at all is recorded.
    const unknown = await commander.post('/diagnoses', { invoice: MISFILED.invoiceNo }).expect(400);
    expect(unknown.body.message).toEqual(['property invoice should not exist']);
    const typed = await commander.post('/diagnoses', { invoiceNo: MISFILED.invoiceNo, amount: '11300' }).expect(400);
    expect(typed.body.message).toEqual(['amount must be a number of yuan with at most 2 decimals']);

    expect(await tableCounts(h.db)).toEqual({ ...before, audit_entries: before.audit_entries + cases.length });
    expect(Number((await h.db.query(`SELECT count(*)::int AS n FROM audit_entries WHERE outcome = 'denied'`))[0].n)).toBe(denied + cases.length);
  });
});

describe('yingji invoices diagnose | reconcile', () => {
  const run = async (cmd: Command, args: string[]): Promise<string[]> => {
    const out: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      await cmd.exitOverride().parseAsync(args, { from: 'user' });
    } finally {
      log.mockRestore();
    }
    return out;
  };
  const client = (as: As) => () => new ApiClient(h.baseUrl, as.token);

  it('diagnose prints the cause in Chinese and English, the evidence lines and what to do next', async () => {
    const out = await run(diagnoseCommand(client(finance)), [MISFILED.invoiceNo, '--date', '2026-10-18', '--amount', '11300.00', '--folder', 'sales/2026-10']);
    expect(out).toEqual([
      `发票 Invoice ${MISFILED.invoiceNo}: 已找到原因 explained (1 finding)`,
      'asked by wu-gang (scope: regions 11; folders sales)',
      `checked in this order: ${DIAGNOSIS_CAUSES.join(', ')}`,
      '1. 归档位置错误 misfiled',
      '   证据 evidence:',
      '     folder: sales/2026-09',
      '     expectedFolder: sales/2026-10',
      '     basis: asked',
      '   下一步 发票归档在“sales/2026-09”下，应在“sales/2026-10”：请移到正确目录。',
      '   next   The invoice is filed under "sales/2026-09", expected "sales/2026-10": move it to the right folder.',
    ]);
  });

  it("diagnose --as asks with that person's scope", async () => {
    const out = await run(diagnoseCommand(client(commander)), [SHANGHAI.invoiceNo, '--as', 'wu-gang']);
    expect(out.slice(0, 4)).toEqual([
      `发票 Invoice ${SHANGHAI.invoiceNo}: 已找到原因 explained (1 finding)`,
      'asked by zhang-wei as wu-gang (scope: regions 11; folders sales)',
      `checked in this order: ${DIAGNOSIS_CAUSES.join(', ')}`,
      '1. 登录或权限 login or permission',
    ]);
    expect(out).toContain('     outside: ["region"]');
  });

  it("a refused question fails the command with the API's message", async () => {
    const err = await run(diagnoseCommand(client(finance)), [MISFILED.invoiceNo.slice(1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toMatch(/^POST \/diagnoses -> 400: invoiceNo: "\d{19}" has 19 characters/);
    const forbidden = await run(diagnoseCommand(client(finance)), [MISFILED.invoiceNo, '--as', 'zhou-li']).catch((e: unknown) => e);
    expect(forbidden).toMatchObject({ status: 403, message: expect.stringContaining('only a commander may ask as another person') });
  });

  it('reconcile prints the counts per cause and the discrepancies', async () => {
    const out = await run(reconcileCommand(client(finance)), ['--taxpayer', RECONCILED, '--period', '2026-10']);
    expect(out[0]).toBe(`对账 Reconciliation ${RECONCILED} 2026-10 (seller): ledger 4, platform 4, matched 3, 2 discrepancies`);
    const counts = out.slice(out.indexOf('by cause:') + 1, out.indexOf('by cause:') + 1 + DIAGNOSIS_CAUSES.length);
    expect(counts).toHaveLength(DIAGNOSIS_CAUSES.length);
    expect(counts.filter((l) => !/\s0$/.test(l))).toEqual([expect.stringMatching(/^ {2}同步失败 sync failure\s+1$/), expect.stringMatching(/^ {2}确实缺失 truly missing\s+1$/)]);
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^  ${PLATFORM_ONLY.invoiceNo}  platform-only  truly-missing: None of the other causes holds`)),
        expect.stringMatching(new RegExp(`^  ${FAILED.invoiceNo}  local-only     sync-failure: Sync failed`)),
      ]),
    );
    const json = await run(reconcileCommand(client(finance)), ['--taxpayer', RECONCILED, '--period', '2026-10', '--json']);
    const answer = JSON.parse(json.join('\n'));
    expect(answer.counts).toMatchObject({ 'sync-failure': 1, 'truly-missing': 1 });
    expect(answer.reconciliation.discrepancies).toHaveLength(2);
  });
});

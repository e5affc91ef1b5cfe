// What a drill measures about a tax-platform fault: the simulator setting it plays, the drill's
// declaration deadline, resync after the platform's return, and how the score, the findings and the
// report show them.
import { at, facts, MIN } from '../../test/support/drill-facts';
import { dbCrashReport } from '../../test/support/drill-fixture';
import type { DrillFacts, TaxPlatformFacts } from './drill.types';
import { drillFindings } from './findings';
import { taxPlatformResult, taxServiceRestoredAt } from './measure';
import { renderReportHtml } from './report-html';
import { DUPLICATE_UPLOAD_POINTS, scoreDrill } from './score';
import { canonicalFaultKind, DEFAULT_TAX_FAULT_MS, drillDeadline, isTaxPlatformFault, simulatorFault } from './tax-faults';

const HOUR = 60 * MIN;

/** The platform was down from minute 0 to 30; 40 invoices unsynced at its return all synced by minute 45. */
function tax(over: Partial<TaxPlatformFacts> = {}): TaxPlatformFacts {
  return {
    tenant: 'drill_d_1',
    returnedAt: at(30),
    measuredAt: at(50),
    unsyncedAtReturn: 40,
    resyncedAt: at(45),
    stillUnsynced: 0,
    stillUnsyncedExamples: [],
    deadline: { at: at(8 * 60), from: 'fact daysToDeclarationDeadline 8' },
    unsyncedAtDeadline: 0,
    deadlineAfterEnd: true,
    uploads: 3,
    duplicateUploads: 0,
    duplicateSerials: 0,
    ...over,
  };
}
const taxDrill = (t: Partial<TaxPlatformFacts> = {}, over: Partial<DrillFacts> = {}) =>
  facts({ taxPlatform: tax(t), faults: [{ kind: 'platform-outage', at: at(0), detail: 'the tax platform is down for 30m', until: at(30) }], ...over });

describe('simulatorFault: a plan fault as the simulator setting for the drill tenant', () => {
  it('plays each kind; the window and a sync delay shrink with timeScale, a latency does not', () => {
    expect(simulatorFault({ kind: 'platform-outage', durationMs: 3 * HOUR }, 60)).toEqual({
      kind: 'platform-outage',
      setting: { kind: 'outage' },
      planMs: 3 * HOUR,
      wallMs: 3 * MIN,
      detail: 'the tax platform is down for 3h (3m at ×60)',
    });
    expect(simulatorFault({ kind: 'platform-slow', latencyMs: 15_000 }, 60)).toMatchObject({ setting: { kind: 'slow', ms: 15_000 }, planMs: DEFAULT_TAX_FAULT_MS, wallMs: 10_000 });
    expect(simulatorFault({ kind: 'sync-delay', delayMs: 30 * MIN, durationMs: HOUR }, 60)).toMatchObject({ setting: { kind: 'delay', ms: 30_000 }, wallMs: MIN });
    expect(simulatorFault({ kind: 'sync-drop' }, 1)).toMatchObject({ setting: { kind: 'drop', share: 1 }, wallMs: DEFAULT_TAX_FAULT_MS });
    expect(simulatorFault({ kind: 'sync-drop', share: 0.25 }, 1).detail).toBe('the tax platform loses 25% of the invoices it accepts for 10m');
    expect(simulatorFault({ kind: 'session-expired', durationMs: HOUR }, 1).setting).toEqual({ kind: 'session-expired' });
  });

  it('plays the earlier names as the same faults', () => {
    expect(canonicalFaultKind('tax-platform-outage')).toBe('platform-outage');
    expect(isTaxPlatformFault('tax-platform-drop-records')).toBe(true);
    expect(isTaxPlatformFault('drop-table')).toBe(false);
    expect(simulatorFault({ kind: 'tax-platform-outage', durationMs: 3 * HOUR }, 1)).toMatchObject({ kind: 'platform-outage', setting: { kind: 'outage' }, wallMs: 3 * HOUR });
    // tax-platform-delay's one duration is the delay and how long it lasts.
    expect(simulatorFault({ kind: 'tax-platform-delay', durationMs: 20 * MIN }, 2)).toMatchObject({ kind: 'sync-delay', setting: { kind: 'delay', ms: 10 * MIN }, wallMs: 10 * MIN });
    expect(simulatorFault({ kind: 'tax-platform-drop-records', share: 0.1 }, 1).setting).toEqual({ kind: 'drop', share: 0.1 });
  });

  it('refuses what the simulator cannot play, naming the fault and why', () => {
    expect(() => simulatorFault({ kind: 'tax-platform-drop-records', count: 5 }, 1)).toThrow(
      'fault tax-platform-drop-records: count is not available yet: the simulator loses a share of the invoices it accepts, not a number of them; use share',
    );
    expect(() => simulatorFault({ kind: 'platform-slow', latencyMs: 2 * 24 * HOUR }, 1)).toThrow("latency 2d is more than the simulator's 24h");
    expect(() => simulatorFault({ kind: 'platform-slow' }, 1)).toThrow('fault platform-slow needs latency');
    expect(() => simulatorFault({ kind: 'drop-table' }, 1)).toThrow('fault drop-table is not a tax-platform fault');
  });
});

describe('drillDeadline: the declaration deadline on the drill clock', () => {
  const start = '2026-12-01T00:00:00.000Z';
  const calendar = () => 100;
  it('takes taxDeadlineHours, else daysToDeclarationDeadline, else the calendar at the start, divided by timeScale', () => {
    expect(drillDeadline(start, 60, { taxDeadlineHours: 36, daysToDeclarationDeadline: 8 }, calendar)).toEqual({ at: '2026-12-01T00:36:00.000Z', from: 'fact taxDeadlineHours 36 (÷ timeScale 60)' });
    expect(drillDeadline(start, 1, { daysToDeclarationDeadline: 2 }, calendar)).toEqual({ at: '2026-12-03T00:00:00.000Z', from: 'fact daysToDeclarationDeadline 2' });
    expect(drillDeadline(start, 1, {}, calendar)).toEqual({ at: '2026-12-05T04:00:00.000Z', from: "declaration calendar: 100h left at the drill's start" });
  });
  it('says why there is none when the calendar cannot answer', () => {
    const none = drillDeadline(start, 1, {}, () => {
      throw new Error('2026-12 is outside the calendar');
    });
    expect(none).toEqual({ unknown: expect.stringContaining('2026-12 is outside the calendar') });
  });
});

describe('taxPlatformResult: the platform’s return to full resync', () => {
  it('resynced: plan time from the return to the last invoice synced, scaled', () => {
    expect(taxPlatformResult(taxDrill())).toMatchObject({ status: 'resynced', resyncMs: 15 * MIN, resyncedAt: at(45) });
    const fast = taxDrill({ returnedAt: new Date(Date.parse(at(0)) + 30_000).toISOString(), resyncedAt: new Date(Date.parse(at(0)) + 45_000).toISOString() }, { timeScale: 60 });
    expect(taxPlatformResult(fast)?.resyncMs).toBe(15 * MIN);
    expect(taxServiceRestoredAt(tax())).toBe(at(45));
  });
  it('nothing to resync when nothing was unsynced at the return; not resynced while one still is; platform not back before its fault ends', () => {
    expect(taxPlatformResult(taxDrill({ unsyncedAtReturn: 0, resyncedAt: undefined }))).toMatchObject({ status: 'nothing-to-resync', resyncMs: 0, resyncedAt: at(30) });
    expect(taxPlatformResult(taxDrill({ resyncedAt: undefined, stillUnsynced: 3 }))).toMatchObject({ status: 'not-resynced', stillUnsynced: 3 });
    expect(taxServiceRestoredAt(tax({ resyncedAt: undefined, stillUnsynced: 3 }))).toBeUndefined();
    expect(taxServiceRestoredAt(tax({ unsyncedAtReturn: 0, resyncedAt: undefined }))).toBe(at(30));
    expect(taxPlatformResult(taxDrill({ returnedAt: at(60) }))).toMatchObject({ status: 'platform-not-back' });
    expect(taxPlatformResult(facts())).toBeUndefined();
  });
});

describe('score and findings of a tax-platform drill', () => {
  const recoveryLost = (f: DrillFacts) => scoreDrill(f).lost.filter((l) => l.part === 'recovery');

  it('a clean resync loses nothing and raises no tax finding', () => {
    expect(scoreDrill(taxDrill()).total).toBe(100);
    expect(drillFindings(taxDrill())).toEqual([]);
  });

  it('invoices unsynced at the deadline cost the RPO 10 points (joined with a P0 loss on one line) and are a finding with the deadline', () => {
    const f = taxDrill({ unsyncedAtDeadline: 7, stillUnsynced: 7, resyncedAt: undefined, stillUnsyncedExamples: ['26112000000001234567'] });
    expect(recoveryLost(f)).toContainEqual({
      part: 'recovery',
      points: 10,
      reason: '申报期限时仍有 7 张发票未同步到税务平台 / 7 invoice(s) not synced to the tax platform at the declaration deadline',
    });
    const both = taxDrill({ unsyncedAtDeadline: 7 }, { loss: { byClass: { 'current-period-undeclared': 2 }, total: 2, p0: 2, windowMs: 0 } });
    const lines = recoveryLost(both);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ points: 10, reason: expect.stringMatching(/P0 invoice\(s\) lost.*7 invoice\(s\) not synced/) });
    const finding = drillFindings(f).find((x) => x.id === 'unsynced-at-deadline')!;
    expect(finding).toMatchObject({ kind: 'unsynced-at-deadline', text: '申报期限时 7 张发票未同步到税务平台 / 7 invoice(s) not synced to the tax platform at the declaration deadline' });
    expect(finding.evidence).toContain(`deadline ${at(8 * 60)} (fact daysToDeclarationDeadline 8); the drill ended before it: counted when measured ${at(50)}`);
    expect(finding.evidence).toContain('e.g. 26112000000001234567');
    expect(drillFindings(f).find((x) => x.id === 'not-resynced')).toMatchObject({ kind: 'not-resynced', text: expect.stringContaining('7 invoice(s) still not synced') });
  });

  it('duplicate uploads cost 5 recovery points and are a finding; repeated serials are shown beside them, not scored', () => {
    const f = taxDrill({ duplicateUploads: 4, duplicateSerials: 2 });
    expect(recoveryLost(f)).toEqual([
      { part: 'recovery', points: DUPLICATE_UPLOAD_POINTS, reason: '补传重复上传 4 张平台已有的发票（6783） / Resync uploaded 4 invoice(s) the platform already had (6783)' },
    ]);
    expect(scoreDrill(f).total).toBe(95);
    expect(drillFindings(f)).toEqual([
      {
        id: 'duplicate-uploads',
        kind: 'duplicate-uploads',
        text: '重复上传 4 张平台已有的发票 / 4 invoice(s) uploaded again that the platform already had',
        evidence: 'tenant drill_d_1 /_sim/stats: alreadyExists (6783) 4; repeated request serials (6655, nothing stored twice) 2; batches accepted 3',
      },
    ]);
    expect(scoreDrill(taxDrill({ duplicateSerials: 9 })).total).toBe(100);
  });

  it('never loses more than the recovery part holds', () => {
    const f = taxDrill({ unsyncedAtDeadline: 1, duplicateUploads: 1 }, { rtoMs: undefined, restoredAt: undefined });
    const s = scoreDrill(f);
    expect(s.parts.find((p) => p.part === 'recovery')!.points).toBe(0);
    expect(recoveryLost(f).map((l) => l.points)).toEqual([20, 10]);
  });
});

describe('report of a tax-platform drill', () => {
  const report = (t: Partial<TaxPlatformFacts> = {}) => {
    const base = dbCrashReport();
    const drill = { ...base.drill, taxPlatform: tax({ returnedAt: base.drill.faultAt, measuredAt: base.drill.finishedAt!, resyncedAt: base.drill.restoredAt, ...t }) };
    return { ...base, drill, findings: drillFindings(drill), score: scoreDrill(drill) };
  };

  it('shows the resync gauge, the deadline count and the duplicate uploads, in JSON and HTML', () => {
    const r = report({ unsyncedAtDeadline: 3, duplicateUploads: 2, duplicateSerials: 1 });
    expect(JSON.parse(JSON.stringify(r)).drill.taxPlatform).toMatchObject({ unsyncedAtDeadline: 3, duplicateUploads: 2, duplicateSerials: 1 });
    const html = renderReportHtml(r);
    expect(html).toContain('<div id="resync" class="objective">');
    expect(html).toContain('补传 Resync after the platform’s return');
    expect(html).toMatch(/申报期限未同步 Unsynced at deadline<b>3<\/b>/);
    expect(html).toMatch(/重复上传 Duplicate uploads<b>2<\/b>/);
    expect(html).toContain('重复流水号 repeated serials 1');
    expect(html).toContain('class="platform-back"');
    expect(html).toContain('data-finding="unsynced-at-deadline"');
    expect(html).toContain('data-finding="duplicate-uploads"');
  });

  it('says not resynced when some invoice never synced, and has no resync gauge without a tax-platform fault', () => {
    expect(renderReportHtml(report({ resyncedAt: undefined, stillUnsynced: 5 }))).toContain('未补传完成 not resynced (5)');
    const plain = renderReportHtml(dbCrashReport());
    expect(plain).not.toContain('id="resync"');
    expect(plain).not.toContain('platform-back');
  });
});

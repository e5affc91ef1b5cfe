import { dbCrashDrillFacts, dbCrashReport } from '../../test/support/drill-fixture';
import type { DrillFacts } from './drill.types';
import { teamTable } from './report';
import { renderReportHtml } from './report-html';

const MIN = 60_000;

describe('teamTable', () => {
  it('counts required team steps, on time against plan-time deadlines, with the median response', () => {
    expect(teamTable(dbCrashDrillFacts())).toEqual([
      // isolate (ack 2 min), check-backup (3), restore-invoices (27), verify (10); failover-standby is off the path
      { team: 'dba', tasks: 4, onTime: 4, late: 0, notDone: 0, medianResponseMs: 6.5 * MIN },
      // choose-path took 13 min against 10; acknowledged after 3
      { team: 'it-ops', tasks: 1, onTime: 0, late: 1, notDone: 0, medianResponseMs: 3 * MIN },
      { team: 'tax-sync', tasks: 1, onTime: 1, late: 0, notDone: 0, medianResponseMs: 13 * MIN },
      { team: 'app-dev', tasks: 1, onTime: 1, late: 0, notDone: 0, medianResponseMs: 2 * MIN },
    ]);
  });

  it('multiplies elapsed time by timeScale (a drill run 60× faster gives the same table)', () => {
    expect(teamTable(dbCrashDrillFacts({ timeScale: 60 }))).toEqual(teamTable(dbCrashDrillFacts()));
  });

  it('counts unfinished, failed and skipped required steps as not done, and done steps without a deadline as on time', () => {
    const facts: DrillFacts = dbCrashDrillFacts();
    const byId = (id: string) => facts.steps.find((s) => s.id === id)!;
    Object.assign(byId('verify'), { state: 'running', finishedAt: undefined });
    Object.assign(byId('isolate'), { state: 'skipped' });
    Object.assign(byId('restore-invoices'), { state: 'failed' });
    delete byId('check-backup').withinMs;
    const dba = teamTable(facts).find((r) => r.team === 'dba')!;
    expect(dba).toMatchObject({ tasks: 4, onTime: 1, late: 0, notDone: 3 });
  });

  it('leaves out steps without a team and has no median when nothing responded', () => {
    const facts = dbCrashDrillFacts();
    facts.steps = facts.steps.filter((s) => s.type === 'notify' || s.id === 'resync-platform');
    const tax = facts.steps.find((s) => s.id === 'resync-platform')!;
    delete tax.startedAt;
    delete tax.finishedAt;
    tax.state = 'pending';
    expect(teamTable(facts)).toEqual([{ team: 'tax-sync', tasks: 1, onTime: 0, late: 0, notDone: 1 }]);
  });
});

describe('renderReportHtml', () => {
  const html = renderReportHtml(dbCrashReport());

  it('is self-contained: no external src/href/url() references, no scripts', () => {
    expect(html).not.toMatch(/\b(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/https?:\/\//i);
  });

  it('escapes text from the plan', () => {
    const evil = renderReportHtml(
      dbCrashReport({ planTitle: '崩溃 <script>alert("x")</script> & <img src="https://evil.example/x.png">' }),
    );
    expect(evil).not.toContain('<script>');
    expect(evil).not.toContain('<img');
    expect(evil).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=&quot;https://evil.example/x.png&quot;&gt;');
    expect(evil).not.toMatch(/\bsrc\s*=\s*["']https?:/i);
  });

  it('has the ids and data attributes tests and readers rely on', () => {
    for (const id of ['score', 'grade', 'timeline', 'trend', 'score-breakdown', 'teams', 'findings', 'rto', 'rpo']) {
      expect(html).toContain(`id="${id}"`);
    }
    expect(html).toMatch(/id="score"[^>]*>84\.9</);
    expect(html).toMatch(/id="grade"[^>]*>良好 Good</);
    expect(html).toContain('演练 DRILL');
    expect(html).toContain('实战演练 Live drill');
    expect(html).toContain('突击 Unannounced');
    expect(html).toMatch(/<svg id="timeline"/);
  });

  it('draws one timeline bar per required, not skipped step and marks the late one', () => {
    const timeline = html.slice(html.indexOf('<svg id="timeline"'), html.indexOf('</svg>', html.indexOf('<svg id="timeline"')));
    const bars = [...timeline.matchAll(/<g class="([^"]*)" data-step="([^"]+)"/g)].map((m) => ({ classes: m[1].split(' '), step: m[2] }));
    expect(bars.map((b) => b.step)).toEqual([
      'isolate', 'tell-finance', 'check-backup', 'choose-path', 'restore-invoices', 'verify', 'resync-platform', 'test-issuing', 'announce-restored',
    ]);
    expect(bars.filter((b) => b.classes.includes('late')).map((b) => b.step)).toEqual(['choose-path']);
    expect(timeline).toMatch(/data-step="choose-path">[^]*?class="late-part"/);
    expect(timeline).toContain('data-deadline="choose-path"');
    expect(timeline).toContain('class="fault"');
    expect(timeline).toContain('class="restored"');
    expect(timeline).not.toContain('data-step="failover-standby"');
  });

  it('lists every lost point and the accepted improvement items', () => {
    const report = dbCrashReport();
    for (const lost of report.score.lost) expect(html).toContain(lost.reason.replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
    expect(html).toContain('改进项 Improvement items');
    expect(html).toContain('zhang.min');
    expect(html).toContain('已采纳 accepted');
  });

  it('shows 估算 estimated only when recovery is estimated', () => {
    expect(html).not.toContain('估算 estimated');
    const report = dbCrashReport();
    report.drill.mode = 'tabletop';
    report.drill.recoveryEstimated = true;
    delete report.drill.loss;
    report.score.parts[0].estimated = true;
    const tabletop = renderReportHtml(report);
    expect(tabletop).toContain('桌面演练 Tabletop');
    const rto = tabletop.slice(tabletop.indexOf('id="rto"'), tabletop.indexOf('id="rpo"'));
    expect(rto).toContain('估算 estimated');
    const breakdown = tabletop.slice(tabletop.indexOf('id="score-breakdown"'), tabletop.indexOf('</table>', tabletop.indexOf('id="score-breakdown"')));
    expect(breakdown).toContain('估算 estimated');
  });

  it('draws the trend only with two or more drills, otherwise says it is the first', () => {
    expect(html).toMatch(/<svg id="trend"/);
    expect(html.match(/class="trend-point"/g)).toHaveLength(2);
    const first = dbCrashReport();
    first.trend = first.trend.slice(1);
    const once = renderReportHtml(first);
    expect(once).not.toContain('id="trend"');
    expect(once).toContain('首次演练 first drill of this plan');
    expect(renderReportHtml({ ...first, trend: [] })).toContain('首次演练 first drill of this plan');
  });

  it('is the same page for the same report', () => {
    expect(renderReportHtml(dbCrashReport())).toBe(html);
  });
});

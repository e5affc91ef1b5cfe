import type { CheckResult } from './compliance.types';
import { renderComplianceHtml } from './report-html';
import type { ComplianceReport } from './run-checks';
import { DEFAULT_THRESHOLDS } from './thresholds';

const check = (over: Partial<CheckResult>): CheckResult => ({
  id: 'drills.in-time', area: 'drills', title: 'Drilled', status: 'pass', evidence: ['ok'], clause: '管理办法 Art. 33', owner: 'it-ops', ...over,
});
const zero = { pass: 0, fail: 0, unknown: 0 };
const report: ComplianceReport = {
  at: '2026-12-01T12:00:00.000Z',
  thresholds: DEFAULT_THRESHOLDS,
  summary: { pass: 1, fail: 1, unknown: 0 },
  byArea: { plans: zero, drills: { pass: 1, fail: 1, unknown: 0 }, backups: zero, dr: zero, audit: zero, access: zero, archives: zero },
  dr: { level: 2, drills: [{ id: 'drill-1', planId: 'p', at: '2026-11-01', level: 2, why: 'RTO 2.0 h, RPO 2.0 h: L2' }] },
  checks: [
    check({ subject: 'plan-a', status: 'fail', evidence: ['last drilled <script>alert(1)</script> 2025-10-31'] }),
    check({ subject: 'plan-b' }),
  ],
};

describe('compliance report page', () => {
  const html = renderComplianceHtml(report);

  it('leads with the counts, the DR level and what fails, and lists every check by area', () => {
    expect(html).toContain('<b id="count-pass">1</b>');
    expect(html).toContain('<b id="count-fail">1</b>');
    expect(html).toContain('<b id="dr-level">L2</b>');
    const toFix = html.slice(html.indexOf('To fix (1)'), html.indexOf('全部检查'));
    expect(toFix).toContain('data-subject="plan-a"');
    expect(toFix).not.toContain('data-subject="plan-b"');
    expect(html).toMatch(/<h3 id="area-drills">演练 Drills · 1 通过 pass, 1 不通过 fail<\/h3>/);
    expect(html).not.toContain('id="area-plans"');
  });

  it('draws pass and fail per area as inline SVG with the counts', () => {
    expect(html).toMatch(/<rect class="fail" data-area="drills"[^>]*><title>演练 Drills: 1 不通过 fail<\/title>/);
    expect(html).toMatch(/<rect class="pass" data-area="drills"/);
  });

  it('is self-contained and escapes every text', () => {
    expect(html).not.toMatch(/<script|https?:\/\/|<link |<img /);
    expect(html).toContain('last drilled &lt;script&gt;alert(1)&lt;/script&gt; 2025-10-31');
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });
});

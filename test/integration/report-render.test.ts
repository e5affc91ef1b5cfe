// The drill report rendered by a real headless Chromium with no network: every element a manager
// reads first is visible, nothing was fetched from outside, and it prints to PDF. The screenshot is
// kept in test-artifacts/drill-report.png for people to look at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findChromium, chromiumMissingMessage, renderPdf, screenshotReport } from '../../apps/shared/chromium';
import { renderReportHtml } from '../../domain/drill/report-html';
import { dbCrashReport } from '../support/drill-fixture';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts');

describe('drill report in headless Chromium', () => {
  const html = renderReportHtml(dbCrashReport());

  beforeAll(() => {
    // Fail, do not skip: a missing browser must be noticed (scripts/ensure-chromium.sh installs it).
    if (!findChromium()) throw new Error(chromiumMissingMessage());
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    fs.writeFileSync(path.join(ARTIFACTS, 'drill-report.html'), html);
  });

  it('shows score, grade, timeline, trend and breakdown, offline, in a screenshot', async () => {
    const png = path.join(ARTIFACTS, 'drill-report.png');
    fs.rmSync(png, { force: true });
    const { visible, blocked } = await screenshotReport(html, png, [
      '#score', '#grade', '#timeline', '#trend', '#score-breakdown', '#teams', '#findings', '#rto', '#rpo',
      '#timeline [data-step="choose-path"].late',
    ]);
    expect(visible).toEqual({
      '#score': true,
      '#grade': true,
      '#timeline': true,
      '#trend': true,
      '#score-breakdown': true,
      '#teams': true,
      '#findings': true,
      '#rto': true,
      '#rpo': true,
      '#timeline [data-step="choose-path"].late': true,
    });
    expect(blocked).toEqual([]);
    const bytes = fs.readFileSync(png);
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(10 * 1024);
  });

  it('reports a hidden element as not visible and blocks what a page tries to fetch', async () => {
    const probe = `<!DOCTYPE html><html><body><div id="score">1</div><div id="grade" style="visibility:hidden">x</div>
<div style="display:none"><div id="timeline">t</div></div><img src="https://example.com/x.png"></body></html>`;
    const { visible, blocked } = await screenshotReport(probe, path.join(ARTIFACTS, 'probe.png'), ['#score', '#grade', '#timeline', '#trend']);
    expect(visible).toEqual({ '#score': true, '#grade': false, '#timeline': false, '#trend': false });
    expect(blocked).toEqual(['https://example.com/x.png']);
    fs.rmSync(path.join(ARTIFACTS, 'probe.png'), { force: true });
  });

  it('prints to PDF', async () => {
    const pdf = path.join(ARTIFACTS, 'drill-report.pdf');
    fs.rmSync(pdf, { force: true });
    const { blocked } = await renderPdf(html, pdf);
    expect(blocked).toEqual([]);
    const bytes = fs.readFileSync(pdf);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('%PDF');
    expect(bytes.length).toBeGreaterThan(10 * 1024);
  });
});

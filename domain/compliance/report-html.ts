// The compliance report as one self-contained HTML page, in the drill report's manner: no scripts,
// fonts or images from anywhere, the chart as inline SVG, printable. A manager reads the top in a
// minute (counts, pass/fail per area, the DR level, what fails and who fixes it); every check with
// its evidence and clause follows. Pure; every text is escaped.
import { escapeHtml as esc } from '../drill/report-html';
import { AREAS } from './compliance.types';
import type { Area, CheckResult } from './compliance.types';
import type { ComplianceReport } from './run-checks';

const AREA_NAMES: Record<Area, string> = {
  plans: '预案 Plans',
  drills: '演练 Drills',
  backups: '备份 Backups',
  dr: '灾备等级 DR level',
  audit: '审计 Audit',
  access: '权限 Access',
  archives: '档案 Archives',
};
const STATUS_NAMES = { pass: '通过 pass', fail: '不通过 fail', unknown: '未知 unknown' } as const;
const COLORS = { pass: '#1b7f3b', fail: '#c62828', unknown: '#90a4ae' } as const;

const CSS = `
*{box-sizing:border-box}body{margin:0;font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;color:#1c2430;background:#eef1f5;font-size:14px;line-height:1.45}
main{max-width:1000px;margin:0 auto;padding:18px}
.page{background:#fff;border-radius:8px;padding:20px 24px;margin-bottom:16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:22px;margin:0 0 4px}h3{font-size:14px;margin:14px 0 6px;color:#37474f}h2{font-size:16px;margin:18px 0 8px;border-bottom:2px solid #e3e8ee;padding-bottom:4px}
.meta{color:#4a5563;font-size:13px}
.cards{display:flex;gap:12px;margin:14px 0}
.card{flex:1;border-radius:8px;padding:10px 14px;color:#fff}.card b{display:block;font-size:34px;line-height:1.1}
.card.pass{background:#1b7f3b}.card.fail{background:#c62828}.card.unknown{background:#78909c}.card.dr{background:#1f6f8b}
svg{display:block;width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f3f5f8;font-weight:600}
.st{font-weight:700;white-space:nowrap;padding:1px 6px;border-radius:3px}.st.pass{background:#e3f4e8;color:#1b7f3b}.st.fail{background:#fde4e4;color:#b71c1c}.st.unknown{background:#eceff1;color:#546e7a}
ul.ev{margin:0;padding-left:16px;color:#37474f}.clause{color:#4a5563;font-size:12px}
.note{color:#4a5563;background:#f3f5f8;padding:8px 12px;border-radius:5px}
@page{size:A4;margin:12mm}@media print{body{background:#fff}.page{box-shadow:none;padding:0}tr{break-inside:avoid}}
`;

/** One bar per area: pass, fail and unknown as stacked segments, with the counts written on them. */
function areaChart(r: ComplianceReport): string {
  const areas = AREAS.filter((a) => r.byArea[a].pass + r.byArea[a].fail + r.byArea[a].unknown > 0);
  const W = 900, LABEL = 150, ROW = 30, H = areas.length * ROW + 30;
  const max = Math.max(1, ...areas.map((a) => r.byArea[a].pass + r.byArea[a].fail + r.byArea[a].unknown));
  const scale = (W - LABEL - 20) / max;
  const out: string[] = [];
  areas.forEach((a, i) => {
    const y = i * ROW + 6;
    out.push(`<text x="${LABEL - 8}" y="${y + 15}" text-anchor="end" font-size="13" fill="#1c2430">${esc(AREA_NAMES[a])}</text>`);
    let x = LABEL;
    for (const s of ['fail', 'unknown', 'pass'] as const) {
      const n = r.byArea[a][s];
      if (!n) continue;
      const w = n * scale;
      out.push(`<rect class="${s}" data-area="${a}" x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="20" fill="${COLORS[s]}"><title>${esc(`${AREA_NAMES[a]}: ${n} ${STATUS_NAMES[s]}`)}</title></rect>`);
      if (w >= 16) out.push(`<text x="${(x + w / 2).toFixed(1)}" y="${y + 15}" text-anchor="middle" font-size="12" font-weight="700" fill="#fff">${n}</text>`);
      x += w;
    }
  });
  const ly = areas.length * ROW + 16;
  (['pass', 'fail', 'unknown'] as const).forEach((s, i) => {
    const x = LABEL + i * 150;
    out.push(`<rect x="${x}" y="${ly - 9}" width="12" height="12" fill="${COLORS[s]}"/><text x="${x + 18}" y="${ly + 1}" font-size="12" fill="#4a5563">${STATUS_NAMES[s]}</text>`);
  });
  return `<svg id="areas" viewBox="0 0 ${W} ${H}" role="img" aria-label="各领域通过情况 Pass and fail per area">${out.join('')}</svg>`;
}

function row(c: CheckResult): string {
  return `<tr data-check="${esc(c.id)}"${c.subject ? ` data-subject="${esc(c.subject)}"` : ''}><td><span class="st ${c.status}">${esc(STATUS_NAMES[c.status])}</span></td>
<td><b>${esc(c.title)}</b>${c.subject ? `<br>${esc(c.subject)}` : ''}<br><span class="clause">${esc(c.id)} · ${esc(c.clause)}</span></td>
<td>${esc(c.owner)}</td><td><ul class="ev">${c.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></td></tr>`;
}

const table = (checks: CheckResult[]) =>
  `<table><thead><tr><th>结果 Result</th><th>检查 Check · 依据 Clause</th><th>负责 Owner</th><th>证据 Evidence</th></tr></thead><tbody>${checks.map(row).join('\n')}</tbody></table>`;

export function renderComplianceHtml(r: ComplianceReport): string {
  const failing = r.checks.filter((c) => c.status === 'fail');
  const dr = r.dr.level === null ? '—' : r.dr.level === 0 ? '< L1' : `L${r.dr.level}`;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>合规检查 Compliance report ${esc(r.at.slice(0, 10))}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<section class="page">
<h1>合规检查 Compliance report</h1>
<div class="meta">${esc(r.at.replace('T', ' ').slice(0, 16))} UTC · ${r.checks.length} checks</div>
<div class="cards">
<div class="card pass"><b id="count-pass">${r.summary.pass}</b>${STATUS_NAMES.pass}</div>
<div class="card fail"><b id="count-fail">${r.summary.fail}</b>${STATUS_NAMES.fail}</div>
<div class="card unknown"><b id="count-unknown">${r.summary.unknown}</b>${STATUS_NAMES.unknown}</div>
<div class="card dr"><b id="dr-level">${esc(dr)}</b>灾备等级 DR level (GB/T 20988)</div>
</div>
${areaChart(r)}
<h2>需要处理 To fix (${failing.length})</h2>
${failing.length ? table(failing) : '<p class="note">所有检查通过 Every check passes.</p>'}
<h2>灾备等级 DR level</h2>
<p class="note">${r.dr.drills.length ? r.dr.drills.map((d) => esc(`${d.id} (${d.planId}, ${d.at}): ${d.why}`)).join('<br>') : '没有近期实战演练 No recent live drill measured RTO and RPO.'}<br>
Only L1, L2, L5 and L6 are given by the sources; L3–L4 are unverified, so a result between L2 and L5 is stated as L2.</p>
</section>
<section class="page">
<h2>全部检查 Every check</h2>
${AREAS.filter((a) => r.checks.some((c) => c.area === a))
  .map((a) => `<h3 id="area-${a}">${esc(AREA_NAMES[a])} · ${r.byArea[a].pass} ${STATUS_NAMES.pass}, ${r.byArea[a].fail} ${STATUS_NAMES.fail}${r.byArea[a].unknown ? `, ${r.byArea[a].unknown} ${STATUS_NAMES.unknown}` : ''}</h3>\n${table(r.checks.filter((c) => c.area === a))}`)
  .join('\n')}
</section>
</main>
</body>
</html>
`;
}

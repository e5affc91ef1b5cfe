// The drill report as ONE self-contained HTML page (drills-and-scoring.md "The report"): no scripts,
// fonts, images or styles from anywhere else, charts as inline SVG, printable on A4. The first page
// answers management's question in a minute (score and grade, RTO and RPO against target, the
// timeline); the detail follows (score breakdown with every lost point, teams, findings, trend).
// Pure: the same report always renders the same page. Every text from a plan or a drill is escaped.
import type { DrillFacts, DrillFinding, DrillStepFacts, ScorePart } from './drill.types';
import { planElapsed, taxPlatformResult } from './measure';
import { stepTimeliness, teamTable, type DrillReport } from './report';

// ---------------------------------------------------------------------------------------------
// Text helpers

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG text content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}
const esc = escapeHtml;

/** Rough width of a text in em: CJK and full-width characters are 1 em, others about 0.56 em. */
function textEm(text: string): number {
  let em = 0;
  for (const ch of text) em += (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 1 : 0.56;
  return em;
}

/** Shortens a text to fit `maxEm` with an ellipsis. */
function fit(text: string, maxEm: number): string {
  if (textEm(text) <= maxEm) return text;
  let out = '';
  let em = 0;
  for (const ch of text) {
    const w = (ch.codePointAt(0) ?? 0) >= 0x2e80 ? 1 : 0.56;
    if (em + w > maxEm - 1) break;
    out += ch;
    em += w;
  }
  return `${out.trimEnd()}…`;
}

/** Plan-time duration: `45 s`, `8.5 min`, `61.5 min`, `2 h 05 min`, `2 d 3 h`. */
export function formatDuration(ms: number): string {
  const negative = ms < 0;
  const abs = Math.abs(ms);
  let text: string;
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 7_200_000) {
    // Minutes up to two hours (RTO targets are read in minutes): 8.5 min, 61.5 min, 84 min.
    const tenths = Math.round(abs / 6_000);
    text = tenths % 10 === 0 ? `${tenths / 10} min` : `${(tenths / 10).toFixed(1)} min`;
  } else if (abs < 86_400_000) {
    const totalMin = Math.round(abs / 60_000);
    const h = Math.floor(totalMin / 60);
    const m = totalMin % 60;
    text = m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
  } else {
    const totalH = Math.round(abs / 3_600_000);
    const d = Math.floor(totalH / 24);
    const h = totalH % 24;
    text = h === 0 ? `${d} d` : `${d} d ${h} h`;
  }
  return negative ? `−${text}` : text;
}

/** `2025-03-14 09:30 UTC` (the report does not know the reader's time zone). */
function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

function formatDate(iso: string): string {
  return formatTime(iso).slice(0, 10);
}

function formatPoints(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function ms(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

// ---------------------------------------------------------------------------------------------
// Labels

const PART_LABELS: Record<ScorePart, string> = {
  recovery: '恢复目标 Recovery objectives',
  timeliness: '及时性 Timeliness',
  completeness: '完整性 Completeness',
  communication: '沟通 Communication',
  expectations: '预期 Expectations',
};
const PART_ORDER: ScorePart[] = ['recovery', 'timeliness', 'completeness', 'communication', 'expectations'];

const FINDING_LABELS: Record<DrillFinding['kind'], string> = {
  'missed-deadline': '超时 Missed deadline',
  escalation: '升级 Escalation',
  'p0-lost': 'P0 发票丢失 P0 invoices lost',
  'rpo-exceeded': '超出 RPO RPO exceeded',
  'rto-exceeded': '超出 RTO RTO exceeded',
  'expectation-failed': '预期未达成 Expectation not met',
  'step-not-done': '未完成 Step not done',
  'automated-step-failed': '自动步骤失败 Automated step failed',
  'not-resynced': '未完成补传 Not resynced',
  'unsynced-at-deadline': '申报期限未同步 Unsynced at the deadline',
  'duplicate-uploads': '重复上传 Duplicate uploads',
};

const STATE_LABELS: Record<DrillStepFacts['state'], string> = {
  pending: '未开始 not started',
  running: '进行中 running',
  waiting: '等待中 waiting',
  failed: '失败 failed',
  done: '完成 done',
  skipped: '跳过 skipped',
};

function gradeClass(grade: string): string {
  if (grade.startsWith('优秀')) return 'excellent';
  if (grade.startsWith('良好')) return 'good';
  if (grade.startsWith('合格')) return 'pass';
  return 'fail';
}

function modeLabel(facts: DrillFacts): string {
  return facts.mode === 'live-drill' ? '实战演练 Live drill' : '桌面演练 Tabletop';
}

const ESTIMATED = '<span class="badge estimated">估算 estimated</span>';

// ---------------------------------------------------------------------------------------------
// Style: inline, printable on A4, no web fonts (local CJK fonts only)

const CSS = `
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#eef1f5;color:#1c2430;font:14px/1.45 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Helvetica Neue",Arial,sans-serif}
.report{max-width:1000px;margin:0 auto;padding:16px}
.page{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:22px 26px;margin-bottom:16px}
h1{font-size:22px;margin:4px 0 2px}
h2{font-size:16px;margin:18px 0 8px;padding-bottom:4px;border-bottom:2px solid #dde3ea}
.page>section:first-child>h2{margin-top:0}
section+section{margin-top:22px}
h3{font-size:14px;margin:14px 0 6px}
.head{display:flex;justify-content:space-between;gap:16px;align-items:flex-start;border-bottom:3px solid #c62828;padding-bottom:10px;margin-bottom:14px}
.plan{font-size:17px;font-weight:600}
.meta{color:#4a5563;font-size:12.5px;margin-top:4px}
.meta span{margin-right:14px;white-space:nowrap}
.marks{display:flex;flex-wrap:wrap;gap:6px;justify-content:flex-end;max-width:45%}
.mark{display:inline-block;padding:3px 9px;border-radius:4px;font-weight:700;font-size:13px;border:2px solid #c62828;color:#c62828;white-space:nowrap}
.mark.drill{background:#c62828;color:#fff;font-size:15px;letter-spacing:1px}
.mark.mode{border-color:#37474f;color:#37474f}
.mark.surprise{border-color:#6a1b9a;color:#6a1b9a}
.mark.level{border-color:#8d6e00;color:#8d6e00}
.summary{display:grid;grid-template-columns:210px 1fr;gap:16px;align-items:stretch}
.scorecard{border-radius:8px;padding:12px 14px;color:#fff;text-align:center;display:flex;flex-direction:column;justify-content:center}
.scorecard .label{font-size:13px;opacity:.9}
.scorecard .score{font-size:64px;font-weight:800;line-height:1}
.scorecard .of{font-size:13px;opacity:.85;margin-bottom:6px}
.scorecard .grade{font-size:22px;font-weight:700;background:rgba(255,255,255,.18);border-radius:5px;padding:3px 6px}
.scorecard.excellent{background:#1b7f3b}.scorecard.good{background:#1f6f8b}.scorecard.pass{background:#b26a00}.scorecard.fail{background:#c62828}
.objectives{display:flex;flex-direction:column;gap:8px}
.objective{border:1px solid #dde3ea;border-radius:6px;padding:8px 12px 4px}
.objective .ohead{display:flex;justify-content:space-between;align-items:baseline;gap:8px;flex-wrap:wrap}
.objective .oname{font-weight:700;font-size:14px}
.objective .ovalue{font-size:13px;color:#37474f}
.objective .ovalue b{font-size:18px;color:#1c2430}
.objective svg{display:block;width:100%;height:auto}
.verdict{font-weight:700;padding:1px 7px;border-radius:3px;font-size:12.5px;white-space:nowrap}
.verdict.ok{background:#e3f4e8;color:#1b7f3b}.verdict.warn{background:#fff1d6;color:#8a5200}.verdict.bad{background:#fde4e4;color:#b71c1c}.verdict.none{background:#eceff1;color:#546e7a}
.badge{display:inline-block;font-size:11.5px;font-weight:700;padding:1px 6px;border-radius:3px;white-space:nowrap}
.badge.estimated{background:#fff4cc;color:#7a5a00;border:1px dashed #c9a200}
.badge.accepted{background:#e3f4e8;color:#1b7f3b}
.badge.kind{background:#fde4e4;color:#b71c1c}
.keyfacts{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0 0;padding:0;list-style:none}
.keyfacts li{background:#f3f5f8;border-radius:5px;padding:5px 10px;font-size:13px}
.keyfacts li b{font-size:16px;margin-left:4px}
.keyfacts li.bad b{color:#c62828}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:11.5px;color:#4a5563;margin:0 0 4px}
.legend i{display:inline-block;width:18px;height:10px;border-radius:2px;vertical-align:middle;margin-right:4px}
.legend i.line{width:3px;height:14px;border-radius:0}
svg#timeline,svg#trend{display:block;width:100%;height:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e3e8ee;vertical-align:top}
th{background:#f3f5f8;font-weight:600;font-size:12.5px}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:700;border-top:2px solid #c9d1da}
td.bad{color:#c62828;font-weight:700}
.meter{display:inline-block;width:90px;height:8px;background:#e6eaef;border-radius:4px;overflow:hidden;vertical-align:middle}
.meter span{display:block;height:100%;background:#2f6fb3}
.findings{list-style:none;margin:0;padding:0}
.findings li{border-left:4px solid #c62828;background:#fbf6f6;padding:6px 10px;margin-bottom:6px;border-radius:0 4px 4px 0}
.findings .ftext{font-weight:600}
.findings .fmeta{font-size:12px;color:#4a5563}
.note{color:#4a5563;background:#f3f5f8;padding:8px 12px;border-radius:5px}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.foot{color:#78849a;font-size:11.5px;text-align:center;margin-top:6px}
@page{size:A4;margin:12mm}
@media print{
  body{background:#fff;font-size:12px}
  .report{max-width:none;padding:0}
  .page{box-shadow:none;border-radius:0;padding:0;margin:0}
  .page.first{break-after:page}
  .scorecard .score{font-size:54px}
  h2{break-after:avoid}
  section,tr,li,.objective{break-inside:avoid}
  .foot{display:none}
}
`;

// ---------------------------------------------------------------------------------------------
// Header and score card

function header(report: DrillReport): string {
  const f = report.drill;
  const durationMs = planElapsed(f, f.startedAt, f.finishedAt);
  const decisions = Object.entries(f.decisions ?? {});
  const marks = [
    '<span class="mark drill">演练 DRILL</span>',
    `<span class="mark mode">${esc(modeLabel(f))}</span>`,
    f.unannounced ? '<span class="mark surprise">突击 Unannounced</span>' : '',
    f.level ? `<span class="mark level">${esc(f.level)} 级 Level ${esc(f.level)}</span>` : '',
  ].join('');
  const meta = [
    `<span>计划 Plan: <b>${esc(f.planId)}</b> v${esc(f.planVersion)}</span>`,
    `<span>演练编号 Drill: ${esc(f.drillId)}</span>`,
    `<span>开始 Started: ${esc(formatTime(f.startedAt))}</span>`,
    durationMs !== undefined ? `<span>用时 Duration: ${esc(formatDuration(durationMs))}（计划时间 plan time）</span>` : '<span>未结束 not finished</span>',
    f.timeScale !== 1 ? `<span>时间倍率 Time scale ×${esc(num(f.timeScale))}</span>` : '',
    ...decisions.map(([step, option]) => `<span>决策 Decision: ${esc(step)} → <b>${esc(option)}</b></span>`),
    `<span>生成 Generated: ${esc(formatTime(report.generatedAt))}</span>`,
  ].join('');
  return `<header class="head">
<div><h1>演练报告 Drill report</h1><div class="plan">${esc(f.planTitle)}</div><div class="meta">${meta}</div></div>
<div class="marks">${marks}</div>
</header>`;
}

function scoreCard(report: DrillReport): string {
  const { score } = report;
  return `<div class="scorecard ${gradeClass(score.grade)}">
<div class="label">得分 Score</div>
<div id="score" class="score">${esc(formatPoints(score.total))}</div>
<div class="of">/ 100</div>
<div class="label">等级 Grade</div>
<div id="grade" class="grade">${esc(score.grade)}</div>
</div>`;
}

function keyFacts(report: DrillReport): string {
  const f = report.drill;
  const required = f.steps.filter((s) => s.required);
  const late = required.filter((s) => stepTimeliness(f, s) === 'late').length;
  const notDone = required.filter((s) => stepTimeliness(f, s) === 'not-done').length;
  const items: Array<[string, string, boolean]> = [
    ['必做步骤 Required steps', String(required.length), false],
    ['超时 Late', String(late), late > 0],
    ['未完成 Not done', String(notDone), notDone > 0],
    ['升级 Escalations', String(f.escalations.length), f.escalations.length > 0],
    ['发现 Findings', String(report.findings.length), report.findings.length > 0],
  ];
  if (f.loss) items.push(['丢失发票 Invoices lost', `${f.loss.total}（P0 ${f.loss.p0}）`, f.loss.total > 0]);
  const tax = taxPlatformResult(f);
  if (tax) {
    items.push(['申报期限未同步 Unsynced at deadline', String(tax.unsyncedAtDeadline), tax.unsyncedAtDeadline > 0]);
    items.push(['重复上传 Duplicate uploads', String(tax.duplicateUploads), tax.duplicateUploads > 0]);
  }
  if (f.faults.length > 0) items.push(['注入故障 Faults', f.faults.map((x) => (x.target ? `${x.kind}:${x.target}` : x.kind)).join(', '), false]);
  return `<ul class="keyfacts">${items
    .map(([label, value, bad]) => `<li${bad ? ' class="bad"' : ''}>${esc(label)}<b>${esc(value)}</b></li>`)
    .join('')}</ul>`;
}

// ---------------------------------------------------------------------------------------------
// RTO / RPO gauges

interface Gauge {
  id: 'rto' | 'rpo' | 'resync';
  name: string;
  measuredMs?: number;
  targetMs?: number;
  /** Shown instead of a measurement when there is none. */
  missing: string;
  /** Worst case regardless of time (a lost P0 invoice). */
  forceBad?: string;
  extra?: string;
  estimated: boolean;
}

function gauge(g: Gauge): string {
  const W = 520;
  const H = 58;
  const x0 = 8;
  const x1 = W - 8;
  const barY = 14;
  const barH = 16;
  const target = g.targetMs;
  const measured = g.measuredMs;
  let verdict: string;
  if (measured === undefined) verdict = `<span class="verdict ${g.id === 'rpo' ? 'none' : 'bad'}">${esc(g.missing)}</span>`;
  else if (g.forceBad) verdict = `<span class="verdict bad">${esc(g.forceBad)}</span>`;
  else if (target === undefined) verdict = '<span class="verdict none">无目标 no target</span>';
  else if (measured <= target) verdict = '<span class="verdict ok">✓ 达标 met</span>';
  else if (measured <= 2 * target) verdict = `<span class="verdict warn">✗ 超标 missed (+${esc(formatDuration(measured - target))})</span>`;
  else verdict = `<span class="verdict bad">✗ 超标 missed (+${esc(formatDuration(measured - target))})</span>`;

  const value =
    measured !== undefined
      ? `实测 measured <b>${esc(formatDuration(measured))}</b>`
      : `实测 measured <b>—</b>`;
  const targetText = target !== undefined ? ` / 目标 target <b>${esc(formatDuration(target))}</b>` : '';

  const parts: string[] = [];
  const maxMs = Math.max(target !== undefined ? target * 2 : 0, measured !== undefined ? measured * 1.08 : 0, 1);
  const sx = (v: number) => x0 + (Math.min(v, maxMs) / maxMs) * (x1 - x0);
  // Zones: within target, up to twice the target, beyond.
  if (target !== undefined) {
    parts.push(`<rect x="${num(x0)}" y="${barY}" width="${num(sx(target) - x0)}" height="${barH}" fill="#e3f4e8"/>`);
    parts.push(`<rect x="${num(sx(target))}" y="${barY}" width="${num(sx(2 * target) - sx(target))}" height="${barH}" fill="#fff1d6"/>`);
    if (sx(2 * target) < x1) parts.push(`<rect x="${num(sx(2 * target))}" y="${barY}" width="${num(x1 - sx(2 * target))}" height="${barH}" fill="#fde4e4"/>`);
  } else {
    parts.push(`<rect x="${x0}" y="${barY}" width="${x1 - x0}" height="${barH}" fill="#eceff1"/>`);
  }
  if (measured !== undefined) {
    const colour = g.forceBad || (target !== undefined && measured > 2 * target) ? '#c62828' : target !== undefined && measured > target ? '#d98200' : target !== undefined ? '#1b7f3b' : '#455a64';
    const w = Math.max(sx(measured) - x0, measured > 0 ? 2 : 0);
    parts.push(`<rect class="measured" x="${x0}" y="${barY + 3}" width="${num(w)}" height="${barH - 6}" rx="2" fill="${colour}"${g.estimated ? ' fill-opacity="0.6" stroke="' + colour + '" stroke-dasharray="4 2"' : ''}/>`);
  } else if (g.id !== 'rpo') {
    parts.push(`<rect x="${x0}" y="${barY + 3}" width="${x1 - x0}" height="${barH - 6}" fill="none" stroke="#c62828" stroke-dasharray="5 3"/>`);
  }
  if (target !== undefined) {
    const tx = sx(target);
    parts.push(`<line x1="${num(tx)}" y1="${barY - 5}" x2="${num(tx)}" y2="${barY + barH + 5}" stroke="#1c2430" stroke-width="2"/>`);
    parts.push(`<text x="${num(tx)}" y="${barY + barH + 18}" font-size="11" text-anchor="middle" fill="#1c2430">目标 target ${esc(formatDuration(target))}</text>`);
    const t2 = sx(2 * target);
    if (t2 < x1 - 2) {
      parts.push(`<line x1="${num(t2)}" y1="${barY}" x2="${num(t2)}" y2="${barY + barH}" stroke="#8a5200" stroke-dasharray="2 2"/>`);
      parts.push(`<text x="${num(Math.min(t2, x1 - 20))}" y="${barY + barH + 18}" font-size="10" text-anchor="middle" fill="#8a5200">2×</text>`);
    }
  }
  parts.push(`<text x="${x0}" y="${barY + barH + 18}" font-size="10" fill="#78849a">0</text>`);
  const svg = `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(g.name)}">${parts.join('')}</svg>`;
  return `<div id="${g.id}" class="objective">
<div class="ohead"><span class="oname">${esc(g.name)} ${g.estimated ? ESTIMATED : ''}</span><span class="ovalue">${value}${targetText}</span>${verdict}</div>
${svg}${g.extra ? `<div class="meta">${g.extra}</div>` : ''}
</div>`;
}

function objectives(report: DrillReport): string {
  const f = report.drill;
  const rto = gauge({
    id: 'rto',
    name: '恢复时间 RTO',
    measuredMs: f.rtoMs,
    targetMs: f.objectives.rtoMs,
    missing: '未恢复 not restored',
    estimated: f.recoveryEstimated,
    extra: f.faultAt || f.restoredAt ? `故障 fault ${esc(formatTime(f.faultAt))} → 恢复 restored ${esc(formatTime(f.restoredAt))}` : undefined,
  });
  const loss = f.loss;
  const rpo = gauge({
    id: 'rpo',
    name: '数据丢失 RPO',
    measuredMs: loss?.windowMs,
    targetMs: f.objectives.rpoMs,
    missing: f.mode === 'tabletop' ? '桌面演练不测量 not measured in a tabletop' : '未测量 not measured',
    forceBad: loss && loss.p0 > 0 ? `✗ 丢失 P0 发票 ${loss.p0} P0 invoices lost` : undefined,
    estimated: f.recoveryEstimated && loss !== undefined,
    extra: loss
      ? `丢失发票 Invoices lost: <b>${esc(loss.total)}</b>（P0: <b>${esc(loss.p0)}</b>）${Object.entries(loss.byClass)
          .filter(([, n]) => n > 0)
          .map(([cls, n]) => ` · ${esc(cls)} ${esc(n)}`)
          .join('')}`
      : undefined,
  });
  return `<div class="objectives">${rto}${rpo}${resyncGauge(f)}</div>`;
}

/** Live drills with a tax-platform fault: the platform's return to full resync, the deadline, duplicates. */
function resyncGauge(f: DrillFacts): string {
  const t = f.taxPlatform;
  const r = taxPlatformResult(f);
  if (!t || !r) return '';
  const deadline = t.deadline
    ? `申报期限 deadline ${esc(formatTime(t.deadline.at))}（${esc(t.deadline.from)}${t.deadlineAfterEnd ? '；演练先结束，按结束时计 the drill ended first: counted at its end' : ''}）未同步 unsynced <b>${esc(r.unsyncedAtDeadline)}</b>`
    : `申报期限未知 deadline unknown: ${esc(t.deadlineUnknown ?? '-')}`;
  return gauge({
    id: 'resync',
    name: '补传 Resync after the platform’s return',
    measuredMs: r.resyncMs,
    missing: r.status === 'platform-not-back' ? '平台未恢复 platform not back' : `未补传完成 not resynced (${r.stillUnsynced})`,
    estimated: false,
    extra: [
      `平台恢复 platform back ${esc(formatTime(t.returnedAt))} → 补传完成 resynced ${esc(formatTime(r.resyncedAt))}`,
      `恢复时未同步 unsynced at the return <b>${esc(t.unsyncedAtReturn)}</b>`,
      deadline,
      `重复上传 duplicate uploads <b>${esc(t.duplicateUploads)}</b>（重复流水号 repeated serials ${esc(t.duplicateSerials)}）`,
    ].join(' · '),
  });
}

// ---------------------------------------------------------------------------------------------
// Timeline

function niceStepMinutes(rangeMin: number, maxTicks: number): number {
  for (const step of [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440, 2880]) {
    if (rangeMin / step <= maxTicks) return step;
  }
  return Math.ceil(rangeMin / maxTicks / 1440) * 1440;
}

function timeline(report: DrillReport): string {
  const f = report.drill;
  const scale = Number.isFinite(f.timeScale) && f.timeScale > 0 ? f.timeScale : 1;
  const rows = f.steps.filter((s) => s.required && s.state !== 'skipped');
  const t0 = Math.min(...[ms(f.startedAt), ms(f.faultAt)].filter((t): t is number => t !== undefined));
  if (!Number.isFinite(t0)) return '<p class="note">无时间记录 No times recorded</p>';
  /** Plan-time offset from the drill's start. */
  const off = (t: number) => (t - t0) * scale;
  const instants: number[] = [t0];
  for (const t of [ms(f.finishedAt), ms(f.restoredAt), ms(f.faultAt), ms(f.taxPlatform?.returnedAt)]) if (t !== undefined) instants.push(t);
  for (const s of rows) {
    for (const t of [ms(s.startedAt), ms(s.finishedAt), ms(s.acknowledgedAt)]) if (t !== undefined) instants.push(t);
  }
  // The axis covers what happened; a deadline far after the drill ended is shown at the edge, not
  // by stretching the axis (that would squeeze every bar).
  const lastInstant = Math.max(...instants);
  /** Where a bar of an unfinished step ends: the drill's end, else the last thing recorded. */
  const openEnd = ms(f.finishedAt) ?? lastInstant;
  const rangeMs = Math.max(off(lastInstant), 60_000);
  const stepMin = niceStepMinutes(rangeMs / 60_000, 10);
  const axisMaxMs = Math.ceil(rangeMs / 60_000 / stepMin) * stepMin * 60_000;

  const W = 1000;
  const L = 330; // label column
  const R = 110; // right annotations
  const top = 24;
  const rowH = 36;
  const plotW = W - L - R;
  const H = top + rows.length * rowH + 40;
  const x = (planMs: number) => L + (Math.max(0, Math.min(planMs, axisMaxMs)) / axisMaxMs) * plotW;

  const out: string[] = [];
  // Grid and axis.
  for (let m = 0; m * 60_000 <= axisMaxMs + 1; m += stepMin) {
    const gx = x(m * 60_000);
    out.push(`<line x1="${num(gx)}" y1="${top - 4}" x2="${num(gx)}" y2="${top + rows.length * rowH}" stroke="#e3e8ee"/>`);
    out.push(`<text x="${num(gx)}" y="${top + rows.length * rowH + 15}" font-size="11" text-anchor="middle" fill="#4a5563">${m}</text>`);
  }
  out.push(
    `<text x="${L + plotW / 2}" y="${H - 6}" font-size="11.5" text-anchor="middle" fill="#4a5563">分钟（计划时间）Minutes of plan time${scale !== 1 ? esc(` — 实际时间 ÷${num(scale)} real time`) : ''}</text>`,
  );
  // Rows.
  rows.forEach((s, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${W}" height="${rowH}" fill="#f7f9fb"/>`);
    const title = fit(s.title, 24);
    const metaBits = [s.team ?? s.ownerRole ?? (s.type === 'notify' ? '通知 notify' : ''), STATE_LABELS[s.state]];
    if (s.withinMs !== undefined) metaBits.push(`期限 within ${formatDuration(s.withinMs)}`);
    if (s.escalations > 0) metaBits.push(`升级 ×${s.escalations}`);
    out.push(`<text x="6" y="${y + 15}" font-size="13" fill="#1c2430">${esc(title)}<title>${esc(s.title)}</title></text>`);
    out.push(`<text x="6" y="${y + 30}" font-size="11" fill="#6b7788">${esc(fit(metaBits.filter(Boolean).join(' · '), 34))}</text>`);

    const start = ms(s.startedAt);
    if (start === undefined) {
      out.push(`<text x="${L + 4}" y="${y + 22}" font-size="11" fill="#8a94a3" font-style="italic">未开始 not started</text>`);
      return;
    }
    const finished = ms(s.finishedAt);
    const end = finished ?? Math.max(openEnd, start);
    const deadline = s.withinMs !== undefined ? start + s.withinMs / scale : undefined;
    const late = deadline !== undefined && end > deadline;
    const done = s.state === 'done';
    const bx = x(off(start));
    const ex = Math.max(x(off(end)), bx + 2);
    const by = y + 9;
    const bh = rowH - 18;
    const fill = done ? '#2f6fb3' : '#b0bac6';
    const classes = ['bar', late ? 'late' : '', done ? 'done' : 'not-done'].filter(Boolean).join(' ');
    const tooltip = [
      s.title,
      `${STATE_LABELS[s.state]}`,
      `开始 start ${formatDuration(off(start))}`,
      finished !== undefined ? `结束 end ${formatDuration(off(finished))}` : '',
      deadline !== undefined ? `期限 deadline ${formatDuration(off(deadline))}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    const bar: string[] = [`<title>${esc(tooltip)}</title>`];
    const dashed = done ? '' : ' stroke="#6b7788" stroke-dasharray="4 2"';
    if (late && deadline !== undefined) {
      const dx = Math.max(x(off(deadline)), bx);
      if (dx > bx) bar.push(`<rect x="${num(bx)}" y="${by}" width="${num(dx - bx)}" height="${bh}" fill="${fill}"${dashed}/>`);
      bar.push(`<rect class="late-part" x="${num(dx)}" y="${by}" width="${num(Math.max(ex - dx, 2))}" height="${bh}" fill="#d32f2f"${dashed}/>`);
    } else {
      bar.push(`<rect x="${num(bx)}" y="${by}" width="${num(ex - bx)}" height="${bh}" fill="${fill}"${dashed}/>`);
    }
    const ack = ms(s.acknowledgedAt);
    if (ack !== undefined && (finished === undefined || ack < finished) && ack >= start) {
      const ax = x(off(ack));
      bar.push(`<line class="ack" x1="${num(ax)}" y1="${by + 2}" x2="${num(ax)}" y2="${by + bh - 2}" stroke="#fff" stroke-width="2"/>`);
    }
    out.push(`<g class="${classes}" data-step="${esc(s.id)}">${bar.join('')}</g>`);
    if (deadline !== undefined && off(deadline) <= axisMaxMs) {
      const dx = x(off(deadline));
      out.push(`<line class="deadline" data-deadline="${esc(s.id)}" x1="${num(dx)}" y1="${y + 4}" x2="${num(dx)}" y2="${y + rowH - 4}" stroke="#1c2430" stroke-width="2.5"/>`);
    } else if (deadline !== undefined) {
      const dx = L + plotW;
      out.push(
        `<path class="deadline beyond" data-deadline="${esc(s.id)}" d="M${num(dx - 7)} ${y + 11} L${num(dx)} ${y + 18} L${num(dx - 7)} ${y + 25} Z" fill="#1c2430"><title>${esc(`期限 deadline ${formatDuration(off(deadline))}`)}</title></path>`,
      );
    }
    // Right-hand note: how long it took, how late, or that it never finished.
    const took = planElapsed(f, s.startedAt, s.finishedAt);
    let note: string;
    if (!done) note = `<tspan fill="#c62828" font-weight="700">${esc(s.state === 'failed' ? '失败 failed' : '未完成 not done')}</tspan>`;
    else if (late && deadline !== undefined && finished !== undefined)
      note = `${esc(formatDuration(took ?? 0))} <tspan fill="#c62828" font-weight="700">+${esc(formatDuration(off(finished) - off(deadline)))}</tspan>`;
    else note = esc(took !== undefined ? formatDuration(took) : '');
    out.push(`<text x="${L + plotW + 8}" y="${y + 22}" font-size="11.5" fill="#37474f">${note}</text>`);
  });
  // Fault and restore lines over all rows.
  const bottom = top + rows.length * rowH;
  const fault = ms(f.faultAt);
  if (fault !== undefined) {
    const fx = x(off(fault));
    out.push(`<line class="fault" x1="${num(fx)}" y1="${top - 10}" x2="${num(fx)}" y2="${bottom}" stroke="#c62828" stroke-width="2" stroke-dasharray="6 3"/>`);
    out.push(`<text x="${num(fx - 3)}" y="${top - 8}" font-size="11" text-anchor="end" fill="#c62828" font-weight="700">故障 fault</text>`);
  }
  const restored = ms(f.restoredAt);
  if (restored !== undefined) {
    const rx = x(off(restored));
    out.push(`<line class="restored" x1="${num(rx)}" y1="${top - 10}" x2="${num(rx)}" y2="${bottom}" stroke="#1b7f3b" stroke-width="2" stroke-dasharray="6 3"/>`);
    out.push(`<text x="${num(rx + 3)}" y="${top - 8}" font-size="11" fill="#1b7f3b" font-weight="700">恢复 restored${f.recoveryEstimated ? '（估算 estimated）' : ''}</text>`);
  }
  // A tax-platform drill: when the platform came back (its resync is the restore line).
  const back = f.taxPlatform ? ms(f.taxPlatform.returnedAt) : undefined;
  if (back !== undefined && off(back) >= 0 && off(back) <= axisMaxMs) {
    const bx = x(off(back));
    out.push(`<line class="platform-back" x1="${num(bx)}" y1="${top - 10}" x2="${num(bx)}" y2="${bottom}" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="2 3"/>`);
    out.push(`<text x="${num(bx + 3)}" y="${bottom - 4}" font-size="11" fill="#6a1b9a" font-weight="700">平台恢复 platform back</text>`);
  }
  const legend = `<div class="legend">
<span><i style="background:#2f6fb3"></i>完成 done</span>
<span><i style="background:#d32f2f"></i>超时部分 late part</span>
<span><i style="background:#b0bac6;border:1px dashed #6b7788"></i>未完成 not done</span>
<span><svg width="18" height="10" style="vertical-align:middle;margin-right:4px"><rect width="18" height="10" rx="2" fill="#2f6fb3"/><line x1="6" x2="6" y1="1.5" y2="8.5" stroke="#fff" stroke-width="2"/></svg>确认 acknowledged</span>
<span><i class="line" style="background:#1c2430"></i>期限 deadline（▸ 图外 beyond）</span>
<span><i class="line" style="background:#c62828"></i>故障 fault</span>
<span><i class="line" style="background:#1b7f3b"></i>恢复 restored</span>${
    f.taxPlatform ? '<span><i class="line" style="background:#6a1b9a"></i>平台恢复 platform back（恢复 = 补传完成 restored = resynced）</span>' : ''
  }
</div>`;
  return `${legend}<svg id="timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="时间线 Timeline">${out.join('')}</svg>`;
}

// ---------------------------------------------------------------------------------------------
// Detail: breakdown, teams, findings, trend

function scoreBreakdown(report: DrillReport): string {
  const { score } = report;
  const parts = [...score.parts].sort((a, b) => PART_ORDER.indexOf(a.part) - PART_ORDER.indexOf(b.part));
  const rows = parts
    .map((p) => {
      const share = p.weight > 0 ? Math.max(0, Math.min(1, p.points / p.weight)) : 0;
      return `<tr data-part="${esc(p.part)}"><td>${esc(PART_LABELS[p.part] ?? p.part)}</td><td class="n">${esc(formatPoints(p.weight))}</td><td class="n">${esc(formatPoints(p.points))}</td><td><span class="meter"><span style="width:${num(share * 100)}%"></span></span></td><td>${p.estimated ? ESTIMATED : '—'}</td></tr>`;
    })
    .join('');
  const weightSum = parts.reduce((n, p) => n + p.weight, 0);
  const table = `<table id="score-breakdown">
<thead><tr><th>部分 Part</th><th class="n">权重 Weight</th><th class="n">得分 Points</th><th></th><th>估算 Estimated</th></tr></thead>
<tbody>${rows}<tr class="total"><td>合计 Total</td><td class="n">${esc(formatPoints(weightSum))}</td><td class="n">${esc(formatPoints(score.total))}</td><td></td><td>${esc(score.grade)}</td></tr></tbody>
</table>`;
  const lost = [...score.lost].sort((a, b) => PART_ORDER.indexOf(a.part) - PART_ORDER.indexOf(b.part) || b.points - a.points);
  const lostHtml =
    lost.length === 0
      ? '<p class="note">未失分 No points lost</p>'
      : `<table id="lost-points"><thead><tr><th>部分 Part</th><th class="n">失分 Lost</th><th>原因 Reason</th></tr></thead><tbody>${lost
          .map(
            (l) =>
              `<tr${l.stepId ? ` data-step="${esc(l.stepId)}"` : ''}><td>${esc(PART_LABELS[l.part] ?? l.part)}</td><td class="n bad">−${esc(formatPoints(l.points))}</td><td>${esc(l.reason)}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<section><h2>得分明细 Score breakdown</h2>${table}<h3>失分原因 Every lost point</h3>${lostHtml}</section>`;
}

function teams(report: DrillReport): string {
  const rows = teamTable(report.drill);
  const body =
    rows.length === 0
      ? '<tr><td colspan="6">无团队任务 No team tasks</td></tr>'
      : rows
          .map(
            (r) =>
              `<tr data-team="${esc(r.team)}"><td>${esc(r.team)}</td><td class="n">${r.tasks}</td><td class="n">${r.onTime}</td><td class="n${r.late > 0 ? ' bad' : ''}">${r.late}</td><td class="n${r.notDone > 0 ? ' bad' : ''}">${r.notDone}</td><td class="n">${r.medianResponseMs !== undefined ? esc(formatDuration(r.medianResponseMs)) : '—'}</td></tr>`,
          )
          .join('');
  return `<section><h2>各团队表现 Teams</h2><table id="teams">
<thead><tr><th>团队 Team</th><th class="n">任务 Tasks</th><th class="n">按时 On time</th><th class="n">超时 Late</th><th class="n">未完成 Not done</th><th class="n">响应中位数 Median response</th></tr></thead>
<tbody>${body}</tbody></table>
<p class="meta">响应 = 确认（或完成）减开始，按计划时间 Response = acknowledged (or finished) minus started, in plan time.</p></section>`;
}

function findings(report: DrillReport): string {
  const f = report.drill;
  const accepted = report.acceptedFindings ?? [];
  const acceptedIds = new Set(accepted.map((a) => a.findingId).filter((id): id is string => !!id));
  const stepTitle = (id: string | undefined) => (id ? (f.steps.find((s) => s.id === id)?.title ?? id) : undefined);
  const list =
    report.findings.length === 0
      ? '<p class="note">无发现 No findings</p>'
      : `<ul class="findings">${report.findings
          .map((x) => {
            const meta = [
              stepTitle(x.stepId) ? `步骤 Step: ${esc(stepTitle(x.stepId))}` : '',
              x.team ? `团队 Team: ${esc(x.team)}` : '',
              x.evidence ? `证据 Evidence: ${esc(x.evidence)}` : '',
            ]
              .filter(Boolean)
              .join(' · ');
            return `<li data-finding="${esc(x.id)}"><span class="badge kind">${esc(FINDING_LABELS[x.kind] ?? x.kind)}</span> ${acceptedIds.has(x.id) ? '<span class="badge accepted">已采纳 accepted</span> ' : ''}<span class="ftext">${esc(x.text)}</span><div class="fmeta">${meta}</div></li>`;
          })
          .join('')}</ul>`;
  const items =
    accepted.length === 0
      ? ''
      : `<h3>改进项 Improvement items</h3><table id="improvements"><thead><tr><th>事项 Item</th><th>负责人 Owner</th><th>期限 Due</th><th>来源 From finding</th></tr></thead><tbody>${accepted
          .map((a) => `<tr><td>${esc(a.text)}</td><td>${esc(a.owner)}</td><td class="n">${esc(a.due)}</td><td>${esc(a.findingId ?? '—')}</td></tr>`)
          .join('')}</tbody></table>`;
  return `<section id="findings"><h2>发现 Findings</h2>${list}${items}</section>`;
}

function trend(report: DrillReport): string {
  const entries = report.trend;
  if (entries.length < 2) return `<section><h2>趋势 Trend</h2><p id="trend-note" class="note">首次演练 first drill of this plan</p></section>`;
  const W = 1000;
  const L = 86;
  const R = 30;
  const scoreTop = 26;
  const scoreH = 150;
  const rtoTop = scoreTop + scoreH + 44;
  const rtoH = 90;
  const H = rtoTop + rtoH + 44;
  const plotW = W - L - R;
  const n = entries.length;
  const cx = (i: number) => L + (plotW * (i + 0.5)) / n;
  // The score axis starts below the lowest score (at most 50, so the pass line is always there).
  const yMin = Math.max(0, Math.min(50, Math.floor((Math.min(...entries.map((e) => e.score)) - 10) / 10) * 10));
  const sy = (score: number) => scoreTop + scoreH - ((Math.max(yMin, Math.min(100, score)) - yMin) / (100 - yMin)) * scoreH;
  const out: string[] = [];
  out.push(`<text x="${L}" y="16" font-size="12.5" font-weight="700" fill="#1c2430">得分 Score</text>`);
  for (const [v, label, colour] of [
    [90, '优秀 90', '#1b7f3b'],
    [75, '良好 75', '#1f6f8b'],
    [60, '合格 60', '#b26a00'],
  ] as const) {
    out.push(`<line x1="${L}" y1="${num(sy(v))}" x2="${W - R}" y2="${num(sy(v))}" stroke="${colour}" stroke-dasharray="4 4" stroke-opacity="0.6"/>`);
    out.push(`<text x="${L - 6}" y="${num(sy(v) + 4)}" font-size="10.5" text-anchor="end" fill="${colour}">${label}</text>`);
  }
  out.push(`<line x1="${L}" y1="${scoreTop + scoreH}" x2="${W - R}" y2="${scoreTop + scoreH}" stroke="#9aa5b4"/>`);
  out.push(`<text x="${L - 6}" y="${scoreTop + scoreH + 4}" font-size="10.5" text-anchor="end" fill="#78849a">${yMin}</text>`);
  out.push(`<text x="${L - 6}" y="${scoreTop + 4}" font-size="10.5" text-anchor="end" fill="#78849a">100</text>`);
  out.push(`<polyline points="${entries.map((e, i) => `${num(cx(i))},${num(sy(e.score))}`).join(' ')}" fill="none" stroke="#2f6fb3" stroke-width="2.5"/>`);
  entries.forEach((e, i) => {
    const last = i === n - 1;
    out.push(
      `<circle class="trend-point" data-drill="${esc(e.drillId)}" cx="${num(cx(i))}" cy="${num(sy(e.score))}" r="${last ? 7 : 5}" fill="${last ? '#c62828' : '#2f6fb3'}" stroke="#fff" stroke-width="2"><title>${esc(`${e.drillId} ${e.grade}`)}</title></circle>`,
    );
    out.push(`<text x="${num(cx(i))}" y="${num(sy(e.score) - 11)}" font-size="12" font-weight="700" text-anchor="middle" fill="#1c2430">${esc(formatPoints(e.score))}</text>`);
  });
  // RTO bars against the target.
  const target = report.drill.objectives.rtoMs;
  const rtoValues = entries.map((e) => e.rtoMs).filter((v): v is number => v !== undefined);
  const rtoMax = Math.max(...rtoValues, target ?? 0, 60_000) * 1.15;
  const ry = (v: number) => rtoTop + rtoH - (v / rtoMax) * rtoH;
  out.push(`<text x="${L}" y="${rtoTop - 12}" font-size="12.5" font-weight="700" fill="#1c2430">恢复时间 RTO</text>`);
  out.push(`<line x1="${L}" y1="${rtoTop + rtoH}" x2="${W - R}" y2="${rtoTop + rtoH}" stroke="#9aa5b4"/>`);
  const barW = Math.min(60, (plotW / n) * 0.4);
  entries.forEach((e, i) => {
    if (e.rtoMs === undefined) {
      out.push(`<text x="${num(cx(i))}" y="${rtoTop + rtoH - 6}" font-size="10.5" text-anchor="middle" fill="#8a94a3">—</text>`);
    } else {
      const over = target !== undefined && e.rtoMs > target;
      out.push(
        `<rect class="trend-rto" x="${num(cx(i) - barW / 2)}" y="${num(ry(e.rtoMs))}" width="${num(barW)}" height="${num(rtoTop + rtoH - ry(e.rtoMs))}" fill="${over ? '#d32f2f' : '#1b7f3b'}" fill-opacity="0.8"/>`,
      );
      out.push(`<text x="${num(cx(i))}" y="${num(ry(e.rtoMs) - 4)}" font-size="11" text-anchor="middle" fill="#1c2430">${esc(formatDuration(e.rtoMs))}</text>`);
    }
    const label = i === n - 1 ? `本次 this drill · ${formatDate(e.startedAt)}` : formatDate(e.startedAt);
    out.push(`<text x="${num(cx(i))}" y="${rtoTop + rtoH + 16}" font-size="11" text-anchor="middle" fill="#37474f"${i === n - 1 ? ' font-weight="700"' : ''}>${esc(label)}</text>`);
    const sub = [e.grade, e.lostInvoices !== undefined ? `丢失 lost ${e.lostInvoices}` : ''].filter(Boolean).join(' · ');
    out.push(`<text x="${num(cx(i))}" y="${rtoTop + rtoH + 31}" font-size="10.5" text-anchor="middle" fill="#6b7788">${esc(sub)}</text>`);
  });
  if (target !== undefined) {
    out.push(`<line x1="${L}" y1="${num(ry(target))}" x2="${W - R}" y2="${num(ry(target))}" stroke="#1c2430" stroke-width="1.5" stroke-dasharray="6 3"/>`);
    out.push(`<text x="${L - 6}" y="${num(ry(target) + 4)}" font-size="10.5" text-anchor="end" fill="#1c2430">目标 ${esc(formatDuration(target))}</text>`);
  }
  return `<section><h2>趋势 Trend（同一预案的历次演练 drills of this plan）</h2><svg id="trend" viewBox="0 0 ${W} ${H}" role="img" aria-label="趋势 Trend">${out.join('')}</svg></section>`;
}

// ---------------------------------------------------------------------------------------------

/** The whole report page. */
export function renderReportHtml(report: DrillReport): string {
  const f = report.drill;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`演练报告 Drill report — ${f.planTitle}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main class="report" data-drill="${esc(f.drillId)}" data-plan="${esc(f.planId)}">
<section class="page first">
${header(report)}
<div class="summary">${scoreCard(report)}${objectives(report)}</div>
${keyFacts(report)}
<h2>时间线 Timeline</h2>
${timeline(report)}
</section>
<section class="page detail">
${scoreBreakdown(report)}
${teams(report)}
${findings(report)}
${trend(report)}
</section>
<p class="foot">演练 DRILL · ${esc(f.drillId)} · 生成 Generated ${esc(formatTime(report.generatedAt))}</p>
</main>
</body>
</html>
`;
}

// The small page an acknowledgement link opens: bilingual (中文 first), readable on a phone, no
// script and nothing from outside. Only the POST button acknowledges.
import { createHash } from 'node:crypto';

const STYLE = `body{font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;padding:16px;background:#f4f6f8;color:#1d2329}
main{max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:20px;margin:0 0 12px}dl{margin:0 0 16px}dt{color:#5b6670;font-size:13px;margin-top:8px}dd{margin:0;font-weight:600;word-break:break-word}
button{width:100%;padding:14px;font-size:18px;border:0;border-radius:6px;background:#2f6fb3;color:#fff}
.ok{color:#1e7a3c}.no{color:#b3261e}.note{color:#5b6670;font-size:14px}`;

/**
 * No script, no image, no frame, no request anywhere; the one inline style is allowed by its hash;
 * the form may only post back here.
 */
export const ACK_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface AckPage {
  status: number;
  html: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** An instant as people in China read it (the incident's own zone). */
export function beijingTime(at: Date | string): string {
  const d = new Date(at);
  const local = new Date(d.getTime() + 8 * 3600_000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 19)} 北京时间 (${d.toISOString().slice(0, 19)}Z)`;
}

function page(status: number, title: string, body: string): AckPage {
  const html = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
  return { status, html };
}

export interface TaskFacts {
  title: string;
  team: string;
  incidentId: string;
  incidentTitle?: string;
  person: string;
  deadlineAt?: Date | null;
}

function facts(t: TaskFacts): string {
  const rows: Array<[string, string]> = [
    ['任务 Task', t.title],
    ['团队 Team', t.team],
    ['事件 Incident', t.incidentTitle ? `${t.incidentTitle} (${t.incidentId})` : t.incidentId],
    ['接收人 For', t.person],
  ];
  if (t.deadlineAt) rows.push(['期限 Due', beijingTime(t.deadlineAt)]);
  return `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

/** The task and one button; the form posts to the page's own address (the link). */
export function confirmPage(t: TaskFacts): AckPage {
  return page(
    200,
    '确认任务 Acknowledge task',
    `<h1>确认任务 Acknowledge task</h1>${facts(t)}
<form method="post"><button id="acknowledge" type="submit">确认 Acknowledge</button></form>
<p class="note">确认表示您已收到并正在处理，升级提醒随之停止。Acknowledging says you have it in hand; the escalation clock stops.</p>`,
  );
}

export function acknowledgedPage(t: TaskFacts, at: Date): AckPage {
  return page(200, '已确认 Acknowledged', `<h1 id="result" class="ok">已确认 Acknowledged</h1>${facts(t)}<p>${esc(t.person)} · ${esc(beijingTime(at))}</p>`);
}

/** The link was used before (by page or SMS reply): nothing changes. */
export function usedPage(status: number, t: TaskFacts | undefined, use: { person: string; usedAt: Date; via: string }): AckPage {
  const [zh, en] = use.via === 'sms' ? ['短信回复', 'SMS reply'] : ['链接', 'this link'];
  return page(
    status,
    '已使用 Already used',
    `<h1 id="result" class="no">此链接已使用 This link was already used</h1>${t ? facts(t) : ''}
<p>${esc(use.person)} 已于 ${esc(beijingTime(use.usedAt))} 通过${zh}确认，本次未做任何更改。Acknowledged by ${esc(use.person)} through ${en}; nothing was changed now.</p>`,
  );
}

/** The task was acknowledged or finished another way (the console, another person's link). */
export function alreadyPage(t: TaskFacts, state: string, by: string | null, at: Date | null): AckPage {
  const what: Record<string, string> = { acknowledged: '已确认 already acknowledged', done: '已完成 already done', skipped: '已跳过 skipped' };
  const when = at ? ` · ${beijingTime(at)}` : '';
  return page(
    200,
    '无需确认 Nothing to acknowledge',
    `<h1 id="result">此任务${esc(what[state] ?? state)}</h1>${facts(t)}<p>${esc(by ? `${by}${when}` : when.slice(3))}</p><p class="note">无需再确认。Nothing to acknowledge.</p>`,
  );
}

/** A bad link learns nothing but that it was refused (expired links, being authentic, also say so). */
export function refusedPage(reason: 'forged' | 'expired' | 'malformed'): AckPage {
  if (reason === 'expired') {
    return page(410, '链接已过期 Link expired', `<h1 id="result" class="no">链接已过期 This link has expired</h1><p>请在控制台确认任务。Acknowledge the task in the console.</p>`);
  }
  return page(403, '已拒绝 Refused', `<h1 id="result" class="no">已拒绝 Refused</h1><p>此链接无效。This link is not valid.</p>`);
}

export function messagePage(status: number, zh: string, en: string): AckPage {
  return page(status, `${zh} ${en}`, `<h1 id="result" class="no">${esc(zh)} ${esc(en)}</h1>`);
}

// 合规与审计 Compliance and audit (auditor, manager, admin): the compliance checks with their
// evidence, the audit trail with filters, the chain's verification, routine tasks, and how to
// export. The signed export stays in the CLI with the operator's key: nothing signs in the browser.
import { FormEvent, useState } from 'react';
import { api, refusalOf } from '../api';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, useSession } from '../session';
import './compliance.css';

type Status = 'pass' | 'fail' | 'unknown';

interface Check {
  id: string;
  subject?: string;
  area: string;
  title: string;
  status: Status;
  evidence: string[];
  clause: string;
  owner: string;
}

interface ComplianceReport {
  at: string;
  summary: Record<Status, number>;
  dr: { level: number | null; drills: Array<{ id: string; planId: string; at: string; level: number; why: string }> };
  checks: Check[];
}

interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  outcome: string;
  detail: Record<string, unknown> | null;
  stream: string;
  seq: string | number;
}

interface ChainCheck {
  ok: boolean;
  entries: number;
  streams: number;
  brokenAt?: { kind: 'altered' | 'deleted' | 'inserted' | 'reordered'; stream: string; seq: number; id: string; reason: string };
  digests?: { count: number; latestAt?: string; signaturesChecked: boolean; note?: string };
}

interface RoutineTask {
  id: string;
  kind: string;
  team: string;
  title: string;
  state: 'open' | 'closed';
  openedAt: string;
  dueAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  outcome: string | null;
}

/** The check's own key (`drills.yearly:einvoice-db-crash`): one row per check and subject. */
const checkKey = (c: Check) => (c.subject ? `${c.id}:${c.subject}` : c.id);

/** What needs doing first: failures, then what could not be decided, then passes (the API's order within each). */
const ORDER: Record<Status, number> = { fail: 0, unknown: 1, pass: 2 };

const STATUS: Record<Status, [string, string]> = { pass: ['通过', 'pass'], fail: ['不通过', 'fail'], unknown: ['未知', 'unknown'] };
const BREAK: Record<NonNullable<ChainCheck['brokenAt']>['kind'], [string, string]> = {
  altered: ['被篡改', 'altered'],
  deleted: ['被删除', 'deleted'],
  inserted: ['被插入', 'inserted'],
  reordered: ['顺序被打乱', 'reordered'],
};

export function Compliance() {
  const { me } = useSession();
  const readsAudit = hasRole(me, 'auditor', 'admin');
  return (
    <div className="screen-compliance">
      <h1>
        <Bi zh="合规与审计" en="Compliance and audit" />
      </h1>
      <Checks />
      {readsAudit && <Verify />}
      {readsAudit && <Trail />}
      <RoutineTasks />
      <Export />
    </div>
  );
}

function Checks() {
  const report = useLive<ComplianceReport>('/compliance', 0);
  const r = report.data;
  return (
    <section aria-labelledby="checks">
      <h2 id="checks">
        <Bi zh="合规检查" en="Compliance checks" />
      </h2>
      {report.error && <p role="alert" className="error">{report.error.message}</p>}
      {!r && !report.error && <p><Bi zh="检查中…" en="Checking…" /></p>}
      {r && (
        <>
          <p className="summary">
            <When at={r.at} /> · <span className="status-pass">{bi('通过', 'pass')} {r.summary.pass}</span> ·{' '}
            <span className="status-fail">{bi('不通过', 'fail')} {r.summary.fail}</span> ·{' '}
            <span className="status-unknown">{bi('未知', 'unknown')} {r.summary.unknown}</span> ·{' '}
            <Bi zh="灾难恢复等级" en="DR level" /> <strong data-dr-level>{r.dr.level === null ? '-' : `L${r.dr.level}`}</strong> ·{' '}
            <a href="/compliance/report" target="_blank" rel="noopener">
              <Bi zh="完整报告（HTML）" en="Full report (HTML)" />
            </a>
          </p>
          <table className="checks">
            <thead>
              <tr>
                <th><Bi zh="状态" en="Status" /></th>
                <th><Bi zh="检查" en="Check" /></th>
                <th><Bi zh="证据" en="Evidence" /></th>
                <th><Bi zh="依据条款" en="Clause" /></th>
                <th><Bi zh="负责团队" en="Owner" /></th>
              </tr>
            </thead>
            <tbody>
              {[...r.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]).map((c) => (
                <tr key={checkKey(c)} data-check={checkKey(c)} data-status={c.status}>
                  <td className={`status-${c.status}`}>
                    <Bi zh={STATUS[c.status][0]} en={STATUS[c.status][1]} />
                  </td>
                  <td>
                    {c.title}
                    <div className="muted">
                      {c.id}
                      {c.subject ? ` · ${c.subject}` : ''}
                    </div>
                  </td>
                  <td data-label={bi('证据', 'Evidence')}>
                    <ul className="evidence">
                      {c.evidence.map((e, i) => (
                        <li key={i}>{e}</li>
                      ))}
                    </ul>
                  </td>
                  <td data-label={bi('依据条款', 'Clause')}>{c.clause}</td>
                  <td data-label={bi('负责团队', 'Owner')}>{c.owner}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** Recomputes every stream and checks the signed digests (GET /audit/verify). */
function Verify() {
  const [check, setCheck] = useState<ChainCheck>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setCheck(await api.get<ChainCheck>('/audit/verify'));
    } catch (err) {
      setCheck(undefined);
      setError(refusalOf(err));
    } finally {
      setBusy(false);
    }
  };
  const b = check?.brokenAt;
  return (
    <section aria-labelledby="verify">
      <h2 id="verify">
        <Bi zh="审计链校验" en="Audit chain verification" />
      </h2>
      <button type="button" onClick={() => void run()} disabled={busy}>
        {busy ? bi('校验中…', 'Verifying…') : bi('校验审计链', 'Verify the audit trail')}
      </button>
      <div aria-live="polite" className="verify-result">
        {error && <p role="alert" className="error">{error}</p>}
        {check?.ok && (
          <p className="ok" data-verified="ok">
            ✓ <Bi zh="审计链完整" en="The audit trail is intact" />: {check.entries} {bi('条记录', 'entries')}, {check.streams} {bi('条链', 'streams')}
            {check.digests && (
              <>
                , {check.digests.count} {bi('份签名摘要', 'signed digests')}
                {check.digests.latestAt && (
                  <>
                    {' '}
                    (<Bi zh="最新" en="latest" /> <When at={check.digests.latestAt} />)
                  </>
                )}
                {!check.digests.signaturesChecked && ` · ${bi('签名未核验', 'signatures not checked')}`}
                {check.digests.note && ` · ${check.digests.note}`}
              </>
            )}
          </p>
        )}
        {check && !check.ok && b && (
          <div role="alert" className="broken" data-verified="broken">
            <p className="error">
              ✗ <Bi zh="审计链被破坏" en="The audit trail is broken" />: <Bi zh={`记录${BREAK[b.kind][0]}`} en={`entry ${BREAK[b.kind][1]}`} />
            </p>
            <dl>
              <dt><Bi zh="记录" en="Entry" /></dt>
              <dd data-broken-id>{b.id}</dd>
              <dt><Bi zh="链" en="Stream" /></dt>
              <dd>{b.stream}</dd>
              <dt><Bi zh="序号" en="Seq" /></dt>
              <dd>{b.seq}</dd>
              <dt><Bi zh="原因" en="Reason" /></dt>
              <dd>{b.reason}</dd>
            </dl>
            <p className="muted">
              {check.entries} {bi('条记录', 'entries')}, {check.streams} {bi('条链', 'streams')}
            </p>
          </div>
        )}
      </div>
    </section>
  );
}

/** The audit trail, newest first, with the API's own filters. */
function Trail() {
  const [form, setForm] = useState({ stream: '', subjectId: '', outcome: '', limit: '50' });
  const [query, setQuery] = useState(form);
  const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString();
  const trail = useLive<AuditEntry[]>(`/audit?${qs}`, 0);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery(form);
    trail.reload();
  };
  return (
    <section aria-labelledby="trail">
      <h2 id="trail">
        <Bi zh="审计记录" en="Audit trail" />
      </h2>
      <form className="filters" onSubmit={submit}>
        <label>
          <Bi zh="链" en="Stream" />
          <input value={form.stream} onChange={set('stream')} placeholder="inc-…, token, plan, backup" />
        </label>
        <label>
          <Bi zh="对象" en="Subject" />
          <input value={form.subjectId} onChange={set('subjectId')} />
        </label>
        <label>
          <Bi zh="结果" en="Outcome" />
          <select value={form.outcome} onChange={set('outcome')}>
            <option value="">{bi('全部', 'all')}</option>
            <option value="ok">ok</option>
            <option value="denied">denied</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <label>
          <Bi zh="条数" en="Limit" />
          <input type="number" min={1} max={5000} value={form.limit} onChange={set('limit')} />
        </label>
        <button type="submit">{bi('筛选', 'Filter')}</button>
      </form>
      {trail.error && <p role="alert" className="error">{trail.error.message}</p>}
      <table className="trail">
        <thead>
          <tr>
            <th><Bi zh="时间" en="At" /></th>
            <th><Bi zh="操作人" en="Actor" /></th>
            <th><Bi zh="动作" en="Action" /></th>
            <th><Bi zh="对象" en="Subject" /></th>
            <th><Bi zh="结果" en="Outcome" /></th>
            <th><Bi zh="链与序号" en="Stream #seq" /></th>
          </tr>
        </thead>
        <tbody>
          {(trail.data ?? []).map((e) => (
            <tr key={e.id} data-entry={e.id}>
              <td><When at={e.at} /></td>
              <td data-label={bi('操作人', 'Actor')}>{e.actor}</td>
              <td data-label={bi('动作', 'Action')}>
                {e.action}
                {e.detail && Object.keys(e.detail).length > 0 && <div className="muted detail">{JSON.stringify(e.detail)}</div>}
              </td>
              <td data-label={bi('对象', 'Subject')}>
                {e.subjectType} {e.subjectId}
              </td>
              <td data-label={bi('结果', 'Outcome')} className={e.outcome === 'ok' ? undefined : 'warn'}>{e.outcome}</td>
              <td data-label={bi('链与序号', 'Stream #seq')}>
                {e.stream} #{e.seq}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {trail.data?.length === 0 && <p><Bi zh="没有符合条件的记录" en="No entry matches" /></p>}
    </section>
  );
}

function RoutineTasks() {
  const tasks = useLive<RoutineTask[]>('/routine-tasks', 0);
  return (
    <section aria-labelledby="routine">
      <h2 id="routine">
        <Bi zh="例行任务" en="Routine tasks" />
      </h2>
      {tasks.error && <p role="alert" className="error">{tasks.error.message}</p>}
      {tasks.data?.length === 0 && <p><Bi zh="没有例行任务" en="No routine task" /></p>}
      {!!tasks.data?.length && (
        <table>
          <thead>
            <tr>
              <th><Bi zh="任务" en="Task" /></th>
              <th><Bi zh="团队" en="Team" /></th>
              <th><Bi zh="状态" en="State" /></th>
              <th><Bi zh="开始" en="Opened" /></th>
              <th><Bi zh="期限" en="Due" /></th>
              <th><Bi zh="结果" en="Outcome" /></th>
            </tr>
          </thead>
          <tbody>
            {tasks.data.map((t) => (
              <tr key={t.id} data-routine-task={t.id}>
                <td>
                  {t.title}
                  <div className="muted">
                    {t.id} · {t.kind}
                  </div>
                </td>
                <td data-label={bi('团队', 'Team')}>{t.team}</td>
                <td data-label={bi('状态', 'State')}>{t.state === 'open' ? bi('进行中', 'open') : bi('已关闭', 'closed')}</td>
                <td data-label={bi('开始', 'Opened')}><When at={t.openedAt} /></td>
                <td data-label={bi('期限', 'Due')} className={t.state === 'open' && t.dueAt && new Date(t.dueAt).getTime() < Date.now() ? 'warn' : undefined}>
                  <When at={t.dueAt} />
                </td>
                <td data-label={bi('结果', 'Outcome')}>
                  {t.outcome ?? '-'}
                  {t.closedBy && <div className="muted">{t.closedBy}</div>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The signed export is the operator's: it needs the audit signing key, which no browser holds. */
function Export() {
  return (
    <section aria-labelledby="export">
      <h2 id="export">
        <Bi zh="导出" en="Export" />
      </h2>
      <p>
        <Bi
          zh="签名的审计导出由运维人员在服务器上用审计签名密钥生成（环境变量 YINGJI_AUDIT_SIGNING_KEY，或本机的 .data/keys/audit-signing-key.pem）；浏览器里不做签名。"
          en="The signed audit export is made by the operator on the server with the audit signing key (YINGJI_AUDIT_SIGNING_KEY, or the local .data/keys/audit-signing-key.pem); nothing is signed in the browser."
        />
      </p>
      <pre className="cli" tabIndex={0} aria-label={bi('导出命令', 'Export commands')}>
        {`node bin/yingji.js audit export --from 2026-11-01 --to 2026-12-01 --out audit-2026-11
node bin/yingji.js audit verify-export audit-2026-11 --public-key .data/keys/audit-signing-key.pub.pem`}
      </pre>
    </section>
  );
}

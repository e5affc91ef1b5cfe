// 告警 Alerts (commander, manager, auditor, admin): alerts grouped as the intake groups them, firing
// or resolved, the plan whose trigger took them (or why none did), the incident they started or
// joined, and the triage proposals waiting for a commander to confirm or dismiss.
import { FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useAction } from '../action';
import { api } from '../api';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, useSession } from '../session';
import './alerts.css';

/** One alert as GET /alerts answers it. */
interface Alert {
  id: string;
  source: string;
  groupKey: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  summary: string | null;
  labels: Record<string, string>;
  state: 'pending' | 'matched' | 'unmatched';
  reason: string | null;
  planId: string | null;
  incidentId: string | null;
  proposalId: string | null;
  seen: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

/** A triage proposal (GET /triage). */
interface Proposal {
  id: string;
  planId: string;
  planVersion: number;
  facts: Record<string, unknown>;
  level: string | null;
  matchReason: string;
  alertGroup: string;
  summary: string;
  alerts: number;
  state: 'proposed' | 'confirmed' | 'dismissed';
  decidedBy: string | null;
  decisionReason: string | null;
  incidentId: string | null;
  proposedAt: string;
  decidedAt: string | null;
}

interface Group {
  key: string;
  source: string;
  groupKey: string;
  alerts: Alert[];
}

const SHOW = {
  all: { zh: '全部', en: 'All' },
  firing: { zh: '告警中', en: 'Firing' },
  unmatched: { zh: '未匹配预案', en: 'Unmatched' },
} as const;
type Show = keyof typeof SHOW;
const QUERY: Record<Show, string> = { all: '/alerts?limit=300', firing: '/alerts?status=firing&limit=300', unmatched: '/alerts?state=unmatched&limit=300' };

const STATUS: Record<string, { zh: string; en: string }> = { firing: { zh: '告警中', en: 'firing' }, resolved: { zh: '已恢复', en: 'resolved' } };
const MATCH: Record<string, { zh: string; en: string }> = {
  matched: { zh: '已匹配', en: 'matched' },
  unmatched: { zh: '未匹配', en: 'unmatched' },
  pending: { zh: '处理中', en: 'pending' },
};

/** Alerts by their group (source and group key), newest group first, as the list is newest first. */
function grouped(alerts: Alert[]): Group[] {
  const groups = new Map<string, Group>();
  for (const a of alerts) {
    const key = `${a.source}\u0000${a.groupKey}`;
    if (!groups.has(key)) groups.set(key, { key, source: a.source, groupKey: a.groupKey, alerts: [] });
    groups.get(key)!.alerts.push(a);
  }
  return [...groups.values()];
}

const nameOf = (a: Alert) => a.labels.alertname ?? a.summary ?? a.fingerprint;

export function Alerts() {
  const { me } = useSession();
  const [show, setShow] = useState<Show>('all');
  const alerts = useLive<Alert[]>(QUERY[show], 3000);
  const triage = useLive<Proposal[]>('/triage', 3000);
  const waiting = (triage.data ?? []).filter((p) => p.state === 'proposed');
  const decided = (triage.data ?? []).filter((p) => p.state !== 'proposed').slice(0, 10);
  return (
    <div className="alerts-screen">
      <h1>
        <Bi zh="告警" en="Alerts" />
      </h1>

      <section aria-labelledby="triage-waiting">
        <h2 id="triage-waiting">
          <Bi zh="待分诊" en="Triage proposals waiting" /> ({waiting.length})
        </h2>
        {triage.error && (
          <p role="alert" className="error">
            {triage.error.message}
          </p>
        )}
        {triage.data && waiting.length === 0 && (
          <p>
            <Bi zh="没有待确认的提议" en="No proposal waiting" />
          </p>
        )}
        <ul className="cards">
          {waiting.map((p) => (
            <li key={p.id}>
              <ProposalCard p={p} mayDecide={hasRole(me, 'commander')} onDecided={triage.reload} />
            </li>
          ))}
        </ul>
        {decided.length > 0 && (
          <>
            <h3>
              <Bi zh="最近处理的提议" en="Recently decided proposals" />
            </h3>
            <ul className="decided">
              {decided.map((p) => (
                <li key={p.id} data-proposal={p.id}>
                  {p.summary} · {p.planId} · {p.state === 'confirmed' ? bi('已确认', 'confirmed') : bi('已驳回', 'dismissed')} · {p.decidedBy}
                  {p.decisionReason && `: ${p.decisionReason}`}
                  {p.incidentId && (
                    <>
                      {' → '}
                      <Link to={`/incidents/${p.incidentId}`}>{p.incidentId}</Link>
                    </>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section aria-labelledby="alert-groups">
        <h2 id="alert-groups">
          <Bi zh="告警分组" en="Alert groups" />
        </h2>
        <div className="show" role="group" aria-label={bi('显示', 'Show')}>
          {(Object.keys(SHOW) as Show[]).map((s) => (
            <button key={s} type="button" className={s === show ? undefined : 'secondary'} aria-pressed={s === show} onClick={() => setShow(s)}>
              {bi(SHOW[s].zh, SHOW[s].en)}
            </button>
          ))}
        </div>
        {alerts.error && (
          <p role="alert" className="error">
            {alerts.error.message}
          </p>
        )}
        {alerts.data?.length === 0 && (
          <p>
            <Bi zh="没有告警" en="No alert" />
          </p>
        )}
        <ul className="cards">
          {grouped(alerts.data ?? []).map((g) => (
            <li key={g.key}>
              <GroupCard g={g} />
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}

function GroupCard({ g }: { g: Group }) {
  const firing = g.alerts.filter((a) => a.status === 'firing').length;
  const head = g.alerts[0];
  const headingId = `group-${head.id}`;
  return (
    <article className={`group${firing ? ' firing' : ''}`} aria-labelledby={headingId} data-group={g.groupKey}>
      <h3 id={headingId}>
        {nameOf(head)} <span className="en">({g.source})</span>
      </h3>
      <dl>
        <dt>
          <Bi zh="分组" en="Group" />
        </dt>
        <dd>
          <code>{g.groupKey}</code>
        </dd>
        <dt>
          <Bi zh="状态" en="Status" />
        </dt>
        <dd>
          {firing ? (
            <strong className="firing-text">{bi(`${firing} 条告警中`, `${firing} firing`)}</strong>
          ) : (
            <span className="ok">{bi('全部已恢复', 'all resolved')}</span>
          )}{' '}
          / {g.alerts.length}
        </dd>
        <dt>
          <Bi zh="预案" en="Plan" />
        </dt>
        <dd>{head.planId ?? (head.state === 'unmatched' ? bi('无预案匹配', 'no plan matched') : '-')}</dd>
        <dt>
          <Bi zh="事件" en="Incident" />
        </dt>
        <dd>
          {head.incidentId ? (
            <Link to={`/incidents/${head.incidentId}`}>{head.incidentId}</Link>
          ) : head.proposalId ? (
            <>
              <Bi zh="分诊提议" en="triage proposal" /> {head.proposalId}
            </>
          ) : (
            '-'
          )}
        </dd>
      </dl>
      <ul className="members">
        {g.alerts.map((a) => (
          <li key={a.id} data-alert={a.id}>
            <span className={a.status === 'firing' ? 'firing-text' : 'ok'}>{bi(STATUS[a.status]?.zh ?? a.status, STATUS[a.status]?.en ?? '')}</span> ·{' '}
            <Bi zh={MATCH[a.state]?.zh ?? a.state} en={MATCH[a.state]?.en ?? ''} /> · {a.summary ?? nameOf(a)}
            {a.reason && <div className="reason">{a.reason}</div>}
            <div className="seen">
              <Bi zh="最近" en="last seen" /> <When at={a.lastSeenAt} /> ×{a.seen}
            </div>
          </li>
        ))}
      </ul>
    </article>
  );
}

function ProposalCard({ p, mayDecide, onDecided }: { p: Proposal; mayDecide: boolean; onDecided: () => void }) {
  const [reason, setReason] = useState('');
  const { run, error, busy } = useAction(onDecided);
  const dismiss = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.post(`/triage/${p.id}/dismiss`, { reason }));
  };
  const headingId = `proposal-${p.id}`;
  return (
    <article className="proposal" aria-labelledby={headingId} data-proposal={p.id}>
      <h3 id={headingId}>{p.summary}</h3>
      <dl>
        <dt>
          <Bi zh="预案" en="Plan" />
        </dt>
        <dd>
          {p.planId} v{p.planVersion}
          {p.level && ` · ${bi('级别', 'level')} ${p.level}`}
        </dd>
        <dt>
          <Bi zh="匹配规则" en="Rule matched" />
        </dt>
        <dd>{p.matchReason}</dd>
        <dt>
          <Bi zh="告警" en="Alerts" />
        </dt>
        <dd>
          {p.alerts} · <code>{p.alertGroup}</code>
        </dd>
        <dt>
          <Bi zh="提出" en="Proposed" />
        </dt>
        <dd>
          <When at={p.proposedAt} />
        </dd>
      </dl>
      {mayDecide && (
        <div className="decide">
          <button
            type="button"
            disabled={busy}
            onClick={() => void run(() => api.post(`/triage/${p.id}/confirm`))}
          >
            {bi('确认并启动', 'Confirm and launch')}
          </button>
          <form onSubmit={dismiss}>
            <label htmlFor={`${headingId}-reason`}>
              <Bi zh="驳回理由" en="Reason to dismiss" />
            </label>
            <input id={`${headingId}-reason`} value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={2000} />
            <button type="submit" className="secondary" disabled={busy}>
              {bi('驳回', 'Dismiss')}
            </button>
          </form>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </article>
  );
}

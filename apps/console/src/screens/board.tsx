// 态势 Live board (commander, manager): open incidents and drills with level, stage, who launched,
// age, overdue tasks and escalations, and the newest alerts; follows changes without a reload.
import { FormEvent, useState } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { api, refusalOf } from '../api';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, useSession } from '../session';
import type { AlertRow, IncidentRow, PlanSummary, TaskRow } from '../types';
import { factFields, LaunchPlan } from './launch-facts';
import './board.css';

const age = (from: string) => {
  const m = Math.max(0, Math.round((Date.now() - new Date(from).getTime()) / 60_000));
  return m < 60 ? `${m}m` : m < 48 * 60 ? `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}` : `${Math.floor(m / 1440)}d`;
};

/** The console's first page: the board for those who watch incidents, My tasks for response teams. */
export function Board() {
  const { me } = useSession();
  return hasRole(me, 'commander', 'manager', 'admin', 'auditor') ? <LiveBoard /> : <Navigate to="/tasks" replace />;
}

function LiveBoard() {
  const { me } = useSession();
  const incidents = useLive<IncidentRow[]>('/incidents?state=open');
  const tasks = useLive<TaskRow[]>('/tasks?state=open');
  const alerts = useLive<AlertRow[]>(hasRole(me, 'commander', 'manager', 'auditor', 'admin') ? '/alerts?limit=10' : null, 5000);
  const overdue = (id: string) => (tasks.data ?? []).filter((t) => t.incidentId === id && t.deadlineAt && new Date(t.deadlineAt).getTime() < Date.now()).length;
  const escalations = (id: string) => (tasks.data ?? []).filter((t) => t.incidentId === id).reduce((n, t) => n + t.escalations, 0);
  return (
    <>
      <h1>
        <Bi zh="态势" en="Live board" />
      </h1>
      {hasRole(me, 'commander') && <Launch />}
      <section aria-labelledby="open-incidents">
        <h2 id="open-incidents">
          <Bi zh="进行中的事件与演练" en="Open incidents and drills" />
        </h2>
        {incidents.error && <p role="alert" className="error">{incidents.error.message}</p>}
        <table>
          <thead>
            <tr>
              <th><Bi zh="事件" en="Incident" /></th>
              <th><Bi zh="预案" en="Plan" /></th>
              <th><Bi zh="级别" en="Level" /></th>
              <th><Bi zh="阶段" en="Stage" /></th>
              <th><Bi zh="发起人" en="Launched by" /></th>
              <th><Bi zh="持续" en="Age" /></th>
              <th><Bi zh="超时任务" en="Overdue" /></th>
              <th><Bi zh="升级" en="Escalations" /></th>
            </tr>
          </thead>
          <tbody>
            {(incidents.data ?? []).map((i) => (
              <tr key={i.id} data-incident={i.id}>
                <td>
                  <Link to={`/incidents/${i.id}`}>{i.id}</Link>
                  {i.mode !== 'live' && <span className="badge">{bi('演练', 'drill')}</span>}
                </td>
                <td data-label={bi('预案', 'Plan')}>{i.title}</td>
                <td data-label={bi('级别', 'Level')}>{i.level ?? '-'}</td>
                <td data-label={bi('阶段', 'Stage')}>{i.stage}</td>
                <td data-label={bi('发起人', 'Launched by')}>{i.launchedBy}</td>
                <td data-label={bi('持续', 'Age')} title={new Date(i.openedAt).toISOString()}>{age(i.openedAt)}</td>
                <td data-label={bi('超时任务', 'Overdue')} className={overdue(i.id) ? 'warn' : undefined}>{overdue(i.id)}</td>
                <td data-label={bi('升级', 'Escalations')}>{escalations(i.id)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {incidents.data?.length === 0 && <p><Bi zh="没有进行中的事件" en="No open incident" /></p>}
      </section>
      {alerts.data && (
        <section aria-labelledby="newest-alerts">
          <h2 id="newest-alerts">
            <Bi zh="最新告警" en="Newest alerts" />
          </h2>
          <ul className="alerts">
            {alerts.data.map((a) => (
              <li key={a.id}>
                <When at={a.lastSeenAt} /> <strong>{a.labels.alertname ?? a.summary}</strong> {a.status} · {a.state}
                {a.incidentId && (
                  <>
                    {' → '}
                    <Link to={`/incidents/${a.incidentId}`}>{a.incidentId}</Link>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/** A commander launches a published plan with the facts its level rules read; the incident page opens. */
function Launch() {
  const plans = useLive<PlanSummary[]>('/plans', 0);
  const [planId, setPlanId] = useState('');
  const plan = useLive<{ plan: LaunchPlan }>(planId ? `/plans/${encodeURIComponent(planId)}` : null, 0);
  const fields = planId && plan.data ? factFields(plan.data.plan) : [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const facts: Record<string, unknown> = {};
      for (const f of fields) {
        const v = (values[f.name] ?? '').trim();
        if (v !== '') facts[f.name] = f.kind === 'number' ? Number(v) : f.kind === 'yes-no' ? v === 'true' : v;
      }
      // The API answers with the incident, or with its id while the workflow is still recording it.
      const r = await api.post<{ incident?: { id: string }; id?: string }>('/incidents', { planId, facts });
      navigate(`/incidents/${r.incident?.id ?? r.id}`);
    } catch (err) {
      setError(refusalOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="launch" onSubmit={submit} aria-labelledby="launch-title">
      <h2 id="launch-title">
        <Bi zh="启动预案" en="Launch a plan" />
      </h2>
      <div className="launch-row">
        <label htmlFor="launch-plan">
          <Bi zh="预案" en="Plan" />
        </label>
        <select
          id="launch-plan"
          value={planId}
          onChange={(e) => {
            setPlanId(e.target.value);
            setValues({});
          }}
          required
        >
          <option value="">{bi('选择预案…', 'Choose a plan…')}</option>
          {(plans.data ?? []).map((p) => (
            <option key={p.planId} value={p.planId}>
              {p.title} (v{p.latestVersion})
            </option>
          ))}
        </select>
      </div>
      {fields.map((f) => (
        <div className="launch-row" key={f.name}>
          <label htmlFor={`fact-${f.name}`}>{f.name}</label>
          {f.kind === 'yes-no' ? (
            <select id={`fact-${f.name}`} value={values[f.name] ?? ''} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
              <option value="">{bi('未知', 'unknown')}</option>
              <option value="true">{bi('是', 'yes')}</option>
              <option value="false">{bi('否', 'no')}</option>
            </select>
          ) : (
            <input
              id={`fact-${f.name}`}
              type={f.kind === 'number' ? 'number' : 'text'}
              inputMode={f.kind === 'number' ? 'numeric' : undefined}
              value={values[f.name] ?? ''}
              onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}
            />
          )}
        </div>
      ))}
      <button type="submit" disabled={busy || !planId}>
        {bi('启动', 'Launch')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

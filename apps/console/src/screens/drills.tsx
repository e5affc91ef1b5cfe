// 演练 Drills (manager, commander, auditor, admin): drills per plan with their scores and the trend,
// one drill's score with every lost point and its report inline (the API's own self-contained
// HTML report, same origin), and the drill schedules.
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import type { PlanSummary } from '../types';
import { TrendChart } from './trend-chart';
import './drills.css';

/** A row of GET /drills. */
interface DrillRow {
  id: string;
  planId: string;
  planVersion: number;
  mode: string;
  unannounced: boolean;
  state: string;
  stage: string;
  startedAt: string;
  finishedAt: string | null;
  score: number | null;
  grade: string | null;
  /** bigint in the database: may come as a string. */
  rtoMs: number | string | null;
  lostInvoices: number | null;
}

/** GET /drills/:id (the parts the screen shows). */
interface DrillDetail {
  id: string;
  planId: string;
  planVersion: number;
  mode: string;
  unannounced: boolean;
  state: string;
  startedAt: string;
  finishedAt: string | null;
  score: {
    total: number;
    grade: string;
    parts: Array<{ part: string; weight: number; points: number; estimated: boolean }>;
    lost: Array<{ part: string; points: number; reason: string; stepId?: string }>;
  } | null;
  findings: Array<{ id: string; kind: string; stepId?: string; text: string }> | null;
  acceptedFindings: Array<{ findingId: string | null; stepId: string | null; text: string; owner: string; due: string }>;
}

interface ScheduleRow {
  scheduleId: string;
  memo?: { planId?: string; mode?: string; unannounced?: boolean; createdBy?: string };
  nextActionTimes: string[];
  recentActions: string[];
}

const PARTS: Record<string, { zh: string; en: string }> = {
  recovery: { zh: '恢复', en: 'Recovery' },
  timeliness: { zh: '及时性', en: 'Timeliness' },
  completeness: { zh: '完整性', en: 'Completeness' },
  communication: { zh: '通报', en: 'Communication' },
  expectations: { zh: '预期', en: 'Expectations' },
};

const minutes = (ms: number | string | null) => (ms === null || ms === undefined ? '-' : `${Math.round(Number(ms) / 6000) / 10} min`);
const scored = (rows: DrillRow[]) => rows.filter((d) => d.score !== null).map((d) => ({ drillId: d.id, startedAt: d.startedAt, score: Number(d.score), grade: d.grade }));

export function Drills() {
  const [planId, setPlanId] = useState('');
  const plans = useLive<PlanSummary[]>('/plans', 0);
  const drills = useLive<DrillRow[]>(`/drills${planId ? `?planId=${encodeURIComponent(planId)}` : ''}`, 5000);
  const rows = drills.data ?? [];
  const byPlan = new Map<string, DrillRow[]>();
  for (const d of rows) byPlan.set(d.planId, [...(byPlan.get(d.planId) ?? []), d]);
  return (
    <>
      <h1>
        <Bi zh="演练" en="Drills" />
      </h1>
      <p>
        <label htmlFor="drill-plan">
          <Bi zh="预案" en="Plan" />
        </label>{' '}
        <select id="drill-plan" value={planId} onChange={(e) => setPlanId(e.target.value)}>
          <option value="">{bi('全部预案', 'All plans')}</option>
          {(plans.data ?? []).map((p) => (
            <option key={p.planId} value={p.planId}>
              {p.title} ({p.planId})
            </option>
          ))}
        </select>
      </p>
      {drills.error && <p role="alert" className="error">{drills.error.message}</p>}

      <section aria-labelledby="drill-trends">
        <h2 id="drill-trends">
          <Bi zh="得分趋势" en="Score trend" />
        </h2>
        <div className="trends">
          {[...byPlan.entries()]
            .filter(([, ds]) => scored(ds).length > 0)
            .map(([p, ds]) => (
              <TrendChart key={p} points={scored(ds)} title={bi(`${p} 历次演练得分`, `${p} drill scores`)} />
            ))}
        </div>
        {drills.data && rows.every((d) => d.score === null) && <p><Bi zh="尚无已评分的演练" en="No scored drill yet" /></p>}
      </section>

      <section aria-labelledby="drill-list">
        <h2 id="drill-list">
          <Bi zh="演练记录" en="Drills" />
        </h2>
        <DrillTable rows={rows} />
        {drills.data?.length === 0 && <p><Bi zh="尚无演练" en="No drill yet" /></p>}
      </section>

      <Schedules />
    </>
  );
}

function DrillTable({ rows, current }: { rows: DrillRow[]; current?: string }) {
  return (
    <table className="drills">
      <thead>
        <tr>
          <th><Bi zh="演练" en="Drill" /></th>
          <th><Bi zh="预案" en="Plan" /></th>
          <th><Bi zh="方式" en="Mode" /></th>
          <th><Bi zh="开始" en="Started" /></th>
          <th><Bi zh="状态" en="State" /></th>
          <th><Bi zh="得分" en="Score" /></th>
          <th><Bi zh="恢复用时" en="RTO" /></th>
          <th><Bi zh="丢失发票" en="Lost invoices" /></th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-drill={d.id} aria-current={d.id === current ? 'true' : undefined}>
            <td data-label={bi('演练', 'Drill')}>
              <Link to={`/drills/${d.id}`}>{d.id}</Link>
              {d.unannounced && <span className="badge">{bi('突击', 'unannounced')}</span>}
            </td>
            <td data-label={bi('预案', 'Plan')}>
              {d.planId} v{d.planVersion}
            </td>
            <td data-label={bi('方式', 'Mode')}>{d.mode}</td>
            <td data-label={bi('开始', 'Started')}>
              <When at={d.startedAt} />
            </td>
            <td data-label={bi('状态', 'State')}>{d.state}</td>
            <td data-label={bi('得分', 'Score')} className="score">{d.score === null ? '-' : `${d.score} ${d.grade ?? ''}`}</td>
            <td data-label={bi('恢复用时', 'RTO')}>{minutes(d.rtoMs)}</td>
            <td data-label={bi('丢失发票', 'Lost invoices')}>{d.lostInvoices ?? '-'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Schedules() {
  const schedules = useLive<ScheduleRow[]>('/drill-schedules', 0);
  return (
    <section aria-labelledby="drill-schedules">
      <h2 id="drill-schedules">
        <Bi zh="演练计划" en="Drill schedules" />
      </h2>
      {schedules.error && <p role="alert" className="error">{schedules.error.message}</p>}
      {schedules.data?.length === 0 && <p><Bi zh="没有演练计划" en="No drill is scheduled" /></p>}
      {!!schedules.data?.length && (
        <table className="schedules">
          <thead>
            <tr>
              <th><Bi zh="计划" en="Schedule" /></th>
              <th><Bi zh="预案" en="Plan" /></th>
              <th><Bi zh="方式" en="Mode" /></th>
              <th><Bi zh="下次开始" en="Next starts" /></th>
              <th><Bi zh="创建人" en="Created by" /></th>
            </tr>
          </thead>
          <tbody>
            {schedules.data.map((s) => (
              <tr key={s.scheduleId}>
                <td data-label={bi('计划', 'Schedule')}>
                  {s.scheduleId}
                  {s.memo?.unannounced && <span className="badge">{bi('突击', 'unannounced')}</span>}
                </td>
                <td data-label={bi('预案', 'Plan')}>{s.memo?.planId ?? '-'}</td>
                <td data-label={bi('方式', 'Mode')}>{s.memo?.mode ?? '-'}</td>
                <td data-label={bi('下次开始', 'Next starts')}>
                  {s.nextActionTimes.map((t) => (
                    <div key={t}>
                      <When at={t} />
                    </div>
                  ))}
                </td>
                <td data-label={bi('创建人', 'Created by')}>{s.memo?.createdBy ?? '-'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function DrillPage() {
  const { id = '' } = useParams();
  const drill = useLive<DrillDetail>(`/drills/${encodeURIComponent(id)}`, 5000);
  const d = drill.data;
  const same = useLive<DrillRow[]>(d ? `/drills?planId=${encodeURIComponent(d.planId)}` : null, 0);
  return (
    <>
      <h1>
        <Bi zh="演练" en="Drill" /> {id}
      </h1>
      <p>
        <Link to="/drills">← <Bi zh="全部演练" en="All drills" /></Link>
      </p>
      {drill.error && <p role="alert" className="error">{drill.error.message}</p>}
      {d && (
        <>
          <p>
            {d.planId} v{d.planVersion} · {d.mode} · {d.state} · <Bi zh="开始" en="started" /> <When at={d.startedAt} />
            {d.finishedAt && (
              <>
                {' · '}
                <Bi zh="结束" en="finished" /> <When at={d.finishedAt} />
              </>
            )}
          </p>
          {d.score ? <Score score={d.score} /> : <p><Bi zh="尚未评分：预案步骤完成后评分" en="Not scored yet: a drill is scored when its plan's steps are done" /></p>}
          {same.data && scored(same.data).length > 0 && (
            <section aria-labelledby="plan-trend">
              <h2 id="plan-trend">
                <Bi zh="本预案得分趋势" en="This plan's score trend" />
              </h2>
              <TrendChart points={scored(same.data)} current={d.id} title={bi(`${d.planId} 历次演练得分`, `${d.planId} drill scores`)} />
            </section>
          )}
          {d.acceptedFindings.length > 0 && (
            <section aria-labelledby="accepted-items">
              <h2 id="accepted-items">
                <Bi zh="已采纳的改进项" en="Accepted improvement items" />
              </h2>
              <ul>
                {d.acceptedFindings.map((f, k) => (
                  <li key={k}>
                    {f.stepId && <code>{f.stepId}</code>} {f.text} · {f.owner} · {f.due}
                  </li>
                ))}
              </ul>
            </section>
          )}
          {d.score && (
            <section aria-labelledby="drill-report">
              <h2 id="drill-report">
                <Bi zh="演练报告" en="Drill report" />
              </h2>
              <p>
                <a href={`/drills/${encodeURIComponent(d.id)}/report?format=html`} target="_blank" rel="noopener">
                  <Bi zh="在新窗口打开报告" en="Open the report in a new window" />
                </a>{' '}
                ·{' '}
                <a href={`/drills/${encodeURIComponent(d.id)}/report?format=pdf`}>
                  <Bi zh="下载 PDF" en="Download PDF" />
                </a>
              </p>
              <iframe className="report" src={`/drills/${encodeURIComponent(d.id)}/report?format=html`} title={bi(`演练报告 ${d.id}`, `Drill report ${d.id}`)} />
            </section>
          )}
        </>
      )}
    </>
  );
}

function Score({ score }: { score: NonNullable<DrillDetail['score']> }) {
  return (
    <section aria-labelledby="drill-score">
      <h2 id="drill-score">
        <Bi zh="得分" en="Score" />
      </h2>
      <p className="total" data-score={score.total}>
        <strong>{score.total}</strong> / 100 · {score.grade}
      </p>
      <table className="parts">
        <thead>
          <tr>
            <th><Bi zh="部分" en="Part" /></th>
            <th><Bi zh="权重" en="Weight" /></th>
            <th><Bi zh="得分" en="Points" /></th>
          </tr>
        </thead>
        <tbody>
          {score.parts.map((p) => (
            <tr key={p.part}>
              <td data-label={bi('部分', 'Part')}>{PARTS[p.part] ? <Bi {...PARTS[p.part]} /> : p.part}</td>
              <td data-label={bi('权重', 'Weight')}>{p.weight}</td>
              <td data-label={bi('得分', 'Points')}>
                {p.points}
                {p.estimated && <span className="badge">{bi('估计', 'estimated')}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {score.lost.length > 0 && (
        <>
          <h3>
            <Bi zh="失分" en="Points lost" />
          </h3>
          <ul className="lost">
            {score.lost.map((l, k) => (
              <li key={k}>
                −{l.points} {PARTS[l.part]?.zh ?? l.part}: {l.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

// 事件 Incident (commander): facts and level (and why), stage and state, the steps as the plan's
// graph, tasks by team, the commander's actions, notifications with each copy's delivery, and the
// timeline; follows changes without a reload. A refusal shows the API's words and nothing else.
import { useMemo } from 'react';
import { useParams } from 'react-router';
import { Bi, When } from '../i18n';
import { useLive } from '../live';
import { IncidentActions } from './incident/actions';
import { StepGraph } from './incident/graph';
import { stateZh } from './incident/labels';
import { planSteps } from './incident/plan-steps';
import { TasksByTeam } from './incident/tasks';
import { Notifications, Timeline } from './incident/timeline';
import type { IncidentDetail } from './incident/types';
import './incident/incident.css';

export function Incident() {
  const { id = '' } = useParams();
  // One page per incident: going to another starts from nothing, never from the last one's data.
  return <IncidentPage key={id} id={id} />;
}

function IncidentPage({ id }: { id: string }) {
  const detail = useLive<IncidentDetail>(`/incidents/${encodeURIComponent(id)}`);
  const i = detail.data?.incident;
  const planText = useLive<string>(i ? `/plans/${encodeURIComponent(i.planId)}/versions/${i.planVersion}` : null, 0);
  const plan = useMemo(() => (typeof planText.data === 'string' ? planSteps(planText.data) : []), [planText.data]);

  const refused = detail.error && (!detail.data || detail.error.status === 403 || detail.error.status === 404);
  if (refused) {
    return (
      <>
        <h1>
          <Bi zh="无法查看此事件" en="This incident cannot be shown" />
        </h1>
        <p role="alert" className="error refusal">
          {detail.error!.message}
        </p>
      </>
    );
  }
  if (!detail.data || !i) return <p className="loading"><Bi zh="加载中…" en="Loading…" /></p>;
  const d = detail.data;
  return (
    <article className="incident">
      <h1>
        {i.title} <span className="incident-id">{i.id}</span>
        {i.mode !== 'live' && <span className="badge">演练 drill {i.mode}</span>}
      </h1>
      {detail.error && <p role="alert" className="error">{detail.error.message}</p>}
      <section aria-labelledby="summary">
        <h2 id="summary">
          <Bi zh="概况" en="Summary" />
        </h2>
        <dl className="summary">
          <dt><Bi zh="级别" en="Level" /></dt>
          <dd>
            <strong className="level">{i.level ?? '-'}</strong>
            {i.levelReason && <div className="muted">{i.levelReason}</div>}
          </dd>
          <dt><Bi zh="阶段" en="Stage" /></dt>
          <dd>{i.stage}</dd>
          <dt><Bi zh="状态" en="State" /></dt>
          <dd>{stateZh(i.state)} {i.state}</dd>
          <dt><Bi zh="预案" en="Plan" /></dt>
          <dd>{i.planId} v{i.planVersion}</dd>
          <dt><Bi zh="发起" en="Opened" /></dt>
          <dd>{i.launchedBy} · <When at={i.openedAt} /></dd>
          {i.closedAt && (
            <>
              <dt><Bi zh="关闭" en="Closed" /></dt>
              <dd><When at={i.closedAt} /></dd>
            </>
          )}
        </dl>
        <h3><Bi zh="事实" en="Facts" /></h3>
        {Object.keys(i.facts).length ? (
          <dl className="facts">
            {Object.entries(i.facts).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{Array.isArray(v) ? v.join(', ') : String(v)}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <p><Bi zh="无" en="None" /></p>
        )}
      </section>
      <IncidentActions incident={i} reload={detail.reload} />
      <section aria-labelledby="steps">
        <h2 id="steps">
          <Bi zh="步骤" en="Steps" />
        </h2>
        {planText.error && <p role="alert" className="error">{planText.error.message}</p>}
        <StepGraph plan={plan} steps={d.steps} tasks={d.tasks} />
      </section>
      <section aria-labelledby="tasks">
        <h2 id="tasks">
          <Bi zh="任务（按团队）" en="Tasks by team" />
        </h2>
        <TasksByTeam tasks={d.tasks} plan={plan} reload={detail.reload} />
      </section>
      <section aria-labelledby="notifications">
        <h2 id="notifications">
          <Bi zh="通知与投递" en="Notifications and delivery" />
        </h2>
        <Notifications notifications={d.notifications} />
      </section>
      <section aria-labelledby="timeline">
        <h2 id="timeline">
          <Bi zh="时间线" en="Timeline" />
        </h2>
        <Timeline entries={d.timeline} />
      </section>
      {d.findings.length > 0 && (
        <section aria-labelledby="findings">
          <h2 id="findings">
            <Bi zh="复盘改进项" en="Review findings" />
          </h2>
          <ul>
            {d.findings.map((f) => (
              <li key={f.id}>
                {f.text} · {f.owner} · {f.due}
              </li>
            ))}
          </ul>
        </section>
      )}
    </article>
  );
}

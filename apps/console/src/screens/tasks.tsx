// 我的任务 My tasks (responder): the open tasks of the caller's teams, due times (overdue marked),
// acknowledge, complete with the checklist ticked, a note, evidence links and the facts the step
// provides, or decide a decision. Phone first (390 px): message links land here. Follows changes
// without a reload; every refusal is the API's own words.
import { FormEvent, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, refusalOf } from '../api';
import { useAction } from '../action';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, Me, useSession } from '../session';
import type { TaskRow } from '../types';
import { StepInPlan, stepInPlan, factValue } from './task-facts';
import './tasks.css';

const STATE: Record<string, { zh: string; en: string }> = {
  open: { zh: '待处理', en: 'open' },
  acknowledged: { zh: '已确认', en: 'acknowledged' },
  failed: { zh: '自动步骤失败', en: 'failed' },
  done: { zh: '已完成', en: 'done' },
  skipped: { zh: '已跳过', en: 'skipped' },
};

const overdue = (t: TaskRow) => !!t.deadlineAt && new Date(t.deadlineAt).getTime() < Date.now();
const byDue = (a: TaskRow, b: TaskRow) =>
  (a.deadlineAt ? new Date(a.deadlineAt).getTime() : Infinity) - (b.deadlineAt ? new Date(b.deadlineAt).getTime() : Infinity) || a.createdAt.localeCompare(b.createdAt);

/** What the workflow lets this person do with the task (its team's, not the commander's unless a commander). */
function mayAct(me: Me, t: TaskRow): boolean {
  if (!hasRole(me, 'responder', 'commander')) return false;
  const commanderTask = t.ownerRole === 'commander' || t.kind === 'automated';
  if (me.teams.includes(t.team)) return t.ownerRole !== 'commander' || hasRole(me, 'commander');
  return commanderTask && hasRole(me, 'commander');
}

export function MyTasks() {
  const { me } = useSession();
  const open = useLive<TaskRow[]>('/tasks?mine=true&state=open');
  const acknowledged = useLive<TaskRow[]>('/tasks?mine=true&state=acknowledged');
  const failed = useLive<TaskRow[]>('/tasks?mine=true&state=failed');
  const done = useLive<TaskRow[]>('/tasks?mine=true&state=done');
  const reload = () => [open, acknowledged, failed, done].forEach((l) => l.reload());
  const loaded = open.data && acknowledged.data && failed.data;
  const tasks = [...(open.data ?? []), ...(acknowledged.data ?? []), ...(failed.data ?? [])].sort(byDue);
  const error = open.error ?? acknowledged.error ?? failed.error;
  return (
    <div className="my-tasks">
      <h1>
        <Bi zh="我的任务" en="My tasks" />
      </h1>
      <p className="teams">
        <Bi zh="小组" en="Teams" />: {me.teams.join(', ') || bi('（无）', '(none)')}
      </p>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
      {loaded && tasks.length === 0 && (
        <p className="empty">
          <Bi zh="没有待办任务" en="No open task" />
        </p>
      )}
      <ul className="task-list" aria-label={bi('待办任务', 'Open tasks')}>
        {tasks.map((t) => (
          <li key={t.id}>
            <TaskCard task={t} canAct={mayAct(me, t)} onChanged={reload} />
          </li>
        ))}
      </ul>
      {!!done.data?.length && (
        <section aria-labelledby="recently-done">
          <h2 id="recently-done">
            <Bi zh="最近完成" en="Recently done" />
          </h2>
          <ul className="done-list">
            {done.data.slice(0, 10).map((t) => (
              <li key={t.id} data-task={t.id}>
                <span className="ok">✓</span> {t.title} · {t.completedBy ?? '-'} · <When at={t.completedAt} />
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function TaskCard({ task: t, canAct, onChanged }: { task: TaskRow; canAct: boolean; onChanged: () => void }) {
  const { run, error, busy } = useAction(onChanged);
  const [completing, setCompleting] = useState(false);
  const step = useStepInPlan(t, canAct && (t.kind === 'decision' || completing));
  const titleId = `task-${t.id.replace(/[^\w-]/g, '-')}`;
  const late = overdue(t);
  const state = STATE[t.state] ?? { zh: t.state, en: t.state };
  return (
    <article className={`task${late ? ' late' : ''}`} aria-labelledby={titleId} data-task={t.id}>
      <h2 id={titleId}>{t.title}</h2>
      <dl>
        <dt>
          <Bi zh="状态" en="State" />
        </dt>
        <dd className="state">
          <Bi zh={state.zh} en={state.en} />
          {t.acknowledgedBy && t.state === 'acknowledged' && ` · ${t.acknowledgedBy}`}
        </dd>
        <dt>
          <Bi zh="期限" en="Due" />
        </dt>
        <dd>
          <When at={t.deadlineAt} />
          {late && (
            <strong className="overdue">
              {' '}
              <Bi zh="已超时" en="Overdue" />
            </strong>
          )}
        </dd>
        <dt>
          <Bi zh="事件" en="Incident" />
        </dt>
        <dd>
          <Link to={`/incidents/${t.incidentId}`}>{t.incidentId}</Link> · {t.team}
        </dd>
        {t.failure && (
          <>
            <dt>
              <Bi zh="失败原因" en="Failure" />
            </dt>
            <dd>{t.failure}</dd>
          </>
        )}
      </dl>
      {!completing && t.checklist.length > 0 && (
        <ul className="checklist-preview" aria-label={bi('检查项', 'Checklist')}>
          {t.checklist.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ul>
      )}
      {canAct && (
        <div className="actions">
          {t.state === 'open' && (
            <button type="button" disabled={busy} onClick={() => void run(() => api.post(`/tasks/${t.id}/acknowledge`))}>
              {bi('确认收到', 'Acknowledge')}
            </button>
          )}
          {t.kind === 'decision' &&
            (t.options ?? []).map((o) => (
              <button key={o} type="button" className="secondary" disabled={busy} onClick={() => void run(() => api.post(`/tasks/${t.id}/decide`, { option: o }))}>
                {bi('选择', 'Choose')}: {step.data?.options.find((x) => x.id === o)?.title ?? o}
              </button>
            ))}
          {t.kind !== 'decision' && !completing && (
            <button type="button" className="secondary" disabled={busy} onClick={() => setCompleting(true)}>
              {bi('完成…', 'Complete…')}
            </button>
          )}
        </div>
      )}
      {canAct && completing && <CompleteForm task={t} provides={step.data?.provides ?? []} busy={busy} run={run} onCancel={() => setCompleting(false)} />}
      {step.error && <p className="error">{step.error}</p>}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </article>
  );
}

/** The task's step in its plan, loaded once it is needed (cached per plan version). */
function useStepInPlan(t: TaskRow, needed: boolean): { data?: StepInPlan; error?: string } {
  const [state, setState] = useState<{ data?: StepInPlan; error?: string }>({});
  useEffect(() => {
    if (!needed) return;
    let live = true;
    stepInPlan(t.incidentId, t.stepId).then(
      (data) => live && setState({ data }),
      (err) => live && setState({ error: refusalOf(err) }),
    );
    return () => {
      live = false;
    };
  }, [t.incidentId, t.stepId, needed]);
  return state;
}

function CompleteForm({
  task: t,
  provides,
  busy,
  run,
  onCancel,
}: {
  task: TaskRow;
  provides: string[];
  busy: boolean;
  run: (call: () => Promise<unknown>) => Promise<boolean>;
  onCancel: () => void;
}) {
  const [ticked, setTicked] = useState<string[]>(t.checklistDone ?? []);
  const [outcome, setOutcome] = useState('');
  const [note, setNote] = useState('');
  const [evidence, setEvidence] = useState('');
  const [facts, setFacts] = useState<Record<string, string>>({});
  const id = (what: string) => `${t.id.replace(/[^\w-]/g, '-')}-${what}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const entered = Object.fromEntries(provides.map((f) => [f, factValue(facts[f] ?? '')]).filter(([, v]) => v !== undefined));
    const links = evidence
      .split(/\s+/)
      .map((l) => l.trim())
      .filter(Boolean);
    await run(() =>
      api.post(`/tasks/${t.id}/complete`, {
        checklist: ticked,
        ...(outcome.trim() ? { outcome: outcome.trim() } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(links.length ? { evidence: links } : {}),
        ...(Object.keys(entered).length ? { facts: entered } : {}),
      }),
    );
  };

  return (
    <form className="complete" onSubmit={submit} aria-label={bi('完成任务', 'Complete the task')}>
      {t.checklist.length > 0 && (
        <fieldset>
          <legend>
            <Bi zh="检查项" en="Checklist" />
          </legend>
          {t.checklist.map((c, i) => (
            <label key={c} className="check" htmlFor={id(`check-${i}`)}>
              <input
                id={id(`check-${i}`)}
                type="checkbox"
                checked={ticked.includes(c)}
                onChange={(e) => setTicked(e.target.checked ? [...ticked, c] : ticked.filter((x) => x !== c))}
              />
              {c}
            </label>
          ))}
        </fieldset>
      )}
      {provides.map((f) => (
        <div className="field" key={f}>
          <label htmlFor={id(`fact-${f}`)}>
            <Bi zh="事实" en="Fact" /> <code>{f}</code>
          </label>
          <textarea id={id(`fact-${f}`)} rows={1} value={facts[f] ?? ''} onChange={(e) => setFacts({ ...facts, [f]: e.target.value })} />
          <small className="hint">
            <Bi zh="数字、true/false 或文字；多项每行一项" en="a number, true/false or text; a list one per line" />
          </small>
        </div>
      ))}
      <div className="field">
        <label htmlFor={id('outcome')}>
          <Bi zh="结果" en="Outcome" />
        </label>
        <input id={id('outcome')} value={outcome} onChange={(e) => setOutcome(e.target.value)} maxLength={2000} />
      </div>
      <div className="field">
        <label htmlFor={id('note')}>
          <Bi zh="备注" en="Note" />
          {t.state === 'failed' && (
            <>
              {' '}
              <Bi zh="（必填：手工完成的原因）" en="(required: why it is completed by hand)" />
            </>
          )}
        </label>
        <textarea id={id('note')} rows={3} value={note} onChange={(e) => setNote(e.target.value)} required={t.state === 'failed'} />
      </div>
      <div className="field">
        <label htmlFor={id('evidence')}>
          <Bi zh="证据链接（每行一个）" en="Evidence links (one per line)" />
        </label>
        <textarea id={id('evidence')} rows={2} value={evidence} onChange={(e) => setEvidence(e.target.value)} placeholder="https://…" />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {bi('提交完成', 'Mark done')}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
          {bi('取消', 'Cancel')}
        </button>
      </div>
    </form>
  );
}

// 任务 Tasks by team, and what the signed-in person may do with them: take a decision, complete a
// failed automated step by hand with a reason. Only what the API would allow is offered.
import { FormEvent, useState } from 'react';
import { api } from '../../api';
import { Bi, bi, When } from '../../i18n';
import { hasRole, Me, useSession } from '../../session';
import type { TaskRow } from '../../types';
import { stateZh } from './labels';
import type { PlanStep } from './types';
import { useAction } from '../../action';

/** The workflow's rule (plan-run.ts requireTaskAccess): the task's team, or a commander for the commander's tasks and failed automated steps. */
export function mayAnswer(task: TaskRow, me: Me): boolean {
  if (!hasRole(me, 'responder', 'commander')) return false;
  if (me.teams.includes(task.team)) return task.ownerRole !== 'commander' || hasRole(me, 'commander');
  return (task.ownerRole === 'commander' || task.kind === 'automated') && hasRole(me, 'commander');
}

const finished = (t: TaskRow) => t.state === 'done' || t.state === 'skipped';

export function TasksByTeam({ tasks, plan, reload }: { tasks: TaskRow[]; plan: PlanStep[]; reload: () => void }) {
  const teams = [...new Set(tasks.map((t) => t.team))].sort();
  if (!tasks.length) return <p><Bi zh="还没有任务" en="No task yet" /></p>;
  return (
    <>
      {teams.map((team) => (
        <section key={team} className="team-tasks" aria-label={bi(`${team} 的任务`, `Tasks of ${team}`)}>
          <h3>{team}</h3>
          <ul className="tasks">
            {tasks
              .filter((t) => t.team === team)
              .map((t) => (
                <TaskItem key={t.id} task={t} step={plan.find((s) => s.id === t.stepId)} reload={reload} />
              ))}
          </ul>
        </section>
      ))}
    </>
  );
}

function TaskItem({ task: t, step, reload }: { task: TaskRow; step?: PlanStep; reload: () => void }) {
  const { me } = useSession();
  const overdue = t.deadlineAt && !finished(t) && new Date(t.deadlineAt).getTime() < Date.now();
  const canAct = !finished(t) && mayAnswer(t, me);
  return (
    <li className={`task state-${t.state}`} data-task={t.id} data-state={t.state}>
      <div className="step-head">
        <strong>{t.title}</strong>
        <span className={`state state-${t.state}`}>
          {stateZh(t.state)} {t.state}
        </span>
      </div>
      <div className="step-facts">
        <span>{t.kind}</span>
        {t.deadlineAt && (
          <span className={overdue ? 'warn' : undefined}>
            <Bi zh="截止" en="due" /> <When at={t.deadlineAt} />
          </span>
        )}
        {t.escalations > 0 && (
          <span className="warn">
            <Bi zh="已升级" en="escalated" /> ×{t.escalations}
          </span>
        )}
        {t.acknowledgedBy && (
          <span>
            <Bi zh="确认" en="acknowledged by" /> {t.acknowledgedBy}
          </span>
        )}
        {t.completedBy && (
          <span>
            <Bi zh="完成" en="completed by" /> {t.completedBy} <When at={t.completedAt} />
          </span>
        )}
      </div>
      {t.checklist.length > 0 && (
        <ul className="checklist">
          {t.checklist.map((c) => (
            <li key={c}>
              {t.checklistDone.includes(c) ? '☑' : '☐'} {c}
            </li>
          ))}
        </ul>
      )}
      {t.decision && (
        <div>
          <Bi zh="决定" en="decided" /> <strong>{t.decision}</strong>
        </div>
      )}
      {t.failure && (
        <div className="error">
          <Bi zh="失败原因" en="failed" />: {t.failure}
        </div>
      )}
      {t.outcome && <div className="muted">{t.outcome}</div>}
      {t.note && <div className="muted">{t.note}</div>}
      {canAct && t.kind === 'decision' && <Decide task={t} step={step} reload={reload} />}
      {canAct && t.state === 'failed' && <CompleteByHand task={t} reload={reload} />}
    </li>
  );
}

function Decide({ task, step, reload }: { task: TaskRow; step?: PlanStep; reload: () => void }) {
  const { run, error, busy } = useAction(reload);
  // The plan's words for each option, its id beside them (the API's and the CLI's name for it).
  const titleOf = (option: string) => {
    const title = step?.options?.find((o) => o.id === option)?.title;
    return title ? `${title} (${option})` : option;
  };
  return (
    <div className="task-action" role="group" aria-label={bi(`决定：${task.title}`, `Decide: ${task.title}`)}>
      {(task.options ?? []).map((option) => (
        <button key={option} type="button" disabled={busy} onClick={() => void run(() => api.post(`/tasks/${encodeURIComponent(task.id)}/decide`, { option }))}>
          {bi('选择', 'Choose')} {titleOf(option)}
        </button>
      ))}
      {error && <p role="alert" className="error">{error}</p>}
    </div>
  );
}

function CompleteByHand({ task, reload }: { task: TaskRow; reload: () => void }) {
  const [note, setNote] = useState('');
  const { run, error, busy } = useAction(reload);
  const id = `hand-${task.id}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.post(`/tasks/${encodeURIComponent(task.id)}/complete`, { note }));
  };
  return (
    <form className="task-action" onSubmit={submit}>
      <label htmlFor={id}>
        <Bi zh="手工完成的原因" en="Why it is done by hand" />
      </label>
      <textarea id={id} value={note} onChange={(e) => setNote(e.target.value)} rows={2} />
      <button type="submit" disabled={busy}>
        {bi('手工完成', 'Complete by hand')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

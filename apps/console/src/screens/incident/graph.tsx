// 步骤 The plan's steps as its graph, in layers (a step sits below every step it waits for), each
// with its state, owner team and deadline: a list a phone can read, drawn from the plan's own text.
import { Bi, When } from '../../i18n';
import type { TaskRow } from '../../types';
import { stateZh, typeZh } from './labels';
import { layers, waitsFor } from './plan-steps';
import type { PlanStep, StepRow } from './types';

export function StepGraph({ plan, steps, tasks }: { plan: PlanStep[]; steps: StepRow[]; tasks: TaskRow[] }) {
  const rows = new Map(steps.map((s) => [s.stepId, s]));
  const titleOf = (id: string) => plan.find((s) => s.id === id)?.title ?? id;
  return (
    <ol className="step-graph">
      {layers(plan).map((layer, i) => (
        <li key={i} className="layer">
          <span className="layer-name">
            <Bi zh={`第 ${i + 1} 层`} en={i === 0 ? 'starts at once' : `layer ${i + 1}`} />
          </span>
          <ul>
            {layer.map((s) => {
              const row = rows.get(s.id);
              const task = tasks.find((t) => t.stepId === s.id);
              const state = row?.state ?? 'pending';
              const deadline = row?.deadlineAt ?? task?.deadlineAt;
              const overdue = deadline && !['done', 'skipped'].includes(state) && new Date(deadline).getTime() < Date.now();
              return (
                <li key={s.id} id={`step-${s.id}`} className={`step state-${state}`} data-step={s.id} data-state={state}>
                  <div className="step-head">
                    <strong>{s.title ?? s.id}</strong>
                    <span className={`state state-${state}`}>
                      {stateZh(state)} {state}
                    </span>
                  </div>
                  <div className="step-facts">
                    <span>
                      {typeZh(s.type)} {s.type}
                    </span>
                    {(row?.ownerRole ?? s.owner) && (
                      <span>
                        <Bi zh="负责" en="owner" /> {row?.ownerRole ?? s.owner}
                        {(row?.team ?? task?.team) && ` → ${row?.team ?? task?.team}`}
                      </span>
                    )}
                    {deadline ? (
                      <span className={overdue ? 'warn' : undefined}>
                        <Bi zh="截止" en="due" /> <When at={deadline} />
                        {overdue && ` (${'超时 overdue'})`}
                      </span>
                    ) : (
                      s.within && (
                        <span>
                          <Bi zh="时限" en="within" /> {s.within}
                        </span>
                      )
                    )}
                    {s.levels && (
                      <span>
                        <Bi zh="仅限级别" en="levels" /> {s.levels.join(', ')}
                      </span>
                    )}
                  </div>
                  {waitsFor(s, plan).length > 0 && (
                    <div className="step-after">
                      <Bi zh="等待" en="after" />{' '}
                      {waitsFor(s, plan).map((p, k) => (
                        <span key={`${p.id}-${p.via ?? ''}`}>
                          {k > 0 && ', '}
                          <a href={`#step-${p.id}`} onClick={(e) => jump(e, p.id)}>
                            {titleOf(p.id)}
                          </a>
                          {p.via && ` (${p.via})`}
                        </span>
                      ))}
                    </div>
                  )}
                  {task?.decision && (
                    <div>
                      <Bi zh="已选择" en="chosen" /> <strong>{task.decision}</strong>
                    </div>
                  )}
                  {row?.outcome && <div className="muted">{row.outcome}</div>}
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ol>
  );
}

// The console routes by the hash, so an in-page link scrolls instead of navigating.
function jump(e: { preventDefault: () => void }, id: string) {
  e.preventDefault();
  document.getElementById(`step-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
}

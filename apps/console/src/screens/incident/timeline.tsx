// 时间线 The timeline as the CLI prints it (time, kind, who, what; simulated responders marked), and
// the notifications with each copy's delivery: who got theirs, who did not and why.
import { useState } from 'react';
import { Bi, bi, When } from '../../i18n';
import { stateZh } from './labels';
import type { NotificationRow, TimelineRow } from './types';

// What the timeline can be narrowed to, by the start of an entry's kind (incident.note, task.opened, ...).
const KINDS: Array<{ value: string; zh: string; en: string; match: (kind: string) => boolean }> = [
  { value: 'all', zh: '全部', en: 'everything', match: () => true },
  { value: 'notes', zh: '记录', en: 'notes', match: (k) => k === 'incident.note' },
  { value: 'tasks', zh: '任务', en: 'tasks', match: (k) => k.startsWith('task.') },
  { value: 'steps', zh: '步骤', en: 'steps', match: (k) => k.startsWith('step.') },
  { value: 'notifications', zh: '通知', en: 'notifications', match: (k) => k.startsWith('notification.') },
  { value: 'incident', zh: '事件', en: 'incident', match: (k) => k.startsWith('incident.') && k !== 'incident.note' },
];

export function Timeline({ entries }: { entries: TimelineRow[] }) {
  const [show, setShow] = useState('all');
  const match = (KINDS.find((k) => k.value === show) ?? KINDS[0]).match;
  return (
    <>
      <label htmlFor="timeline-filter">
        <Bi zh="显示" en="Show" />
      </label>{' '}
      <select id="timeline-filter" value={show} onChange={(e) => setShow(e.target.value)}>
        {KINDS.map((k) => (
          <option key={k.value} value={k.value}>
            {bi(k.zh, k.en)}
          </option>
        ))}
      </select>
      <ol className="timeline">
        {entries
          .filter((e) => match(e.kind))
          .map((e) => (
            <li key={e.id} className={e.kind === 'incident.note' ? 'note' : undefined} data-kind={e.kind}>
              <When at={e.at} /> <code>{e.kind}</code>{' '}
              <span className="actor">
                {e.actor}
                {e.simulated && ' [sim]'}
              </span>
              <div>{e.message}</div>
            </li>
          ))}
      </ol>
    </>
  );
}

const audienceOf = (n: NotificationRow) => (Array.isArray(n.audience) ? n.audience.join(', ') : '');

export function Notifications({ notifications }: { notifications: NotificationRow[] }) {
  if (!notifications.length) return <p><Bi zh="还没有通知" en="No notification yet" /></p>;
  return (
    <ul className="notifications">
      {notifications.map((n) => (
        <li key={n.id} data-notification={n.id}>
          <div className="step-head">
            <strong>
              {n.channel} · {n.reason}
              {n.stepId && ` · ${n.stepId}`}
            </strong>
            <span className={`state state-${n.status}`}>
              {stateZh(n.status)} {n.status}
            </span>
          </div>
          <div className="step-facts">
            <When at={n.createdAt} />
            {audienceOf(n) && (
              <span>
                <Bi zh="对象" en="to" /> {audienceOf(n)}
              </span>
            )}
            <span>
              <Bi zh="尝试" en="attempts" /> {n.attempts}
            </span>
            {n.drill && <span className="badge">演练 drill</span>}
          </div>
          {n.detail && <div className="muted">{n.detail}</div>}
          {n.deliveries.length > 0 && (
            <table className="deliveries">
              <caption>
                <Bi zh="每份投递" en="Each copy" />
              </caption>
              <thead>
                <tr>
                  <th><Bi zh="收件人" en="Recipient" /></th>
                  <th><Bi zh="地址" en="Address" /></th>
                  <th><Bi zh="状态" en="Status" /></th>
                  <th><Bi zh="发送" en="Sent" /></th>
                </tr>
              </thead>
              <tbody>
                {n.deliveries.map((d) => (
                  <tr key={`${d.recipient}-${d.address ?? ''}`}>
                    <td data-label={bi('收件人', 'Recipient')}>{d.person ?? d.recipient}</td>
                    <td data-label={bi('地址', 'Address')}>{d.address ?? '-'}</td>
                    <td data-label={bi('状态', 'Status')}>
                      {stateZh(d.status)} {d.status}
                      {d.attempts > 1 && ` ×${d.attempts}`}
                      {d.detail && <div className="muted">{d.detail}</div>}
                    </td>
                    <td data-label={bi('发送', 'Sent')}><When at={d.sentAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ul>
  );
}

// 指挥操作 The commander's actions on the incident: override the level with a reason, add a note,
// close. Each shows the API's refusal as it is; a person the API would refuse is not offered it.
import { FormEvent, useState } from 'react';
import { api } from '../../api';
import { Bi, bi } from '../../i18n';
import { hasRole, useSession } from '../../session';
import type { IncidentRow } from '../../types';
import { useAction } from '../../action';

const path = (i: IncidentRow, action: string) => `/incidents/${encodeURIComponent(i.id)}/${action}`;

export function IncidentActions({ incident, reload }: { incident: IncidentRow; reload: () => void }) {
  const { me } = useSession();
  const open = incident.state === 'open';
  const commander = hasRole(me, 'commander');
  const mayNote = hasRole(me, 'commander', 'responder', 'manager');
  if (!open || (!commander && !mayNote)) return null;
  return (
    <section aria-labelledby="actions" className="actions">
      <h2 id="actions">
        <Bi zh="操作" en="Actions" />
      </h2>
      {commander && <Override incident={incident} reload={reload} />}
      {mayNote && <AddNote incident={incident} reload={reload} />}
      {commander && <Close incident={incident} reload={reload} />}
    </section>
  );
}

function Override({ incident, reload }: { incident: IncidentRow; reload: () => void }) {
  const [level, setLevel] = useState(incident.level ?? 'II');
  const [reason, setReason] = useState('');
  const { run, error, busy } = useAction(() => {
    setReason('');
    reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.post(path(incident, 'override'), { level, reason }));
  };
  return (
    <form onSubmit={submit} className="action-form" aria-labelledby="override-title">
      <h3 id="override-title">
        <Bi zh="调整级别" en="Override the level" />
      </h3>
      <label htmlFor="override-level">
        <Bi zh="级别" en="Level" />
      </label>
      <select id="override-level" value={level} onChange={(e) => setLevel(e.target.value)}>
        {['I', 'II', 'III', 'IV'].map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <label htmlFor="override-reason">
        <Bi zh="原因" en="Reason" />
      </label>
      <textarea id="override-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      <button type="submit" disabled={busy}>
        {bi('调整', 'Override')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

function AddNote({ incident, reload }: { incident: IncidentRow; reload: () => void }) {
  const [text, setText] = useState('');
  const { run, error, busy } = useAction(() => {
    setText('');
    reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.post(path(incident, 'notes'), { text }));
  };
  return (
    <form onSubmit={submit} className="action-form" aria-labelledby="note-title">
      <h3 id="note-title">
        <Bi zh="添加记录" en="Add a note" />
      </h3>
      <label htmlFor="note-text">
        <Bi zh="记录" en="Note" />
      </label>
      <textarea id="note-text" value={text} onChange={(e) => setText(e.target.value)} rows={2} />
      <button type="submit" disabled={busy}>
        {bi('添加', 'Add')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

function Close({ incident, reload }: { incident: IncidentRow; reload: () => void }) {
  const [reason, setReason] = useState('');
  const { run, error, busy } = useAction(reload);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => api.post(path(incident, 'close'), reason.trim() ? { reason } : {}));
  };
  return (
    <form onSubmit={submit} className="action-form" aria-labelledby="close-title">
      <h3 id="close-title">
        <Bi zh="关闭事件" en="Close the incident" />
      </h3>
      <label htmlFor="close-reason">
        <Bi zh="说明（可选）" en="Reason (optional)" />
      </label>
      <input id="close-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      <button type="submit" className="secondary" disabled={busy}>
        {bi('关闭', 'Close')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
    </form>
  );
}

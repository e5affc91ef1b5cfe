// 备份 Backups (commander, admin; auditors read): the catalog and its chains, recovery tests, a
// restore followed class by class, and for commanders and admins: take a backup, verify one. A
// refusal is shown as the API gives it.
import { FormEvent, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ApiError, refusalOf } from '../api';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, useSession } from '../session';
import './backups.css';

type Kind = 'full' | 'incremental' | 'differential';

interface Backup {
  id: string;
  kind: Kind;
  status: string;
  parentId: string | null;
  baseFullId: string | null;
  takenAt: string;
  pointInTime: string;
  rowCounts: Record<string, number> | null;
  chunks: number | null;
  bytes: string | number | null;
  keyId: string | null;
  verifiedAt: string | null;
  createdBy: string | null;
}

interface RecoveryTest {
  id: string;
  startedAt: string;
  finishedAt: string | null;
  ok: boolean | null;
  error: string | null;
  chain: string[] | null;
  detail: { rows?: number } | null;
}

interface ClassAvailable {
  cls: string;
  rows: number;
  availableAt: string;
}

interface RestoreStatus {
  restoreId?: string;
  state: string;
  error?: string;
  target?: string;
  chain?: string[];
  classes?: ClassAvailable[];
  startedAt?: string;
  finishedAt?: string;
  progress?: { phase: string; chain: string[]; classes: string[]; available: ClassAvailable[]; current?: string };
}

interface VerifyReport {
  backupId: string;
  chunkCount: number;
  rowCount: number;
}

const KINDS: Record<Kind, [string, string]> = { full: ['全量', 'full'], incremental: ['增量', 'incremental'], differential: ['差异', 'differential'] };
const STATES: Record<string, [string, string]> = {
  running: ['进行中', 'running'],
  completed: ['已完成', 'completed'],
  failed: ['失败', 'failed'],
  terminated: ['已终止', 'terminated'],
  canceled: ['已取消', 'canceled'],
  timed_out: ['超时', 'timed out'],
};
const rowsOf = (b: Backup) => Object.values(b.rowCounts ?? {}).reduce((a, n) => a + n, 0);
const size = (bytes: Backup['bytes']) => {
  const n = Number(bytes ?? 0);
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
};

export function Backups() {
  const { me } = useSession();
  const acts = hasRole(me, 'commander', 'admin');
  const catalog = useLive<Backup[]>('/backups', 5000);
  return (
    <div className="screen-backups">
      <h1>
        <Bi zh="备份" en="Backups" />
      </h1>
      {acts && <TakeBackup onTaken={catalog.reload} />}
      <Catalog backups={catalog.data} error={catalog.error} acts={acts} onVerified={catalog.reload} />
      <Chains backups={catalog.data ?? []} />
      <RecoveryTests />
      <Restore />
    </div>
  );
}

function TakeBackup({ onTaken }: { onTaken: () => void }) {
  const [kind, setKind] = useState<Kind>('full');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [taken, setTaken] = useState<Backup>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setTaken(undefined);
    try {
      setTaken(await api.post<Backup>('/backups', { kind }));
      onTaken();
    } catch (err) {
      setError(refusalOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="take" onSubmit={submit}>
      <label htmlFor="backup-kind">
        <Bi zh="备份类型" en="Kind" />
      </label>
      <select id="backup-kind" value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
        {(Object.keys(KINDS) as Kind[]).map((k) => (
          <option key={k} value={k}>
            {bi(KINDS[k][0], KINDS[k][1])}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        {busy ? bi('备份中…', 'Taking…') : bi('立即备份', 'Take a backup now')}
      </button>
      <div aria-live="polite">
        {error && <p role="alert" className="error">{error}</p>}
        {taken && (
          <p className="ok">
            ✓ {taken.id}: {rowsOf(taken)} {bi('行', 'rows')}
          </p>
        )}
      </div>
    </form>
  );
}

function Catalog({ backups, error, acts, onVerified }: { backups?: Backup[]; error?: ApiError; acts: boolean; onVerified: () => void }) {
  return (
    <section aria-labelledby="catalog">
      <h2 id="catalog">
        <Bi zh="备份目录" en="Backup catalog" />
      </h2>
      {error && <p role="alert" className="error">{error.message}</p>}
      {backups?.length === 0 && <p><Bi zh="还没有备份" en="No backup yet" /></p>}
      {!!backups?.length && (
        <table>
          <thead>
            <tr>
              <th><Bi zh="备份" en="Backup" /></th>
              <th><Bi zh="类型" en="Kind" /></th>
              <th><Bi zh="时间点" en="Point in time" /></th>
              <th><Bi zh="行数" en="Rows" /></th>
              <th><Bi zh="大小" en="Size" /></th>
              <th><Bi zh="状态" en="Status" /></th>
              <th><Bi zh="校验" en="Verified" /></th>
            </tr>
          </thead>
          <tbody>
            {backups.map((b) => (
              <tr key={b.id} data-backup={b.id}>
                <td>
                  {b.id}
                  {b.parentId && <div className="muted">← {b.parentId}</div>}
                  {b.createdBy && <div className="muted">{b.createdBy}</div>}
                </td>
                <td data-label={bi('类型', 'Kind')}>{bi(KINDS[b.kind]?.[0] ?? b.kind, b.kind)}</td>
                <td data-label={bi('时间点', 'Point in time')}><When at={b.pointInTime} /></td>
                <td data-label={bi('行数', 'Rows')}>{rowsOf(b)}</td>
                <td data-label={bi('大小', 'Size')}>{size(b.bytes)}</td>
                <td data-label={bi('状态', 'Status')}>{b.status}</td>
                <td data-label={bi('校验', 'Verified')}>
                  <When at={b.verifiedAt} />
                  {acts && <VerifyButton id={b.id} onDone={onVerified} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function VerifyButton({ id, onDone }: { id: string; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string }>();
  const run = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      const r = await api.post<VerifyReport>(`/backups/${encodeURIComponent(id)}/verify`);
      setResult({ ok: true, text: `${bi('完好', 'intact')}: ${r.chunkCount} ${bi('块', 'chunks')}, ${r.rowCount} ${bi('行', 'rows')}` });
      onDone();
    } catch (err) {
      setResult({ ok: false, text: refusalOf(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="verify">
      <button type="button" className="secondary" onClick={() => void run()} disabled={busy} aria-label={bi(`校验 ${id}`, `Verify ${id}`)}>
        {busy ? bi('校验中…', 'Verifying…') : bi('校验', 'Verify')}
      </button>
      <div aria-live="polite">
        {result && (
          <p role={result.ok ? undefined : 'alert'} className={result.ok ? 'ok' : 'error'}>
            {result.text}
          </p>
        )}
      </div>
    </div>
  );
}

/** A chain: a full backup and the incrementals and differentials that need it, oldest first. */
function Chains({ backups }: { backups: Backup[] }) {
  const fulls = backups.filter((b) => b.kind === 'full');
  if (!fulls.length) return null;
  const byTime = (a: Backup, b: Backup) => new Date(a.pointInTime).getTime() - new Date(b.pointInTime).getTime();
  return (
    <section aria-labelledby="chains">
      <h2 id="chains">
        <Bi zh="备份链" en="Chains" />
      </h2>
      <ol className="chains">
        {[...fulls].sort(byTime).reverse().map((f) => (
          <li key={f.id} data-chain={f.id}>
            <ol className="chain" aria-label={bi(`备份链 ${f.id}`, `Chain ${f.id}`)}>
              {[f, ...backups.filter((b) => b.baseFullId === f.id).sort(byTime)].map((b) => (
                <li key={b.id} className={`link kind-${b.kind}`}>
                  <strong>{bi(KINDS[b.kind]?.[0] ?? b.kind, b.kind)}</strong> {b.id} · <When at={b.pointInTime} />
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ol>
    </section>
  );
}

function RecoveryTests() {
  const tests = useLive<RecoveryTest[]>('/recovery-tests', 10_000);
  return (
    <section aria-labelledby="recovery-tests">
      <h2 id="recovery-tests">
        <Bi zh="恢复测试" en="Recovery tests" />
      </h2>
      {tests.error && <p role="alert" className="error">{tests.error.message}</p>}
      {tests.data?.length === 0 && <p><Bi zh="还没有恢复测试" en="No recovery test yet" /></p>}
      {!!tests.data?.length && (
        <table>
          <thead>
            <tr>
              <th><Bi zh="测试" en="Test" /></th>
              <th><Bi zh="开始" en="Started" /></th>
              <th><Bi zh="结束" en="Finished" /></th>
              <th><Bi zh="结果" en="Result" /></th>
              <th><Bi zh="备份链" en="Chain" /></th>
            </tr>
          </thead>
          <tbody>
            {tests.data.map((t) => (
              <tr key={t.id} data-recovery-test={t.id}>
                <td>{t.id}</td>
                <td data-label={bi('开始', 'Started')}><When at={t.startedAt} /></td>
                <td data-label={bi('结束', 'Finished')}><When at={t.finishedAt} /></td>
                <td data-label={bi('结果', 'Result')} className={t.ok ? 'ok' : t.ok === false ? 'error' : undefined}>
                  {t.ok ? bi('通过', 'passed') : t.ok === false ? bi('失败', 'failed') : bi('进行中', 'running')}
                  {t.detail?.rows !== undefined && ` · ${t.detail.rows} ${bi('行', 'rows')}`}
                  {t.error && <div>{t.error}</div>}
                </td>
                <td data-label={bi('备份链', 'Chain')}>{(t.chain ?? []).join(' → ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Follows one restore (its id from `yingji restore`, POST /restores or the timeline): a bar per priority class. */
function Restore() {
  const [params, setParams] = useSearchParams();
  const id = params.get('restore') ?? '';
  const [input, setInput] = useState(id);
  const status = useLive<RestoreStatus>(id ? `/restores/${encodeURIComponent(id)}` : null);
  const s = status.data;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setParams(input.trim() ? { restore: input.trim() } : {});
  };
  const classes = s?.progress?.classes ?? s?.classes?.map((c) => c.cls) ?? [];
  const available = new Map((s?.progress?.available ?? s?.classes ?? []).map((c) => [c.cls, c]));
  return (
    <section aria-labelledby="restore">
      <h2 id="restore">
        <Bi zh="恢复进度" en="Restore in progress" />
      </h2>
      <form className="take" onSubmit={submit}>
        <label htmlFor="restore-id">
          <Bi zh="恢复编号" en="Restore id" />
        </label>
        <input id="restore-id" value={input} onChange={(e) => setInput(e.target.value)} placeholder="restore-…" />
        <button type="submit">{bi('跟踪', 'Follow')}</button>
      </form>
      <RecentRestores onFollow={(restore) => { setInput(restore); setParams({ restore }); }} />
      {id && status.error && <p role="alert" className="error">{status.error.message}</p>}
      {id && s && (
        <div className="restore" data-restore={id} data-state={s.state}>
          <p>
            <strong>{STATES[s.state] ? bi(...STATES[s.state]) : s.state}</strong>
            {s.progress && ` · ${s.progress.phase}`}
            {s.target && ` · ${bi('目标', 'target')} ${s.target}`}
            {(s.progress?.chain ?? s.chain)?.length ? ` · ${(s.progress?.chain ?? s.chain)!.join(' → ')}` : ''}
          </p>
          {s.error && <p role="alert" className="error">{s.error}</p>}
          <ul className="classes">
            {classes.map((cls, i) => {
              const done = available.get(cls);
              const current = !done && s.progress?.current === cls;
              return (
                <li key={cls} data-class={cls}>
                  <span className="cls">
                    {i + 1}. {cls}
                  </span>
                  <progress
                    max={1}
                    value={done ? 1 : current ? undefined : 0}
                    aria-label={bi(`类别 ${cls}`, `class ${cls}`)}
                  />
                  <span className="state">
                    {done ? (
                      <>
                        {bi('已可用', 'available')} · {done.rows} {bi('行', 'rows')} · <When at={done.availableAt} />
                      </>
                    ) : current ? (
                      bi('恢复中', 'restoring')
                    ) : (
                      bi('等待', 'waiting')
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      )}
    </section>
  );
}

/** The latest restores, newest first: follow one with a click. */
function RecentRestores({ onFollow }: { onFollow: (restoreId: string) => void }) {
  const recent = useLive<Array<{ restoreId: string; state: string; startedAt: string }>>('/restores', 5000);
  if (!recent.data?.length) return null;
  return (
    <ul className="recent-restores" aria-label={bi('最近的恢复', 'Latest restores')}>
      {recent.data.map((r) => (
        <li key={r.restoreId}>
          <button type="button" className="link" onClick={() => onFollow(r.restoreId)}>
            {r.restoreId}
          </button>{' '}
          {STATES[r.state] ? bi(...STATES[r.state]) : r.state} · <When at={r.startedAt} />
        </li>
      ))}
    </ul>
  );
}

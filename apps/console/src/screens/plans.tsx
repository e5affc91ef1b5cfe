// 预案 Plans (plan owner, admin; everyone reads): published plans and their versions, the exact
// text of each version, a diff between two versions, the next version's draft with the improvement
// items its drills' and incidents' reviews accepted, and the editor that checks and publishes.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, refusalOf } from '../api';
import { Bi, bi, When } from '../i18n';
import { useLive } from '../live';
import { hasRole, useSession } from '../session';
import type { PlanSummary } from '../types';
import { lineDiff, withContext } from './line-diff';
import { PlanEditor } from './plan-editor';
import './plans.css';

interface LatestPlan {
  planId: string;
  version: number;
  title: string;
  sha256: string;
  publishedAt: string;
}

interface DraftNext {
  planId: string;
  fromVersion: number;
  version: number;
  text: string;
  placed: number;
  general: number;
  items: number;
}

export function Plans() {
  const { me } = useSession();
  const plans = useLive<PlanSummary[]>('/plans', 0);
  return (
    <>
      <h1>
        <Bi zh="预案" en="Plans" />
      </h1>
      {plans.error && <p role="alert" className="error">{plans.error.message}</p>}
      <table className="plans">
        <thead>
          <tr>
            <th><Bi zh="预案" en="Plan" /></th>
            <th><Bi zh="标题" en="Title" /></th>
            <th><Bi zh="最新版本" en="Latest" /></th>
            <th><Bi zh="所有版本" en="Versions" /></th>
          </tr>
        </thead>
        <tbody>
          {(plans.data ?? []).map((p) => (
            <tr key={p.planId} data-plan={p.planId}>
              <td data-label={bi('预案', 'Plan')}><Link to={`/plans/${p.planId}`}>{p.planId}</Link></td>
              <td data-label={bi('标题', 'Title')}>{p.title}</td>
              <td data-label={bi('最新版本', 'Latest')}>v{p.latestVersion}</td>
              <td data-label={bi('所有版本', 'Versions')}>{p.versions.map((v) => `v${v}`).join(' ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {plans.data?.length === 0 && <p><Bi zh="尚未发布预案" en="No plan is published yet" /></p>}
      {hasRole(me, 'admin', 'commander') && (
        <section aria-labelledby="new-version">
          <h2 id="new-version">
            {hasRole(me, 'admin') ? <Bi zh="发布预案或新版本" en="Publish a plan or a new version" /> : <Bi zh="校验预案" en="Check a plan" />}
          </h2>
          <PlanEditor initial="" canPublish={hasRole(me, 'admin')} onPublished={plans.reload} />
        </section>
      )}
    </>
  );
}

export function PlanDetail() {
  const { id = '' } = useParams();
  const { me } = useSession();
  const plans = useLive<PlanSummary[]>('/plans', 0);
  const latest = useLive<LatestPlan>(`/plans/${encodeURIComponent(id)}`, 0);
  const summary = plans.data?.find((p) => p.planId === id);
  const versions = summary?.versions ?? [];
  const [shown, setShown] = useState<number>();
  const [seed, setSeed] = useState<{ text: string; n: number }>();
  const current = shown ?? summary?.latestVersion;
  const text = useVersionText(id, current);
  const reload = () => {
    plans.reload();
    latest.reload();
  };

  return (
    <>
      <h1>
        <Bi zh="预案" en="Plan" /> {latest.data ? `${latest.data.title} (${id})` : id}
      </h1>
      {(latest.error ?? plans.error) && <p role="alert" className="error">{(latest.error ?? plans.error)!.message}</p>}
      {latest.data && (
        <p>
          <Bi zh="最新版本" en="Latest version" /> v{latest.data.version} · <Bi zh="发布于" en="published" /> <When at={latest.data.publishedAt} /> ·{' '}
          <code title="sha256">{latest.data.sha256.slice(0, 12)}</code>
        </p>
      )}
      <p>
        <Link to="/plans">← <Bi zh="全部预案" en="All plans" /></Link>
      </p>

      <section aria-labelledby="plan-text">
        <h2 id="plan-text">
          <Bi zh="版本原文" en="Version text" />
        </h2>
        <label htmlFor="shown-version">
          <Bi zh="版本" en="Version" />
        </label>{' '}
        <select id="shown-version" value={current ?? ''} onChange={(e) => setShown(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
        {text.error && <p role="alert" className="error">{text.error}</p>}
        {text.text !== undefined && <NumberedText text={text.text} label={bi(`v${current} 原文`, `v${current} text`)} />}
      </section>

      {versions.length > 1 && <VersionDiff planId={id} versions={versions} />}

      {hasRole(me, 'commander', 'admin') && <DraftNextView planId={id} canEdit={hasRole(me, 'admin')} onEdit={(t) => setSeed({ text: t, n: (seed?.n ?? 0) + 1 })} />}

      {hasRole(me, 'admin') && (
        <section aria-labelledby="edit-publish">
          <h2 id="edit-publish">
            <Bi zh="编辑并发布新版本" en="Edit and publish a new version" />
          </h2>
          {seed ? (
            <PlanEditor key={seed.n} initial={seed.text} canPublish onPublished={reload} />
          ) : text.text !== undefined ? (
            <PlanEditor key={`v${current}`} initial={text.text} canPublish onPublished={reload} />
          ) : null}
        </section>
      )}
    </>
  );
}

/** The exact text of one version (GET /plans/:id/versions/:v). */
function useVersionText(planId: string, version: number | undefined): { text?: string; error?: string } {
  const [state, setState] = useState<{ key?: string; text?: string; error?: string }>({});
  const key = version === undefined ? undefined : `${planId}@${version}`;
  useEffect(() => {
    if (!key) return;
    let stale = false;
    api
      .get<string>(`/plans/${encodeURIComponent(planId)}/versions/${version}`)
      .then((text) => !stale && setState({ key, text }))
      .catch((err) => !stale && setState({ key, error: refusalOf(err) }));
    return () => {
      stale = true;
    };
  }, [key, planId, version]);
  return state.key === key ? state : {};
}

function NumberedText({ text, label }: { text: string; label: string }) {
  return (
    <pre className="numbered" aria-label={label} tabIndex={0}>
      {text.split('\n').map((l, k) => (
        <span key={k} className="row">
          <span className="n" aria-hidden="true">
            {k + 1}
          </span>
          {l || ' '}
        </span>
      ))}
    </pre>
  );
}

function VersionDiff({ planId, versions }: { planId: string; versions: number[] }) {
  const [from, setFrom] = useState(versions[versions.length - 2]);
  const [to, setTo] = useState(versions[versions.length - 1]);
  const a = useVersionText(planId, from);
  const b = useVersionText(planId, to);
  return (
    <section aria-labelledby="version-diff">
      <h2 id="version-diff">
        <Bi zh="版本对比" en="Compare versions" />
      </h2>
      <div className="diff-pick">
        <label htmlFor="diff-from">
          <Bi zh="从" en="From" />
        </label>
        <select id="diff-from" value={from} onChange={(e) => setFrom(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v} value={v}>v{v}</option>
          ))}
        </select>
        <label htmlFor="diff-to">
          <Bi zh="到" en="To" />
        </label>
        <select id="diff-to" value={to} onChange={(e) => setTo(Number(e.target.value))}>
          {versions.map((v) => (
            <option key={v} value={v}>v{v}</option>
          ))}
        </select>
      </div>
      {(a.error || b.error) && <p role="alert" className="error">{a.error ?? b.error}</p>}
      {a.text !== undefined && b.text !== undefined && <DiffView oldText={a.text} newText={b.text} label={bi(`v${from} 到 v${to} 的差异`, `Changes from v${from} to v${to}`)} />}
    </section>
  );
}

export function DiffView({ oldText, newText, label }: { oldText: string; newText: string; label: string }) {
  const lines = withContext(lineDiff(oldText, newText));
  const added = lines.filter((l) => l?.kind === 'added').length;
  const removed = lines.filter((l) => l?.kind === 'removed').length;
  if (added + removed === 0) return <p><Bi zh="两个版本内容相同" en="The two texts are the same" /></p>;
  return (
    <>
      <p>
        <span className="diff-added-count">+{added}</span> <span className="diff-removed-count">−{removed}</span> <Bi zh="行" en="lines" />
      </p>
      <pre className="diff" aria-label={label} tabIndex={0}>
        {lines.map((l, k) =>
          l === null ? (
            <span key={k} className="row gap">
              ⋯
            </span>
          ) : (
            <span key={k} className={`row ${l.kind}`}>
              <span className="n" aria-hidden="true">
                {l.oldLine ?? ''}
              </span>
              <span className="n" aria-hidden="true">
                {l.newLine ?? ''}
              </span>
              <span className="sign">{l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : ' '}</span>
              {l.text || ' '}
            </span>
          ),
        )}
      </pre>
    </>
  );
}

/** The next version's draft: the latest text, version raised, accepted improvement items as comments at their steps. */
function DraftNextView({ planId, canEdit, onEdit }: { planId: string; canEdit: boolean; onEdit: (text: string) => void }) {
  const [draft, setDraft] = useState<DraftNext>();
  const [latestText, setLatestText] = useState<string>();
  const [error, setError] = useState<string>();
  const load = async () => {
    setError(undefined);
    try {
      const d = await api.get<DraftNext>(`/plans/${encodeURIComponent(planId)}/draft-next`);
      setLatestText(await api.get<string>(`/plans/${encodeURIComponent(planId)}/versions/${d.fromVersion}`));
      setDraft(d);
    } catch (err) {
      setError(refusalOf(err));
    }
  };
  return (
    <section aria-labelledby="draft-next">
      <h2 id="draft-next">
        <Bi zh="下一版草稿" en="Next version's draft" />
      </h2>
      <p>
        <Bi zh="已采纳的改进项以注释写在对应步骤处。" en="Accepted improvement items are written as comments at their steps." />
      </p>
      <button type="button" className="secondary" onClick={() => void load()}>
        {bi('生成草稿', 'Draft the next version')}
      </button>
      {error && <p role="alert" className="error">{error}</p>}
      {draft && (
        <>
          <p data-draft-items={draft.items}>
            v{draft.fromVersion} → v{draft.version} ·{' '}
            <Bi zh={`${draft.items} 个已采纳改进项（${draft.placed} 个在步骤处，${draft.general} 个为总体）`} en={`${draft.items} accepted item(s): ${draft.placed} at steps, ${draft.general} general`} />
          </p>
          {latestText !== undefined && <DiffView oldText={latestText} newText={draft.text} label={bi('草稿相对最新版的差异', 'Draft against the latest version')} />}
          {canEdit && (
            <button type="button" onClick={() => onEdit(draft.text)}>
              {bi('在编辑器中打开草稿', 'Open the draft in the editor')}
            </button>
          )}
        </>
      )}
    </section>
  );
}

// The plan's YAML with line numbers: each problem the API's validator finds is marked at its line
// and listed with line:column and path (a click puts the cursor there). Checked as one types
// (POST /plans/validate, nothing stored); an admin publishes (POST /plans) and a refusal is shown in
// the API's own words.
import { useEffect, useRef, useState } from 'react';
import { api, refusalOf } from '../api';
import { Bi, bi } from '../i18n';
import './plans.css';

/** One problem as the validator reports it (domain/plan/plan.types.ts Problem). */
export interface PlanProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

interface Checked {
  ok: boolean;
  problems: PlanProblem[];
  planId?: string;
  version?: number;
  latestVersion?: number | null;
  warnings?: string[];
}

export interface Published {
  planId: string;
  version: number;
  created: boolean;
  warnings?: string[];
}

const CHECK_AFTER_MS = 500;

export function PlanEditor({ initial, canPublish, onPublished }: { initial: string; canPublish: boolean; onPublished?: (p: Published) => void }) {
  const [text, setText] = useState(initial);
  const [checked, setChecked] = useState<Checked>();
  const [checkError, setCheckError] = useState<string>();
  const [publishError, setPublishError] = useState<string>();
  const [published, setPublished] = useState<Published>();
  const [busy, setBusy] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const asked = useRef(0);

  const check = async (body: string) => {
    const n = ++asked.current;
    if (body.trim() === '') {
      setChecked(undefined);
      return;
    }
    try {
      const answer = await api.postText<Checked>('/plans/validate', body, 'application/yaml');
      if (n === asked.current) {
        setChecked(answer);
        setCheckError(undefined);
      }
    } catch (err) {
      if (n === asked.current) setCheckError(refusalOf(err));
    }
  };

  // Checked shortly after typing stops (the newest answer wins).
  useEffect(() => {
    const t = setTimeout(() => void check(text), CHECK_AFTER_MS);
    return () => clearTimeout(t);
  }, [text]);

  const publish = async () => {
    setBusy(true);
    setPublishError(undefined);
    setPublished(undefined);
    try {
      const p = await api.postText<Published>('/plans', text, 'application/yaml');
      setPublished(p);
      onPublished?.(p);
    } catch (err) {
      setPublishError(refusalOf(err));
      await check(text);
    } finally {
      setBusy(false);
    }
  };

  const goTo = (p: PlanProblem) => {
    const el = area.current;
    if (!el) return;
    const lines = text.split('\n');
    const offset = lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, p.column - 1);
    el.focus();
    el.setSelectionRange(offset, offset + Math.max(1, (lines[p.line - 1] ?? '').length - p.column + 1));
    const lineHeight = el.scrollHeight / Math.max(1, lines.length);
    el.scrollTop = Math.max(0, (p.line - 3) * lineHeight);
  };

  const lines = text.split('\n');
  const problems = checked?.problems ?? [];
  const byLine = new Map<number, PlanProblem[]>();
  for (const p of problems) byLine.set(p.line, [...(byLine.get(p.line) ?? []), p]);

  return (
    <div className="plan-editor">
      <label htmlFor="plan-yaml">
        <Bi zh="预案 YAML" en="Plan YAML" />
      </label>
      <div className="yaml-box">
        <div className="gutter" ref={gutter} aria-hidden="true">
          {lines.map((_, k) => (
            <div key={k} className={byLine.has(k + 1) ? 'bad' : undefined} data-problem-line={byLine.has(k + 1) ? k + 1 : undefined} title={byLine.get(k + 1)?.map((p) => p.message).join('\n')}>
              {byLine.has(k + 1) ? '⚠ ' : ''}
              {k + 1}
            </div>
          ))}
        </div>
        <textarea
          id="plan-yaml"
          ref={area}
          value={text}
          wrap="off"
          spellCheck={false}
          aria-invalid={problems.length > 0}
          aria-describedby="plan-problems"
          onChange={(e) => setText(e.target.value)}
          onScroll={(e) => {
            if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop;
          }}
          placeholder={bi('在此粘贴预案 YAML', 'Paste the plan YAML here')}
        />
      </div>
      <div id="plan-problems" className="plan-check" aria-live="polite">
        {checkError && <p role="alert" className="error">{checkError}</p>}
        {checked && !checked.ok && (
          <>
            <p className="error">
              <Bi zh={`${problems.length} 个问题`} en={`${problems.length} problem(s)`} />
            </p>
            <ol className="problems">
              {problems.map((p, k) => (
                <li key={k} data-line={p.line} data-column={p.column}>
                  <button type="button" className="link" onClick={() => goTo(p)} aria-label={bi(`转到第 ${p.line} 行第 ${p.column} 列`, `Go to line ${p.line} column ${p.column}`)}>
                    {p.line}:{p.column}
                  </button>{' '}
                  {p.path && <code>{p.path}</code>} {p.message}
                </li>
              ))}
            </ol>
          </>
        )}
        {checked?.ok && (
          <p className="ok">
            <Bi zh="校验通过" en="Valid" />: {checked.planId} v{checked.version}
            {checked.latestVersion != null && (
              <>
                {' · '}
                <Bi zh={`已发布最新版 v${checked.latestVersion}`} en={`latest published v${checked.latestVersion}`} />
                {checked.version! <= checked.latestVersion && (
                  <span className="warn">
                    {' '}
                    <Bi zh="版本号须高于最新版" en="the version must be above the latest" />
                  </span>
                )}
              </>
            )}
          </p>
        )}
        {checked?.warnings?.map((w) => (
          <p key={w} className="warn">
            {w}
          </p>
        ))}
      </div>
      {canPublish && (
        <p>
          <button type="button" onClick={() => void publish()} disabled={busy || text.trim() === ''}>
            {bi('发布', 'Publish')}
          </button>
        </p>
      )}
      {publishError && (
        <p role="alert" className="error pre">
          {publishError}
        </p>
      )}
      {published && (
        <p role="status" className="ok">
          {published.created ? bi('已发布', 'Published') : bi('此版本已存在，内容相同', 'Already published with this exact text')}: {published.planId} v{published.version}
        </p>
      )}
    </div>
  );
}

// Scores of one plan's drills over time, inline SVG drawn from the data (nothing fetched, no chart
// library): one point per scored drill, oldest left, the grade bands' lower edges as guides (100 is the
// top line, unlabelled: its label would sit on 90's).
export interface TrendPoint {
  drillId: string;
  startedAt: string;
  score: number;
  grade?: string | null;
}

const W = 360;
const H = 160;
const PAD = { left: 30, right: 10, top: 10, bottom: 24 };
/** The grades' lower edges (domain/drill/score.ts): 优秀 90, 良好 75, 合格 60. */
const BANDS = [90, 75, 60];

export function TrendChart({ points, title, current }: { points: TrendPoint[]; title: string; current?: string }) {
  const sorted = [...points].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const x = (k: number) => PAD.left + (sorted.length < 2 ? (W - PAD.left - PAD.right) / 2 : (k * (W - PAD.left - PAD.right)) / (sorted.length - 1));
  const y = (score: number) => PAD.top + ((100 - score) * (H - PAD.top - PAD.bottom)) / 100;
  const summary = sorted.map((p) => `${p.startedAt.slice(0, 10)} ${p.score}`).join(', ');
  return (
    <figure className="trend">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${summary}`} data-points={sorted.length}>
        {[100, ...BANDS, 0].map((s) => (
          <g key={s}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(s)} y2={y(s)} className={s === 0 || s === 100 ? 'axis' : 'band'} />
            {s !== 100 && (
              <text x={PAD.left - 4} y={y(s) + 4} textAnchor="end">
                {s}
              </text>
            )}
          </g>
        ))}
        {sorted.length > 1 && <polyline points={sorted.map((p, k) => `${x(k)},${y(p.score)}`).join(' ')} className="line" />}
        {sorted.map((p, k) => (
          <circle key={p.drillId} cx={x(k)} cy={y(p.score)} r={p.drillId === current ? 5 : 3.5} className={p.drillId === current ? 'dot current' : 'dot'} data-drill={p.drillId} data-score={p.score}>
            <title>{`${p.drillId} · ${new Date(p.startedAt).toLocaleString()} · ${p.score}${p.grade ? ` ${p.grade}` : ''}`}</title>
          </circle>
        ))}
        {sorted.length > 0 && (
          <>
            <text x={x(0)} y={H - 6} textAnchor={sorted.length > 1 ? 'start' : 'middle'}>
              {new Date(sorted[0].startedAt).toLocaleDateString()}
            </text>
            {sorted.length > 1 && (
              <text x={x(sorted.length - 1)} y={H - 6} textAnchor="end">
                {new Date(sorted[sorted.length - 1].startedAt).toLocaleDateString()}
              </text>
            )}
          </>
        )}
      </svg>
      <figcaption>{title}</figcaption>
    </figure>
  );
}

// Labels are bilingual, 中文 first, as in the drill report.
export function Bi({ zh, en }: { zh: string; en: string }) {
  return (
    <>
      <span lang="zh-CN">{zh}</span> <span lang="en" className="en">{en}</span>
    </>
  );
}

/** The same as one string, for attributes (titles, labels, placeholders). */
export const bi = (zh: string, en: string) => `${zh} ${en}`;

/** A time in the viewer's zone, UTC on hover. */
export function When({ at }: { at?: string | null }) {
  if (!at) return <span>-</span>;
  const d = new Date(at);
  return (
    <time dateTime={d.toISOString()} title={`${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`}>
      {d.toLocaleString()}
    </time>
  );
}

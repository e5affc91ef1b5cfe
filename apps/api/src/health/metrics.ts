// Prometheus text format (exposition format 0.0.4) for `GET /metrics`: the recovery test's state,
// read from `recovery_tests`, so every API instance answers the same. No client library: a few
// gauges and a counter are plain text.
import type { DataSource } from 'typeorm';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** No value: the metric is described but has no sample yet (e.g. no run so far). */
  value?: number;
}

/** `# HELP`, `# TYPE` and the sample of each metric, newline-terminated. */
export function renderPrometheus(metrics: Metric[]): string {
  return metrics
    .map((m) => {
      const lines = [`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${m.name} ${m.type}`];
      if (m.value !== undefined) lines.push(`${m.name} ${Number.isFinite(m.value) ? String(m.value) : 'NaN'}`);
      return `${lines.join('\n')}\n`;
    })
    .join('');
}

/** The recovery test metrics: alert on `yingji_recovery_test_last_run_ok == 0` or an old last success. */
export async function recoveryTestMetrics(db: DataSource): Promise<Metric[]> {
  const [row] = await db.query(`
    SELECT (SELECT extract(epoch FROM max(finished_at)) FROM recovery_tests WHERE ok) AS "lastSuccess",
           (SELECT count(*) FROM recovery_tests WHERE ok = false) AS "failed",
           last.ok AS "lastOk", extract(epoch FROM last.finished_at) AS "lastRun"
      FROM (SELECT 1) one
      LEFT JOIN LATERAL (SELECT ok, finished_at FROM recovery_tests WHERE ok IS NOT NULL ORDER BY finished_at DESC NULLS LAST, started_at DESC LIMIT 1) last ON true`);
  const num = (v: unknown) => (v === null || v === undefined ? undefined : Number(v));
  return [
    {
      name: 'yingji_recovery_test_last_success_timestamp_seconds',
      help: 'When the last passing recovery test finished (Unix time; 0 when none has passed yet).',
      type: 'gauge',
      value: num(row.lastSuccess) ?? 0,
    },
    {
      name: 'yingji_recovery_test_last_run_timestamp_seconds',
      help: 'When the last recovery test finished, passed or failed (Unix time; no sample before the first).',
      type: 'gauge',
      value: num(row.lastRun),
    },
    {
      name: 'yingji_recovery_test_last_run_ok',
      help: 'Whether the last recovery test passed (1) or failed (0); no sample before the first.',
      type: 'gauge',
      value: row.lastOk === null || row.lastOk === undefined ? undefined : row.lastOk ? 1 : 0,
    },
    {
      name: 'yingji_recovery_tests_failed_total',
      help: 'Recovery tests that failed, since the database was created.',
      type: 'counter',
      value: Number(row.failed),
    },
  ];
}

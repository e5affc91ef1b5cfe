// `GET /metrics` in the Prometheus text format (0.0.4), written by prom-client: the read models'
// figures (incidents, tasks, escalations, notices, alerts, recovery tests, backups), read from
// PostgreSQL at each scrape, then this process's own (Update latency, Node's default metrics).
import { Counter, Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { processRegistry } from './process-metrics';
import { readModelSnapshot, ReadModelSnapshot } from './read-models';

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const SHARED = '(From the database: the same on every API instance.)';

export async function renderMetrics(db: DataSource): Promise<string> {
  const scrape = readModelMetrics(await readModelSnapshot(db));
  return Registry.merge([scrape, processRegistry()]).metrics();
}

/** The read-model metrics of one scrape, in a registry of their own (no label set outlives its rows). */
export function readModelMetrics(s: ReadModelSnapshot): Registry {
  const r = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help: `${help} ${SHARED}`, labelNames, registers: [r] });
  const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help: `${help} ${SHARED}`, labelNames, registers: [r] });

  const incidents = gauge('yingji_incidents_open', 'Incidents not closed or failed, by level (unclassified before the plan classifies it) and mode (live, tabletop, live-drill).', ['level', 'mode']);
  for (const x of s.incidentsOpen) incidents.set({ level: x.level, mode: x.mode }, x.n);

  const open = gauge('yingji_tasks_open', 'Tasks not done or skipped, of incidents still open, by team and incident mode.', ['team', 'mode']);
  const overdue = gauge('yingji_tasks_overdue', 'Open tasks past their deadline, by team and incident mode.', ['team', 'mode']);
  for (const t of s.tasks) {
    open.set({ team: t.team, mode: t.mode }, t.open);
    overdue.set({ team: t.team, mode: t.mode }, t.overdue);
  }

  const escalations = counter('yingji_escalations_total', 'Escalations of tasks left unacknowledged or overdue (timeline entries task.escalated), by incident mode.', ['mode']);
  for (const e of s.escalations) escalations.inc({ mode: e.mode }, e.n);

  // Gauges, not counters: a notice or copy moves from pending to its final status.
  const notices = gauge('yingji_notifications', 'Notices recorded (one per notice, however many people it went to), by channel and current status.', ['channel', 'status']);
  for (const n of s.notifications) notices.set({ channel: n.channel, status: n.status }, n.n);
  const copies = gauge('yingji_deliveries', "Copies of notices (one per person or role address), by channel and current status.", ['channel', 'status']);
  for (const d of s.deliveries) copies.set({ channel: d.channel, status: d.status }, d.n);

  const received = counter('yingji_alerts_received_total', 'Alerts received from monitoring, by source (alertmanager, events): every arrival, repeats and resolves included.', ['source']);
  const deduplicated = counter(
    'yingji_alerts_deduplicated_total',
    'Arrivals of an alert already stored (the same occurrence again, or its acknowledge or resolve): counted as seen, never stored or launched twice. By source.',
    ['source'],
  );
  for (const a of s.alerts) {
    received.inc({ source: a.source }, a.received);
    deduplicated.inc({ source: a.source }, a.deduplicated);
  }

  const rt = s.recoveryTest;
  gauge('yingji_recovery_test_last_success_timestamp_seconds', 'When the last passing recovery test finished (Unix time; 0 when none has passed yet).').set(rt.lastSuccess ?? 0);
  optional(gauge('yingji_recovery_test_last_run_timestamp_seconds', 'When the last recovery test finished, passed or failed (Unix time; no sample before the first).'), rt.lastRun);
  optional(gauge('yingji_recovery_test_last_run_ok', 'Whether the last recovery test passed (1) or failed (0); no sample before the first.'), rt.lastOk === undefined ? undefined : Number(rt.lastOk));
  counter('yingji_recovery_tests_failed_total', 'Recovery tests that failed, since the database was created.').inc(rt.failed);

  optional(gauge('yingji_backup_last_timestamp_seconds', 'Point in time of the newest completed or verified backup in the catalog (Unix time; no sample before the first).'), s.backup.lastAt);
  optional(gauge('yingji_backup_last_age_seconds', "Age of the newest completed or verified backup's point in time, by the database's clock (no sample before the first)."), s.backup.ageSeconds);
  return r;
}

/** Sets the gauge, or leaves it described with no sample when there is no value yet. */
function optional(g: Gauge, value: number | undefined): void {
  if (value === undefined) g.remove();
  else g.set(value);
}

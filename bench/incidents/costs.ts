// What one of the bench's Yingji incidents cost, per stack: from its history (read once, by
// queue-waits.ts) and from PostgreSQL's own counters for Yingji's database. These are the inputs
// of docs/operations.md's capacity model; counted as scripts/incident-costs.ts counts recorded
// histories (workflow tasks completed, activities scheduled).
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import type { DataSource } from 'typeorm';

export interface HistoryCost {
  events: number;
  workflowTasks: number;
  activities: number;
  /** The events as protobuf, as Temporal's database stores them (JSON, as `temporal workflow show` writes, is larger). */
  bytes: number;
}

export function historyCost(history: History): HistoryCost {
  const events = history.events ?? [];
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    bytes: events.reduce((sum, e) => sum + temporal.api.history.v1.HistoryEvent.encode(e).finish().length, 0),
  };
}

export interface PgCounters {
  /** Rows inserted, updated and deleted. */
  rows: number;
  /** Transactions committed: the API's reads (every GET and token check) as well as the writes. */
  commits: number;
  /** performance.now() when read. */
  at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Yingji's database's counters. Every backend (the APIs', the workers') reports its counts to
 * pg_stat_database at most once a second, and an idle one 10 s after its last transaction; so wait
 * 11 s first, which also lets the incidents' last writes (after the bench's last answer) land.
 */
export async function pgCounters(db: DataSource): Promise<PgCounters> {
  console.error("  waiting 11 s for PostgreSQL's counters to settle...");
  await sleep(11_000);
  const [r] = (await db.query(
    `SELECT tup_inserted + tup_updated + tup_deleted AS rows, xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()`,
  )) as Array<{ rows: string; commits: string }>;
  return { rows: Number(r.rows), commits: Number(r.commits), at: performance.now() };
}

/**
 * What happened in Yingji's database from `a` to `b`, less the background measured with nothing
 * running (haproxy's health checks, each a SELECT 1; the standing schedules): `idle`, per second.
 */
export function pgDelta(a: PgCounters, b: PgCounters, idle?: { rows: number; commits: number }): { rows: number; commits: number } {
  const s = (b.at - a.at) / 1000;
  return { rows: b.rows - a.rows - (idle?.rows ?? 0) * s, commits: b.commits - a.commits - (idle?.commits ?? 0) * s };
}

/** The background per second: two reads with nothing of the bench's running between them. */
export async function pgBackground(db: DataSource): Promise<{ rows: number; commits: number }> {
  const a = await pgCounters(db);
  const b = await pgCounters(db);
  const d = pgDelta(a, b);
  const s = (b.at - a.at) / 1000;
  return { rows: d.rows / s, commits: d.commits / s };
}

export interface StackCosts {
  stack: string;
  histories: HistoryCost[];
  /** Deltas around Yingji's measured phases less the background, and how many incidents those phases ran. */
  pg: { rows: number; commits: number };
  /** CPU seconds by role over the same phases, less each role's idle rate (cpu.ts). */
  cpu: Map<string, number>;
  incidents: number;
  /** The background, per second. */
  idle: { rows: number; commits: number };
}

const col = (s: string, w = 13) => s.padStart(w);

/** The table: one row per stack, each figure per incident (mean over the bench's Yingji incidents). */
export function costTable(all: StackCosts[]): string[] {
  const mean = (xs: HistoryCost[], k: keyof HistoryCost) => xs.reduce((s, x) => s + x[k], 0) / Math.max(1, xs.length);
  return [
    'per Yingji incident (hello-drill: launched, its one task completed, its review closed), mean over the bench\'s own incidents:',
    `${'stack'.padEnd(10)}${col('incidents')}${col('wf tasks')}${col('activities')}${col('hist events')}${col('hist bytes')}${col('PG rows')}${col('PG commits')}`,
    ...all.map(
      (c) =>
        `${c.stack.padEnd(10)}${col(String(c.incidents))}${col(mean(c.histories, 'workflowTasks').toFixed(1))}${col(mean(c.histories, 'activities').toFixed(1))}` +
        `${col(mean(c.histories, 'events').toFixed(1))}${col(mean(c.histories, 'bytes').toFixed(0))}${col((c.pg.rows / c.incidents).toFixed(1))}${col((c.pg.commits / c.incidents).toFixed(1))}`,
    ),
    '(wf tasks: workflow tasks completed; activities: scheduled; hist bytes: the events as protobuf; PG rows: rows inserted + updated + deleted in',
    ' Yingji\'s database, PG commits: transactions committed there (the API\'s reads included), both from pg_stat_database around Yingji\'s phases,',
    ` less the background with nothing running: ${all.map((c) => `${c.stack} ${c.idle.rows.toFixed(1)} rows/s, ${c.idle.commits.toFixed(1)} commits/s`).join('; ')})`,
  ];
}

// Pacing for IM robots: DingTalk and WeCom take at most 20 messages a minute per robot and refuse
// the rest (DingTalk 410100, WeCom 45009). A message is never dropped: it waits for its turn, in the
// order messages asked. Rule: a message starts only when fewer than `limit` sends to the robot
// ended (answer received, or are still in flight) within the last `windowMs`. A message reaches the
// robot between its start and its end, so the robot never sees more than `limit` in any window.
// Shared by every worker through PostgreSQL (table robot_sends, one short locked transaction per
// look); without a database, one process paces its own sends (createLocalRobotPace).
import { createHash } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { resilientPool } from '../../../apps/shared/pg-pool';
import { inPoolTransaction } from '../../invoices/database';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

export const ROBOT_LIMIT = 20;
export const ROBOT_WINDOW_MS = 60_000;

export interface RobotPaceOptions {
  /** Messages per window per robot (default 20). */
  limit?: number;
  /** The window (default one minute). */
  windowMs?: number;
  /** How often a waiting message looks again, at most (default 250 ms). */
  pollMs?: number;
  /** A send whose end was never written (its worker died) counts as ending this long after its start (default 1 min). */
  inFlightMs?: number;
}

export interface RobotPace {
  /** Runs `send` when the robot has room, after every message that asked before it has started. */
  turn<T>(robot: string, send: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A robot's name in the queue: a hash of its URL (as configured, so with its key), never the URL. */
export function robotKey(url: URL): string {
  return createHash('sha256').update(url.href).digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function settings(opts: RobotPaceOptions) {
  const limit = opts.limit ?? ROBOT_LIMIT;
  const windowMs = opts.windowMs ?? ROBOT_WINDOW_MS;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`robot pace: limit must be a whole number of 1 or more, got ${limit}`);
  if (!(windowMs > 0)) throw new Error(`robot pace: windowMs must be more than 0, got ${windowMs}`);
  return { limit, windowMs, pollMs: opts.pollMs ?? 250, inFlightMs: opts.inFlightMs ?? 60_000 };
}

/** One process's own pacing (no database): the fallback when no shared pace is configured. */
export function createLocalRobotPace(opts: RobotPaceOptions = {}): RobotPace {
  const { limit, windowMs, pollMs } = settings(opts);
  const robots = new Map<string, { gate: Promise<void>; sends: Array<{ end?: number }> }>();
  return {
    async turn(robot, send) {
      let r = robots.get(robot);
      if (!r) robots.set(robot, (r = { gate: Promise.resolve(), sends: [] }));
      const s = r;
      const before = s.gate;
      let started!: () => void;
      s.gate = new Promise((go) => (started = go));
      await before;
      for (;;) {
        const since = Date.now() - windowMs;
        s.sends = s.sends.filter((x) => x.end === undefined || x.end >= since);
        if (s.sends.length < limit) break;
        const oldest = Math.min(...s.sends.map((x) => x.end ?? Infinity));
        await sleep(Math.max(5, Math.min(pollMs, oldest + windowMs - Date.now() + 1)));
      }
      const slot: { end?: number } = {};
      s.sends.push(slot);
      started();
      try {
        return await send();
      } finally {
        slot.end = Date.now();
      }
    },
    close: async () => undefined,
  };
}

/** Advisory lock namespace for robot queues (the robot's hash picks the lock inside it). */
const LOCK_CLASS = 0x726f626f; // "robo"

/**
 * Pacing shared by every worker on the database `ds` points at. It opens its own small pool: the
 * notification activity holds one of `ds`'s connections while it waits, and waiting senders must
 * not starve the pool their turn depends on.
 */
export function createPgRobotPace(ds: DataSource | Pool, opts: RobotPaceOptions = {}): RobotPace {
  const { limit, windowMs, pollMs, inFlightMs } = settings(opts);
  const pool = ds instanceof Pool ? ds : poolLike(ds);
  const own = !(ds instanceof Pool);
  const ms = (n: number) => `${n} milliseconds`;

  const locked = <T>(robot: string, work: (c: PoolClient) => Promise<T>): Promise<T> =>
    inPoolTransaction(pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_CLASS, robot]);
      return work(c);
    });

  const enqueue = (robot: string) =>
    locked(robot, async (c) => {
      const r = await c.query(`INSERT INTO robot_sends (robot, queued_at, alive_at) VALUES ($1, clock_timestamp(), clock_timestamp()) RETURNING id`, [robot]);
      return String(r.rows[0].id);
    });

  /** Starts `id` when it is first in line and the robot has room; else says how long to wait. */
  const look = (robot: string, id: string) =>
    locked(robot, async (c): Promise<{ start: true } | { waitMs: number } | { lost: true }> => {
      // Waiters whose worker stopped looking, and sends that no longer count, leave the queue.
      await c.query(
        `DELETE FROM robot_sends WHERE robot = $1 AND id <> $2 AND (
           (started_at IS NULL AND alive_at < clock_timestamp() - $3::interval)
           OR (started_at IS NOT NULL AND COALESCE(done_at, started_at + $4::interval) < clock_timestamp() - $5::interval))`,
        [robot, id, ms(Math.max(30_000, pollMs * 20)), ms(inFlightMs), ms(windowMs)],
      );
      const alive = await c.query(`UPDATE robot_sends SET alive_at = clock_timestamp() WHERE id = $1`, [id]);
      if (alive.rowCount === 0) return { lost: true };
      const ahead = await c.query(`SELECT 1 FROM robot_sends WHERE robot = $1 AND started_at IS NULL AND id < $2 LIMIT 1`, [robot, id]);
      if (ahead.rowCount) return { waitMs: pollMs };
      const recent = await c.query(
        `SELECT count(*)::int AS n,
                EXTRACT(EPOCH FROM (min(COALESCE(done_at, started_at + $2::interval)) + $3::interval - clock_timestamp())) * 1000 AS free_in
           FROM robot_sends
          WHERE robot = $1 AND started_at IS NOT NULL AND COALESCE(done_at, started_at + $2::interval) >= clock_timestamp() - $3::interval`,
        [robot, ms(inFlightMs), ms(windowMs)],
      );
      if (recent.rows[0].n >= limit) return { waitMs: Math.max(5, Math.min(pollMs, Math.ceil(Number(recent.rows[0].free_in)) + 1)) };
      await c.query(`UPDATE robot_sends SET started_at = clock_timestamp() WHERE id = $1`, [id]);
      return { start: true };
    });

  return {
    async turn(robot, send) {
      let id = await enqueue(robot);
      try {
        for (;;) {
          const r = await look(robot, id);
          if ('start' in r) break;
          if ('lost' in r) id = await enqueue(robot); // this process stalled longer than a waiter may
          else await sleep(r.waitMs);
        }
      } catch (err) {
        await pool.query(`DELETE FROM robot_sends WHERE id = $1`, [id]).catch(() => undefined);
        throw err;
      }
      try {
        return await send();
      } finally {
        // If this is lost, the send counts until started_at + inFlightMs.
        await pool.query(`UPDATE robot_sends SET done_at = clock_timestamp() WHERE id = $1`, [id]).catch(() => undefined);
      }
    },
    close: async () => {
      if (own) await pool.end();
    },
  };
}

/** A pool of two to the database a TypeORM DataSource connects to. */
function poolLike(ds: DataSource): Pool {
  const o = ds.options as PostgresConnectionOptions;
  if (o.type !== 'postgres') throw new Error(`robot pace needs PostgreSQL, not ${o.type}`);
  return resilientPool(
    {
      connectionString: o.url,
      host: o.host,
      port: o.port,
      user: o.username,
      password: typeof o.password === 'string' ? o.password : undefined,
      database: o.database,
      ssl: o.ssl as boolean | undefined,
      max: 2,
      allowExitOnIdle: true, // a worker shutting down is not held open by the pace
    },
    'the robot pace database',
  );
}

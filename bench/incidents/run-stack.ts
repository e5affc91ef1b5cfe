// One stack's measurement: Yingji through the stack's API, the fair peer (its worker on the stack's
// Temporal, its service on the stack's database) and the bare floor, in ABBA rounds; prints the
// stack's tables and returns its figures and Yingji's per-incident costs.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { assertPoolFitsSlots, WORKER_TUNING } from '../../apps/worker/src/worker';
import { createDataSource } from '../../migrations/data-source';
import { runBare, runBareSingle } from './bare-floor';
import { Contender, fairPeer, runMany, runSingle, yingji } from './contenders';
import { pgBackground, pgCounters, pgDelta, StackCosts } from './costs';
import { addInto, cpuByRole, cpuDelta } from './cpu';
import { Figures, median, percentile, roundOrder } from './measure';
import { DROP_PEER_SCHEMA, PEER_SCHEMA, peerActivities } from './peer-activities';
import { startPeerService } from './peer-service';
import { describeWaits, queueWaits } from './queue-waits';
import type { BenchStack } from './stacks';
import { header, NAME, NOTE, ratioRow, row } from './tables';

export interface RunOptions {
  n: number;
  concurrency: number;
  rounds: number;
  samples: number;
}

export interface StackResult {
  stack: BenchStack;
  ours: Figures;
  peer: Figures;
  floor: Figures;
  costs: StackCosts;
}

/** The API's TypeORM pool (no `extra.max` in apps/api/src/app.module.ts: node-postgres' default); the peer's HTTP side gets the same. */
const API_POOL = 10;
export const BARE = 'bare Temporal, 1 Update (floor)';

interface Measured {
  launchSeconds: number;
  transitions: number[];
  singles: number[];
  ids: string[];
}

const figures = (m: Omit<Measured, 'ids'>, n: number): Figures => ({ launchesPerS: n / m.launchSeconds, p50: percentile(m.transitions, 50), p99: percentile(m.transitions, 99), singleMs: median(m.singles) });
const empty = (): Measured => ({ launchSeconds: 0, transitions: [], singles: [], ids: [] });

function add(m: Measured, launchSeconds: number, transitions: number[], singles: number[], ids: string[]) {
  m.launchSeconds += launchSeconds;
  m.ids.push(...ids);
  m.transitions.push(...transitions);
  m.singles.push(...singles);
}

export async function measureStack(stack: BenchStack, { n: N, concurrency: CONCURRENCY, rounds: ROUNDS, samples: SAMPLES }: RunOptions): Promise<StackResult> {
  const db = createDataSource(stack.databaseUrl); // the peer's activities: the worker's pool
  const http = new DataSource({ type: 'postgres', url: stack.databaseUrl, extra: { max: API_POOL } });
  await Promise.all([db.initialize(), http.initialize()]);
  for (const q of PEER_SCHEMA) await db.query(q);
  const issue = async (person: string, roles: string[]) => (await issueToken(db, { person, roles, teams: ['it-ops'], expiresIn: '2h', createdBy: 'bench' })).token;
  const commander = await issue('bench-commander', ['commander']);
  const oncall = await issue('bench-oncall', ['responder']);

  // The peer's worker (and the floor's) in this process, with the Yingji worker's own options.
  const taskQueue = `bench-incidents-${randomBytes(3).toString('hex')}`;
  const native = await NativeConnection.connect({ address: stack.temporal });
  assertPoolFitsSlots(db);
  const worker = await Worker.create({ ...WORKER_TUNING, connection: native, namespace: stack.namespace, taskQueue, workflowsPath: require.resolve('./workflows'), activities: peerActivities(db) });
  const running = worker.run();
  const connection = await Connection.connect({ address: stack.temporal });
  const client = new Client({ connection, namespace: stack.namespace });
  const peerService = await startPeerService({ tokens: http, rows: http, client, taskQueue });

  const api = new ApiClient(stack.api);
  const peerApi = new ApiClient(peerService.url);
  const ours = yingji(api.as(commander), api.as(oncall));
  const peer = fairPeer(peerApi.as(commander), peerApi.as(oncall));
  const all = new Map<string, Measured>([ours, peer].map((c) => [c.name, empty()]));
  const bare = empty();

  const perRound: string[] = [];
  const waits: string[] = [];
  const pg = { rows: 0, commits: 0 };
  const cpu = new Map<string, number>();
  let idle = { rows: 0, commits: 0 };
  let costs: StackCosts['histories'] = [];
  try {
    console.error(`${stack.name}: PostgreSQL's background in Yingji's database, with nothing running...`);
    const idleFrom = { cpu: cpuByRole(), at: performance.now() };
    idle = await pgBackground(db);
    const idleSeconds = (performance.now() - idleFrom.at) / 1000;
    const idleCpu = new Map([...cpuDelta(idleFrom.cpu, cpuByRole())].map(([r, t]) => [r, t / idleSeconds]));
    for (const [r, order] of roundOrder(ROUNDS, peer, ours).entries()) {
      console.error(`${stack.name}, round ${r + 1}: ${order.map((c) => c.name).join(', then ')}`);
      const b = await runBare(client, taskQueue, N, CONCURRENCY);
      const bs = await runBareSingle(client, taskQueue, SAMPLES);
      add(bare, N / b.launchesPerS, b.transitions, bs, []);
      perRound.push(`round ${r + 1} (${order[0] === peer ? 'peer first' : 'Yingji first'})`, row(BARE, figures({ launchSeconds: N / b.launchesPerS, transitions: b.transitions, singles: bs }, N)));
      for (const c of order as Contender[]) {
        // Yingji's database counters and CPU around Yingji's phases only (the peer writes to the same database).
        const before = c === ours ? { pg: await pgCounters(db), cpu: cpuByRole() } : undefined;
        const m = await runMany(c, N, CONCURRENCY);
        const { singles, ids } = await runSingle(c, SAMPLES);
        if (before) {
          const after = await pgCounters(db);
          const d = pgDelta(before.pg, after, idle);
          pg.rows += d.rows;
          pg.commits += d.commits;
          addInto(cpu, cpuDelta(before.cpu, cpuByRole(), (after.at - before.pg.at) / 1000, idleCpu));
        }
        add(all.get(c.name)!, N / m.launchesPerS, m.transitions, singles, [...m.ids, ...ids]);
        perRound.push(row(c.name, figures({ launchSeconds: N / m.launchesPerS, transitions: m.transitions, singles }, N)));
      }
    }
    for (const c of [peer, ours]) {
      const w = await queueWaits(client, `${stack.name}, ${c.name}`, all.get(c.name)!.ids);
      waits.push(`  ${c.name.padEnd(NAME - 2)}${describeWaits(w)}`);
      if (c === ours) costs = w.costs;
    }
  } finally {
    await peerService.close();
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await db.query(DROP_PEER_SCHEMA);
    await Promise.all([db.destroy(), http.destroy()]);
  }

  const total = N * ROUNDS;
  const result: StackResult = {
    stack,
    ours: figures(all.get(ours.name)!, total),
    peer: figures(all.get(peer.name)!, total),
    floor: figures(bare, total),
    costs: { stack: stack.name, histories: costs, pg, cpu, incidents: all.get(ours.name)!.ids.length, idle },
  };
  console.log('');
  console.log(`=== ${stack.name}: ${stack.topology}`);
  console.log(`${N} incidents of hello-drill, ${CONCURRENCY} at a time, ${ROUNDS} rounds, ${SAMPLES} single incidents per round; API ${stack.api}, fair peer ${peerService.url}, Temporal ${stack.temporal}`);
  console.log(`worker options (Yingji's and the peer's): ${JSON.stringify(WORKER_TUNING)}`);
  console.log(header());
  for (const line of perRound) console.log(line);
  console.log(`all ${ROUNDS} rounds`);
  for (const [name, f] of [[BARE, result.floor], [peer.name, result.peer], [ours.name, result.ours]] as const) console.log(row(name, f));
  console.log(ratioRow('ratio Yingji / fair peer', result.ours, result.peer));
  console.log(ratioRow('ratio Yingji / bare floor', result.ours, result.floor));
  console.log(ratioRow('ratio fair peer / bare floor', result.peer, result.floor));
  console.log(NOTE);
  console.log("queues, from the incidents' histories (time a task sat scheduled before a worker started it):");
  for (const line of waits) console.log(line);
  return result;
}

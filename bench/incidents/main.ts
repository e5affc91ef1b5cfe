// bench/incidents: Yingji against a fair peer doing the same job by hand (HTTP with the API's token
// check, an Update-with-Start to launch, an Update whose handler writes one row, reads over HTTP from
// PostgreSQL), in the same run on the same Temporal server, in alternating order; a bare Temporal
// Update is printed as the floor.
//   node dist/bench/incidents/main.js [--incidents 500] [--concurrency 50] [--rounds 2] [--samples 5]
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { issueToken } from '../../apps/api/src/auth/token-store';
import { ApiClient } from '../../apps/cli/src/api-client';
import { readStack, startDetached, stopDetached } from '../../apps/cli/src/stack';
import { loadConfig } from '../../apps/shared/config';
import { assertPoolFitsSlots, WORKER_TUNING } from '../../apps/worker/src/worker';
import { createDataSource } from '../../migrations/data-source';
import { numberOptions } from '../args';
import { runBare, runBareSingle } from './bare-floor';
import { Contender, fairPeer, runMany, runSingle, yingji } from './contenders';
import { criteria, Figures, median, percentile, roundOrder } from './measure';
import { DROP_PEER_SCHEMA, PEER_SCHEMA, peerActivities } from './peer-activities';
import { describeWaits, queueWaits } from './queue-waits';
import { startPeerService } from './peer-service';

const { incidents: N, concurrency: CONCURRENCY, rounds: ROUNDS, samples: SAMPLES } = numberOptions({ incidents: 500, concurrency: 50, rounds: 2, samples: 5 });

/** The API's TypeORM pool (no `extra.max` in apps/api/src/app.module.ts: node-postgres' default); the peer's HTTP side gets the same. */
const API_POOL = 10;

interface Measured {
  launchSeconds: number;
  transitions: number[];
  singles: number[];
  ids: string[];
}

const figures = (m: Omit<Measured, 'ids'>, n: number): Figures => ({ launchesPerS: n / m.launchSeconds, p50: percentile(m.transitions, 50), p99: percentile(m.transitions, 99), singleMs: median(m.singles) });

async function main() {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN') }); // the in-process worker's state changes would cut through the progress bars
  const already = readStack(config);
  const info = await startDetached(config, (l) => console.error(l));
  if (already) console.error(`note: measuring the stack already running (pid ${already.pid}, up since ${already.startedAt}); after a build, \`yingji down\` first so it runs the new code`);

  const db = createDataSource(config.databaseUrl); // the peer's activities: the worker's pool
  const http = new DataSource({ type: 'postgres', url: config.databaseUrl, extra: { max: API_POOL } });
  await Promise.all([db.initialize(), http.initialize()]);
  for (const q of PEER_SCHEMA) await db.query(q);
  const issue = async (person: string, roles: string[]) => (await issueToken(db, { person, roles, teams: ['it-ops'], expiresIn: '2h', createdBy: 'bench' })).token;
  const commander = await issue('bench-commander', ['commander']);
  const oncall = await issue('bench-oncall', ['responder']);

  // The peer's worker (and the floor's) in this process, with the Yingji worker's own options.
  const taskQueue = `bench-incidents-${randomBytes(3).toString('hex')}`;
  const native = await NativeConnection.connect({ address: info.temporal });
  assertPoolFitsSlots(db);
  const worker = await Worker.create({ ...WORKER_TUNING, connection: native, taskQueue, workflowsPath: require.resolve('./workflows'), activities: peerActivities(db) });
  const running = worker.run();
  const connection = await Connection.connect({ address: info.temporal });
  const client = new Client({ connection });
  const peerService = await startPeerService({ tokens: http, rows: http, client, taskQueue });

  const api = new ApiClient(info.api);
  const peerApi = new ApiClient(peerService.url);
  const ours = yingji(api.as(commander), api.as(oncall));
  const peer = fairPeer(peerApi.as(commander), peerApi.as(oncall));
  const all = new Map<string, Measured>([ours, peer].map((c) => [c.name, { launchSeconds: 0, transitions: [], singles: [], ids: [] }]));
  const bare: Measured = { launchSeconds: 0, transitions: [], singles: [], ids: [] };
  const BARE = 'bare Temporal, 1 Update (floor)';

  console.log(`bench/incidents: ${N} incidents of hello-drill, ${CONCURRENCY} at a time, ${ROUNDS} rounds, ${SAMPLES} single incidents per round; API ${info.api}, fair peer ${peerService.url}, Temporal ${info.temporal}`);
  console.log(`worker options (Yingji's and the peer's): ${JSON.stringify(WORKER_TUNING)}`);
  const perRound: string[] = [];
  const waits: string[] = [];
  try {
    for (const [r, order] of roundOrder(ROUNDS, peer, ours).entries()) {
      console.error(`round ${r + 1}: ${order.map((c) => c.name).join(', then ')}`);
      const b = await runBare(client, taskQueue, N, CONCURRENCY);
      const bs = await runBareSingle(client, taskQueue, SAMPLES);
      add(bare, N / b.launchesPerS, b.transitions, bs, []);
      perRound.push(`round ${r + 1} (${order[0] === peer ? 'peer first' : 'Yingji first'})`, row(BARE, figures({ launchSeconds: N / b.launchesPerS, transitions: b.transitions, singles: bs }, N)));
      for (const c of order as Contender[]) {
        const m = await runMany(c, N, CONCURRENCY);
        const { singles, ids } = await runSingle(c, SAMPLES);
        add(all.get(c.name)!, N / m.launchesPerS, m.transitions, singles, [...m.ids, ...ids]);
        perRound.push(row(c.name, figures({ launchSeconds: N / m.launchesPerS, transitions: m.transitions, singles }, N)));
      }
    }
    for (const c of [peer, ours]) waits.push(`  ${c.name.padEnd(NAME - 2)}${describeWaits(await queueWaits(client, c.name, all.get(c.name)!.ids))}`);
  } finally {
    await peerService.close();
    worker.shutdown();
    await running;
    await connection.close();
    await native.close();
    await db.query(DROP_PEER_SCHEMA);
    await Promise.all([db.destroy(), http.destroy()]);
    if (!already) await stopDetached(config);
  }

  const total = N * ROUNDS;
  const o = figures(all.get(ours.name)!, total);
  const p = figures(all.get(peer.name)!, total);
  const f = figures(bare, total);
  console.log('');
  console.log(header());
  for (const line of perRound) console.log(line);
  console.log(`all ${ROUNDS} rounds`);
  console.log(row(BARE, f));
  console.log(row(peer.name, p));
  console.log(row(ours.name, o));
  console.log(ratioRow('ratio Yingji / fair peer', o, p));
  console.log(ratioRow('ratio Yingji / bare floor', o, f));
  console.log(ratioRow('ratio fair peer / bare floor', p, f));
  console.log('(p50, p99: a task completed through HTTP until the next state (the review task) is readable; single: launch to that state, one incident at a time, median)');
  console.log('queues, from the incidents\' histories (time a task sat scheduled before a worker started it):');
  for (const line of waits) console.log(line);
  console.log('');
  const verdicts = criteria(o, p);
  for (const v of verdicts) console.log(`${v.pass ? 'PASS' : 'FAIL'}  ${v.what.padEnd(40)} Yingji / fair peer ${v.ratio.toFixed(2)} (${v.limit})`);
}

function add(m: Measured, launchSeconds: number, transitions: number[], singles: number[], ids: string[]) {
  m.launchSeconds += launchSeconds;
  m.ids.push(...ids);
  m.transitions.push(...transitions);
  m.singles.push(...singles);
}

const NAME = 40;
const col = (s: string) => s.padStart(11);
const header = () => `${''.padEnd(NAME)}${col('launches/s')}${col('p50 ms')}${col('p99 ms')}${col('single ms')}`;
const row = (name: string, x: Figures) => `  ${name.padEnd(NAME - 2)}${col(x.launchesPerS.toFixed(1))}${col(x.p50.toFixed(1))}${col(x.p99.toFixed(1))}${col(x.singleMs.toFixed(1))}`;
const ratioRow = (name: string, a: Figures, b: Figures) =>
  `${name.padEnd(NAME)}${col((a.launchesPerS / b.launchesPerS).toFixed(2))}${col((a.p50 / b.p50).toFixed(2))}${col((a.p99 / b.p99).toFixed(2))}${col((a.singleMs / b.singleMs).toFixed(2))}`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

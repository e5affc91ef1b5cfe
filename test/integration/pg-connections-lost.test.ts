// A long-running process keeps a pool of PostgreSQL connections. When the server ends the idle ones
// (a restart, a failover, an operator terminating backends), the process says so and goes on: the
// next call connects anew. Before, pg's error on an idle connection ended the whole process.
import { randomBytes } from 'node:crypto';
import { createTaxPlatformClient } from '../../activities/tax-platform';
import { startTaxPlatform } from '../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../apps/tax-platform/src';
import { mulberry32, randomCreditCode } from '../../domain/einvoice';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { eventually } from './support/harness';

const SIM_DB = `tp_lost_${randomBytes(4).toString('hex')}`;
const TOKEN = 'connections-lost-admin-secret';
let sim: RunningTaxPlatform;

beforeAll(async () => {
  sim = await startTaxPlatform({ databaseUrl: urlOf(SIM_DB), port: 0, adminToken: TOKEN });
});

afterAll(async () => {
  await sim?.stop();
  await dropDatabase(adminUrl(), SIM_DB);
});

it('the tax-platform simulator answers again after PostgreSQL terminates its idle connections, and warns that it lost them', async () => {
  const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  const client = createTaxPlatformClient({ baseUrl: sim.url, taxpayer: randomCreditCode(mulberry32(7), '110108'), tenant: 'lost', adminToken: TOKEN });
  expect((await client.sim.stats()).total).toMatchObject({ uploads: 0 });

  const [{ n }] = await queryUrl<{ n: number }>(adminUrl(), `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1`, [SIM_DB]);
  expect(n).toBeGreaterThan(0);
  const lost = await eventually('the simulator to warn that it lost a connection', async () =>
    warned.mock.calls.map((c) => String(c[0])).find((m) => m.includes("an idle connection to the simulator's database was lost")),
  );
  expect(lost).toMatch(/terminating connection due to administrator command/);

  expect((await client.sim.stats()).total).toMatchObject({ uploads: 0 });
  warned.mockRestore();
});

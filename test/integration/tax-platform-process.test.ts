// The simulator as its own process (apps/tax-platform/src/main.ts), configured from the
// environment as the stack will run it: it creates and migrates its database, serves on loopback,
// stops on SIGTERM, and refuses to open its admin calls beyond loopback without a secret.
import { randomBytes } from 'node:crypto';
import { TAX_PLATFORM_MIGRATIONS } from '../../migrations/tax-platform';
import { dropDatabase } from '../../scripts/stack/postgres';
import { adminUrl, queryUrl, urlOf } from './support/databases';
import { freePort } from '../../scripts/stack/ports';
import { runMain } from './support/ts-process';

const DB = `tp_proc_${randomBytes(4).toString('hex')}`;
const run = (env: NodeJS.ProcessEnv) => runMain('apps/tax-platform/src/main.ts', env);

afterAll(() => dropDatabase(adminUrl(), DB));

describe('tax-platform simulator process', () => {
  it('starts from its environment on a new database, answers on loopback and stops on SIGTERM', async () => {
    const port = await freePort();
    const p = run({ TAX_PLATFORM_DATABASE_URL: urlOf(DB), TAX_PLATFORM_PORT: String(port), TAX_PLATFORM_ADMIN_TOKEN: 'proc-secret' });
    const deadline = Date.now() + 60_000;
    while (!p.output().includes('tax-platform: listening') && Date.now() < deadline && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(p.output()).toContain(`tax-platform: listening on http://127.0.0.1:${port}`);

    const res = await fetch(`http://127.0.0.1:${port}/_sim/stats`, { headers: { authorization: 'Bearer proc-secret', 'x-sim-tenant': 'drill-1' } });
    expect(await res.json()).toMatchObject({ code: '00', data: { tenant: 'drill-1', total: { uploads: 0 } } });
    // Every migration of the simulator's own, applied to its new database on start.
    expect(await queryUrl(urlOf(DB), 'SELECT name FROM tax_platform_migrations ORDER BY id')).toEqual(TAX_PLATFORM_MIGRATIONS.map((m) => ({ name: m.name })));

    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('refuses to start on a non-loopback address without TAX_PLATFORM_ADMIN_TOKEN', async () => {
    const p = run({ TAX_PLATFORM_DATABASE_URL: urlOf(DB), TAX_PLATFORM_PORT: '0', TAX_PLATFORM_HOST: '0.0.0.0', TAX_PLATFORM_ADMIN_TOKEN: '' });
    expect(await p.exited).toBe(1);
    expect(p.output()).toContain('tax-platform failed: listening on 0.0.0.0 needs TAX_PLATFORM_ADMIN_TOKEN');
  });
});

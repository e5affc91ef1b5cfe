// revokeAccess without a database: bad input is refused naming what and where before anything is
// touched; a drill says what it would revoke and touches nothing.
import type { DataSource } from 'typeorm';
import { createAccessActions } from '../../activities/access/revoke-action';
import type { ActionRequest } from '../../activities/actions/actions.activities';
import { parsePlan } from '../../domain/plan/parse-plan';
import * as fs from 'node:fs';
import * as path from 'node:path';

const noDb = new Proxy({}, { get: () => { throw new Error('the database was used'); } }) as DataSource;
const revoke = createAccessActions(noDb, { invoiceDatabaseUrl: 'postgres://nobody@127.0.0.1:1/none' }).revokeAccess;
const req = (w: Record<string, unknown>, mode = 'live'): ActionRequest => ({ incidentId: 'inc-1', stepId: 'revoke-access', action: 'revokeAccess', with: w, mode });

describe('revokeAccess refuses bad input before touching anything', () => {
  it.each([
    [{ kinds: ['api-tokens'], principals: ['a'], roles: ['x'] }, 'revokeAccess: unknown with key(s) roles; it takes kinds, principals, teams, databaseRoles'],
    [{ kinds: ['api-token'], principals: ['a'] }, 'revokeAccess: with.kinds has unknown value(s) api-token; expected api-tokens, db-credentials, sessions, service-accounts, partner-access'],
    [{ kinds: ['api-tokens'] }, 'revokeAccess: api-tokens needs principals (people, or "all") or teams whose tokens to revoke'],
    [{ kinds: ['db-credentials'], principals: ['a'] }, 'revokeAccess: db-credentials and sessions need databaseRoles (the login roles of the invoice database)'],
    [{ kinds: ['db-credentials'], databaseRoles: ['ok', 'x; DROP TABLE invoices'] }, 'revokeAccess: with.databaseRoles has names that are not account names: "x; DROP TABLE invoices"'],
    [{ kinds: ['api-tokens'], principals: 42 }, 'revokeAccess: with.principals must be a list of names or "all", not 42'],
  ])('%j', async (w, message) => {
    await expect(revoke(req(w))).rejects.toThrow(message);
  });
});

it('in a drill: tokens and server-wide roles are production\'s, so it only says what it would revoke', async () => {
  const r = await revoke(req({ kinds: ['api-tokens', 'db-credentials'], principals: 'wang-a, li-b', databaseRoles: ['etl_reader'] }, 'live-drill'));
  expect(r.outcome).toBe(
    "演练中不执行 not run in a drill (its tokens and the server-wide database roles are production's): would revoke api-tokens, db-credentials of people wang-a, li-b; database roles etl_reader",
  );
});

it('`yingji plan check` refuses a revoke-access step that names nobody', () => {
  const file = path.join(__dirname, '../../plans/einvoice-data-leak.yaml');
  const text = fs.readFileSync(file, 'utf8').replace(', principals: { fact: suspectedAccounts }, databaseRoles: { fact: suspectedDatabaseRoles }', '');
  const res = parsePlan(text, { file: 'einvoice-data-leak.yaml', env: {} });
  expect(res.ok).toBe(false);
  if (res.ok) return;
  expect(res.problems.map((p) => p.message)).toEqual(
    expect.arrayContaining([expect.stringContaining('api-tokens needs principals or teams'), expect.stringContaining('db-credentials and sessions need databaseRoles')]),
  );
});

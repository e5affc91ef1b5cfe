// A harness whose plans act on a real invoice database and a real tax-platform simulator of the
// test file's own (TAX_PLATFORM_URL and INVOICE_DATABASE_URL point at them), and the people who
// answer its incidents through the API: a commander and one simulated responder per team.
import { randomBytes } from 'node:crypto';
import { prepareInvoiceDatabase } from '../../../activities/invoices/database';
import { issueToken } from '../../../apps/api/src/auth/token-store';
import { ApiClient } from '../../../apps/cli/src/api-client';
import { directoryTeams } from '../../../apps/cli/src/simulation';
import { startTaxPlatform } from '../../../apps/tax-platform/src';
import type { RunningTaxPlatform } from '../../../apps/tax-platform/src';
import { dropDatabase } from '../../../scripts/stack/postgres';
import { adminUrl, urlOf } from './databases';
import { Harness, startHarness } from './harness';

export interface EinvoiceWorld {
  h: Harness;
  sim: RunningTaxPlatform;
  /** The invoice database the plans' actions work on. */
  invoiceUrl: string;
  close(): Promise<void>;
}

export async function startEinvoiceWorld(name: string): Promise<EinvoiceWorld> {
  const run = `${name}_${randomBytes(4).toString('hex')}`;
  const simDb = `${run}_sim`;
  const invoiceDb = `${run}_invoices`;
  const sim = await startTaxPlatform({ databaseUrl: urlOf(simDb), port: 0 });
  await prepareInvoiceDatabase(urlOf(invoiceDb));
  process.env.TAX_PLATFORM_URL = sim.url;
  process.env.INVOICE_DATABASE_URL = urlOf(invoiceDb);
  const h = await startHarness();
  return {
    h,
    sim,
    invoiceUrl: urlOf(invoiceDb),
    async close() {
      await h.close();
      await sim.stop();
      delete process.env.TAX_PLATFORM_URL;
      delete process.env.INVOICE_DATABASE_URL;
      await dropDatabase(adminUrl(), simDb);
      await dropDatabase(adminUrl(), invoiceDb);
    },
  };
}

/** A commander (of `commanderTeams`) and one responder per team of the directory, by team. */
export async function responders(h: Harness, opts: { commanderTeams?: string[]; simulated?: boolean } = {}): Promise<{ commander: ApiClient; teams: Record<string, ApiClient> }> {
  const api = new ApiClient(h.baseUrl);
  const token = async (person: string, roles: string[], teams: string[]) => (await issueToken(h.db, { person, teams, roles, createdBy: 'test', simulated: opts.simulated })).token;
  const commander = api.as(await token('li-na', ['commander'], opts.commanderTeams ?? ['tax-sync']));
  const teams: Record<string, ApiClient> = {};
  for (const team of directoryTeams(h.config.directoryFile)) teams[team] = api.as(await token(`sim-${team}`, ['responder'], [team]));
  return { commander, teams };
}

// Simulated responders need tokens: one per team of the directory, plus a commander. Issued
// straight into the database, so only someone who runs the stack (its admin) can simulate.
import { loadDirectoryFile } from '../../../domain/plan/load-plans';
import { planVariables } from '../../../domain/yaml/plan-variables';
import { issueToken } from '../../api/src/auth/token-store';
import type { YingjiConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';
import { ApiClient } from './api-client';

/** The teams of the team directory: one simulated responder each. */
export function directoryTeams(file: string): string[] {
  const loaded = loadDirectoryFile(file, planVariables(process.env));
  if (!loaded.ok) throw new Error(`the team directory ${file} has problems: ${loaded.problems.map((p) => p.message).join('; ')}`);
  return Object.keys(loaded.directory.teams);
}

/** Short-lived tokens for the commander and one simulated responder per team (issued directly: we are the admin here). */
async function simulationTokens(config: YingjiConfig): Promise<{ commander: string; teams: Record<string, string> }> {
  const ds = createDataSource(config.databaseUrl);
  await ds.initialize();
  try {
    const issue = async (person: string, roles: string[], teams: string[]) =>
      (await issueToken(ds, { person, roles, teams, expiresIn: '2h', createdBy: 'yingji simulation', simulated: true })).token;
    const teams: Record<string, string> = {};
    for (const team of directoryTeams(config.directoryFile)) teams[team] = await issue(`sim-${team}`, ['responder'], [team]);
    return { commander: await issue('zhang-wei', ['commander'], ['it-ops']), teams };
  } finally {
    await ds.destroy();
  }
}


/** API clients acting as the commander and as each team's simulated responder. */
export interface SimulatedPeople {
  commanderToken: string;
  commander: ApiClient;
  teams: Record<string, ApiClient>;
}

export async function simulatedPeople(config: YingjiConfig, apiUrl: string): Promise<SimulatedPeople> {
  const tokens = await simulationTokens(config);
  const api = new ApiClient(apiUrl);
  return { commanderToken: tokens.commander, commander: api.as(tokens.commander), teams: Object.fromEntries(Object.entries(tokens.teams).map(([team, t]) => [team, api.as(t)])) };
}

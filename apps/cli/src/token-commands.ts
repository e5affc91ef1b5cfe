import { Command } from 'commander';
import { issueToken, listTokens, revokeToken } from '../../api/src/auth/token-store';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';
import { directoryTeams } from './simulation';

const collect = (v: string, prev: string[]) => [...prev, v];

async function withDb<T>(fn: (ds: ReturnType<typeof createDataSource>) => Promise<T>): Promise<T> {
  const ds = createDataSource(loadConfig().databaseUrl);
  await ds.initialize();
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

/** `yingji token ...`: an administrator's commands, run where the database is reachable. */
export function tokenCommands(): Command {
  const cmd = new Command('token').description('issue, list and revoke API tokens (administrators; talks to the database directly)');
  cmd
    .command('create')
    .description('issue a token; it is printed once and only its hash is stored')
    .requiredOption('--person <id>', 'the person the token names')
    .option('--team <team>', 'a team of theirs, from the team directory (YINGJI_DIRECTORY; repeat for several)', collect, [])
    .option('--role <role>', 'commander | responder | manager | auditor | admin | intake (repeat for several; intake: a monitoring system that may only post alerts)', collect, [])
    .option('--expires <duration>', 'lifetime, e.g. 12h or 30d (at most 365d)', '30d')
    .option('--by <admin>', 'who issues it (recorded in the audit trail)', process.env.USER || 'admin')
    .action(async (o: { person: string; team: string[]; role: string[]; expires: string; by: string }) => {
      // The directory people are paged from is the one a token's teams must come from.
      const knownTeams = directoryTeams(loadConfig().directoryFile);
      const { token, info } = await withDb((ds) => issueToken(ds, { person: o.person, teams: o.team, roles: o.role, expiresIn: o.expires, createdBy: o.by, knownTeams }));
      console.log(token);
      console.error(`token ${info.id} for ${info.person} (${info.roles.join(', ')}; teams ${info.teams.join(', ') || '-'}) expires ${info.expiresAt.toISOString()}`);
    });
  cmd
    .command('list')
    .description('tokens with their person, teams, roles and state (never the secret)')
    .action(async () => {
      for (const t of await withDb((ds) => listTokens(ds))) {
        const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : t.expiresAt < new Date() ? 'expired' : `expires ${t.expiresAt.toISOString()}`;
        console.log(`${t.id}  ${t.person.padEnd(16)} ${t.roles.join(',').padEnd(20)} ${t.teams.join(',').padEnd(20)} ${state}`);
      }
    });
  cmd
    .command('revoke <id>')
    .description('revoke a token at once')
    .option('--by <admin>', 'who revokes it', process.env.USER || 'admin')
    .action(async (id: string, o: { by: string }) => {
      await withDb((ds) => revokeToken(ds, id, o.by));
      console.log(`token ${id} revoked`);
    });
  return cmd;
}

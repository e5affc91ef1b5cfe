// revokeAccess: the Yingji API tokens of named people and teams, and the invoice database's login
// roles the plan names. Each revocation is audited (actor `incident <id>`) and listed in the outcome;
// a second run finds them already revoked and says so. What was asked but not done (a kind that is
// not built, a role that does not exist) fails the step, naming it, after the rest is done.
import type { DataSource } from 'typeorm';
import type { YingjiConfig } from '../../apps/shared/config';
import type { ActionRequest, ActionResult } from '../actions/actions.activities';
import { doneOrFail, nameList, onlyKnownKeys, refuse, wordList } from './action-input';
import { disableRoles, RoleResult } from './disable-roles';
import { revokeTokens, TokenRevocation } from './revoke-tokens';

const KEYS = ['kinds', 'principals', 'teams', 'databaseRoles'] as const;
const BUILT = ['api-tokens', 'db-credentials', 'sessions'] as const;
/** Kinds the plan format knows that Yingji cannot revoke by itself, with why. */
const NOT_BUILT: Record<string, string> = {
  'service-accounts': 'service-accounts: Yingji manages no service accounts; disable them where they are defined',
  'partner-access': 'partner-access: partners reach the invoice system outside Yingji; withdraw their access at the partner gateway',
};

export function createAccessActions(ds: DataSource, config: Pick<YingjiConfig, 'invoiceDatabaseUrl'>) {
  return {
    revokeAccess: async (req: ActionRequest): Promise<ActionResult> => {
      onlyKnownKeys(req, KEYS);
      const kinds = wordList(req, 'kinds', [...BUILT, ...Object.keys(NOT_BUILT)]);
      const principals = await nameList(ds, req, 'principals', { all: true });
      const teams = await nameList(ds, req, 'teams');
      const roles = await nameList(ds, req, 'databaseRoles');
      const tokens = kinds.includes('api-tokens');
      const dbKinds = kinds.includes('db-credentials') || kinds.includes('sessions');
      if (tokens && principals === undefined && teams === undefined) throw refuse('revokeAccess: api-tokens needs principals (people, or "all") or teams whose tokens to revoke');
      if (dbKinds && roles === undefined) throw refuse('revokeAccess: db-credentials and sessions need databaseRoles (the login roles of the invoice database)');
      const who = describe(principals, teams, roles);

      // Tokens and roles are production's, shared by every drill: a drill says what it would revoke.
      if (req.mode !== 'live') {
        return { outcome: `演练中不执行 not run in a drill (its tokens and the server-wide database roles are production's): would revoke ${kinds.join(', ')} of ${who}` };
      }
      const by = { incidentId: req.incidentId, stepId: req.stepId };
      const done: string[] = [];
      const notDone = kinds.filter((k) => NOT_BUILT[k]).map((k) => NOT_BUILT[k]);
      let tokenResult: TokenRevocation | undefined;
      let roleResults: RoleResult[] = [];
      if (tokens) {
        tokenResult = await revokeTokens(ds, by, { principals, teams: teams === 'all' ? undefined : teams });
        done.push(...tokenLines(tokenResult));
      }
      if (dbKinds && roles !== 'all' && roles?.length) {
        roleResults = await disableRoles(ds, config.invoiceDatabaseUrl, by, roles, { nologin: kinds.includes('db-credentials') });
        for (const r of roleResults) (r.why ? notDone : done).push(r.why ?? roleLine(r));
      }
      const outcome = doneOrFail('revokeAccess', done, notDone);
      return { outcome, data: { tokens: tokenResult, databaseRoles: roleResults } };
    },
  };
}

function describe(principals?: string[] | 'all', teams?: string[] | 'all', roles?: string[] | 'all'): string {
  const parts = [
    principals === 'all' ? 'everyone' : principals?.length ? `people ${principals.join(', ')}` : '',
    Array.isArray(teams) && teams.length ? `teams ${teams.join(', ')}` : '',
    Array.isArray(roles) && roles.length ? `database roles ${roles.join(', ')}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'nobody';
}

function tokenLines(t: TokenRevocation): string[] {
  const list = (xs: Array<{ id: string; person: string }>) => xs.map((x) => `${x.id} (${x.person})`).join(', ');
  return [
    t.revoked.length ? `revoked ${t.revoked.length} Yingji token(s): ${list(t.revoked)}` : 'no Yingji token left to revoke',
    t.alreadyRevoked.length ? `${t.alreadyRevoked.length} already revoked: ${list(t.alreadyRevoked)}` : '',
    t.kept.length ? `kept ${list(t.kept)}: the person who launched this incident (revoke by hand with yingji token revoke once someone else commands)` : '',
    t.noToken.length ? `no Yingji token held by ${t.noToken.join(', ')}` : '',
  ].filter(Boolean);
}

function roleLine(r: RoleResult): string {
  const sessions = `${r.sessionsEnded} open session(s) ended`;
  if (r.state === 'disabled') return `database role ${r.role} can no longer log in (${sessions})`;
  if (r.state === 'already') return `database role ${r.role} already could not log in (${sessions})`;
  return `database role ${r.role}: ${sessions}`;
}

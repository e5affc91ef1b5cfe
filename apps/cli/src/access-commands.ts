import { Command } from 'commander';
import { accessReview, AccessReviewReport } from '../../api/src/access-review/access-review.service';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';
import { apiClient } from './session';

interface DecisionResult {
  task: { id: string; state: string; outcome: string | null };
  pending: string[];
  revoked: boolean;
}

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : 'never');

function state(t: AccessReviewReport['tokens'][number], now: Date): string {
  if (t.revokedAt) return `revoked ${when(t.revokedAt)}`;
  return t.expiresAt <= now ? `EXPIRED ${when(t.expiresAt)}` : `expires ${when(t.expiresAt)}`;
}

/** The review as a reader scans it: the tokens, then what should go. */
export function printAccessReview(r: AccessReviewReport): void {
  console.log(`${'token'.padEnd(17)} ${'person'.padEnd(16)} ${'roles'.padEnd(20)} ${'teams'.padEnd(20)} ${'last used'.padEnd(17)} state`);
  for (const t of r.tokens) {
    console.log(`${t.id.padEnd(17)} ${t.person.padEnd(16)} ${t.roles.join(',').padEnd(20)} ${(t.teams.join(',') || '-').padEnd(20)} ${when(t.lastUsedAt).padEnd(17)} ${state(t, r.at)}`);
  }
  console.log('');
  if (r.findings.length === 0) {
    console.log(`no findings: no grant unused for more than ${r.staleDays} days, none expired but not revoked, nobody both admin and auditor`);
    return;
  }
  console.log(`${r.findings.length} finding(s):`);
  for (const f of r.findings) console.log(`  ${f.kind.padEnd(20)} ${f.tokenId}  ${f.person}: ${f.why}`);
}

/** `yingji access review`: reads the database directly, like `yingji token list`. */
export function accessCommands(): Command {
  const cmd = new Command('access').description('review who can do what (talks to the database directly)');
  cmd
    .command('review')
    .description(
      'every person, token, role and team, when each token was last used, and the grants to take away: ' +
        'stale (unused for more than YINGJI_ACCESS_STALE_DAYS, default 90), expired but not revoked, admin together with auditor',
    )
    .option('--json', 'print the review as JSON')
    .action(async (o: { json?: boolean }) => {
      const ds = createDataSource(loadConfig().databaseUrl);
      await ds.initialize();
      try {
        const r = await accessReview(ds);
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printAccessReview(r);
      } finally {
        await ds.destroy();
      }
    });
  cmd
    .command('decide <review> <token> <decision>')
    .description(
      'keep or revoke one grant of a scheduled access review (a routine task of security; `yingji routine-tasks` lists them), as you through the API: ' +
        'revoke stops the token at once; keep leaves it out of the reviews until its finding changes or YINGJI_ACCESS_KEEP_DAYS (default 90) pass',
    )
    .requiredOption('--reason <text>', 'why (kept with the decision and in the audit trail)')
    .action(async (review: string, token: string, decision: string, o: { reason: string }) => {
      const r = await apiClient().post<DecisionResult>(`/access/reviews/${encodeURIComponent(review)}/decisions`, { tokenId: token, decision, reason: o.reason });
      console.log(`${decision} ${token}${r.revoked ? ' (revoked now)' : ''}`);
      console.log(r.task.state === 'closed' ? `review ${r.task.id} closed: ${r.task.outcome}` : `review ${r.task.id}: ${r.pending.length} still to decide (${r.pending.join(', ')})`);
    });
  return cmd;
}

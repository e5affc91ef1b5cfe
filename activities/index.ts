// The type surface workflows import (`import type`), and the one factory the worker wires.
import type { DataSource } from 'typeorm';
import type { YingjiConfig } from '../apps/shared/config';
import { createAccessReviewActivities } from './access-review/access-review';
import { createActionActivities } from './actions/actions.activities';
import { createAccessActions } from './access/revoke-action';
import { createKeyRotationActions } from './access/rotate-keys-action';
import { createBackupActivities } from './backup/backup.activities';
import { createComplianceActivities } from './compliance/compliance.activities';
import { createDrillActivities } from './drills/drill.activities';
import { createEvidenceActions } from './evidence/snapshot-action';
import { createReconcileActions } from './invoices/reconcile-action';
import { createTaxSyncActivities } from './invoices/sync.activities';
import { loadKeyring } from './backup/keys/keyring';
import type { BackupStore } from './backup/store';
import { createNotifyActivities } from './notify/notify.activities';
import { keepAlive } from './heartbeat';
import { createRecordActivities } from './records/records.activities';
import { createAuditDigestActivities } from './records/audit-digest';
import { createResponsibilityActivities } from './responsibility/responsibility.activities';

export type { RecordActivities } from './records/records.activities';

export function createActivities(
  ds: DataSource,
  config: Pick<YingjiConfig, 'directoryFile' | 'dataDir' | 'webhook' | 'webhookEgress' | 'invoiceDatabaseUrl' | 'drillDatabaseUrl' | 'taxPlatformUrl'>,
  backups: { store: BackupStore; keyring?: () => ReturnType<typeof loadKeyring> },
) {
  const notify = createNotifyActivities(ds, { webhook: config.webhook, egress: config.webhookEgress });
  const backup = heartbeating(createBackupActivities({ catalog: ds, store: backups.store, keyring: backups.keyring ?? (() => loadKeyring(process.env)), config }));
  const taxSync = createTaxSyncActivities(config);
  return {
    ...createRecordActivities(ds),
    // writeAuditDigest: the yingji-audit-digest schedule signs every audit stream's head.
    ...createAuditDigestActivities(ds),
    ...backup,
    ...heartbeating(createDrillActivities(ds, config)),
    ...createResponsibilityActivities(config.directoryFile),
    // The scheduled access review: a routine task for security with the grants to keep or revoke.
    ...createAccessReviewActivities(ds),
    // The scheduled compliance run: checks, and a routine task per failing check for its owner.
    ...createComplianceActivities(ds, config),
    // One sync pass with the tax platform (the schedule's, or a resync); it heartbeats its progress.
    ...heartbeating(taxSync.activities),
    // restoreByPriority runs as a child workflow (workflows/restore-by-priority.workflow.ts), not here.
    ...createActionActivities({
      // freezeIssuing, resumeIssuing, resyncTaxPlatform (a live drill: its sandbox and simulator tenant).
      ...taxSync.actions,
      // reconcileInvoices: one finance task per truly missing invoice (its follow-ups).
      ...createReconcileActions(config),
      // snapshotEvidence: the incident's records sealed with a SHA-256 manifest, kept with the backups.
      ...createEvidenceActions(ds, backups.store),
      // revokeAccess (tokens, invoice-database roles) and rotateKeys (a new current backup key in the key file).
      ...createAccessActions(ds, config),
      ...createKeyRotationActions(ds, backups.keyring ?? (() => loadKeyring(process.env))),
      takeBackup: async (req) => {
        if (req.mode !== 'live') return { outcome: '演练中不执行 not run in a drill: a backup would join production\'s backup catalog and chains' };
        const kind = req.with.kind === 'incremental' || req.with.kind === 'differential' ? req.with.kind : 'full';
        const r = await backup.takeInvoiceBackup({ kind, by: `incident ${req.incidentId}` });
        return { outcome: `took ${r.kind} backup ${r.id} (${Object.values(r.rowCounts).reduce((a, b) => a + b, 0)} rows)`, data: r };
      },
      // A live drill's automated steps work on its sandbox (req.target), never on production.
      verifyRestore: async (req) => {
        const r = await backup.verifyRestoredInvoices({ target: req.target ?? 'invoices', restorePrefix: `${req.incidentId}.` });
        const checked = r.classes.filter((c) => c.digestMatches).length;
        return { outcome: `restore ${r.restoreId} verified: ${r.rows} invoices as written${checked ? `; ${checked} classes match the backup's counts and digests` : ''}` };
      },
      verifyBackup: async (req) => {
        const backupId = typeof req.with.backup === 'string' && req.with.backup !== 'latest' ? req.with.backup : undefined;
        const plan = await backup.planRestore({ backupId });
        const v = await backup.verifyBackupChain({ chain: plan.chain });
        return { outcome: `backup chain ${plan.chain.join(' -> ')} verified: ${v.chunks} chunks, ${v.rows} rows` };
      },
    }),
    // The deployment's webhook (YINGJI_WEBHOOK_URL): the plain `webhook` channel falls back to it, and
    // deployment alerts (a failed recovery test) go to it.
    ...notify,
  };
}

export type Activities = ReturnType<typeof createActivities>;

/** Every activity of the group heartbeats while it runs (see keepAlive). */
function heartbeating<T extends object>(acts: T): T {
  return Object.fromEntries(
    Object.entries(acts).map(([name, fn]) => [name, (...args: unknown[]) => keepAlive(() => (fn as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as T;
}

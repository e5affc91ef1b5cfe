// rotateKeys: a new backup key becomes current in the key file; every older key stays in it, so
// every older backup stays readable. Only the key id and its public check fingerprint are ever shown
// or recorded, never the secret. Keys Yingji does not hold are named as not rotated (the step fails).
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ActionRequest, ActionResult } from '../actions/actions.activities';
import { Keyring, KEY_ID_RE, readKeyFile, rotateKeyFile } from '../backup/keys/keyring';
import { appendAudit } from '../records/audit-log';
import { doneOrFail, flag, onlyKnownKeys, refuse, wordList } from './action-input';

const KEYS = ['keys', 'keepOldForReading', 'reencryptLatest'] as const;
/** One secret per backup key id derives both the chunk key and the manifest key (keyring.ts). */
const BACKUP_KEYS = ['backup-encryption', 'manifest-signing'];
const NOT_HELD: Record<string, string> = {
  'api-signing': 'api-signing: Yingji signs no API tokens (each is a random secret whose SHA-256 is stored); revoke suspected tokens with revokeAccess',
  'database-credentials': 'database-credentials: the database passwords are in the deployment\'s environment (DATABASE_URL, INVOICE_DATABASE_URL); change them in PostgreSQL and there',
  'tax-platform-credentials': 'tax-platform-credentials: the tax platform login is the deployment\'s setting (TAX_PLATFORM_URL and its account); change it with the platform and there',
};

export function createKeyRotationActions(ds: DataSource, keyring: () => Keyring) {
  return {
    rotateKeys: async (req: ActionRequest): Promise<ActionResult> => {
      onlyKnownKeys(req, KEYS);
      const keys = wordList(req, 'keys', [...BACKUP_KEYS, ...Object.keys(NOT_HELD)]);
      if (flag(req, 'keepOldForReading') === false) {
        throw refuse('rotateKeys: keepOldForReading: false is refused: every backup written under an old key would become unreadable; remove an old key by hand once no backup needs it');
      }
      if (flag(req, 'reencryptLatest') === true) throw refuse('rotateKeys: reencryptLatest is not built yet: take a new full backup after the rotation instead (it is written under the new key)');
      if (req.mode !== 'live') return { outcome: `演练中不执行 not run in a drill: the backup keys are production's; would rotate ${keys.join(', ')}` };

      const done: string[] = [];
      const notDone = keys.filter((k) => NOT_HELD[k]).map((k) => NOT_HELD[k]);
      let data: Record<string, unknown> = {};
      if (keys.some((k) => BACKUP_KEYS.includes(k))) {
        const r = await rotateBackupKey(ds, keyring(), req);
        data = r;
        done.push(
          `${r.rotated ? 'backup key' : 'already rotated: backup key'} ${r.keyId} (check ${r.check}) is ${r.current ? 'current' : 'in the key file'}; ` +
            `${r.keptForReading.length} older key(s) kept for reading older backups: ${r.keptForReading.join(', ')}`,
        );
      }
      return { outcome: doneOrFail('rotateKeys', done, notDone), data };
    },
  };
}

/**
 * The new key's id names the incident and step (`inc-20261202-ab12cd.rotate-keys`), so a retried
 * activity finds the key it already added instead of adding a second one.
 */
export function rotationKeyId(incidentId: string, stepId: string): string {
  const id = `${incidentId}.${stepId}`;
  return KEY_ID_RE.test(id) ? id : `${incidentId.slice(0, 40)}.${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
}

async function rotateBackupKey(ds: DataSource, before: Keyring, req: ActionRequest) {
  if (!before.file) {
    throw refuse(`rotateKeys: the backup keys come from ${before.source} (the environment), where a new key cannot be stored; use a key file (YINGJI_BACKUP_KEYS_FILE) to rotate`);
  }
  const keyId = rotationKeyId(req.incidentId, req.stepId);
  const rotated = !before.has(keyId);
  if (rotated) rotateKeyFile(before.file, keyId);
  const after = readKeyFile(before.file);
  const previous = before.current().id;
  const result = {
    rotated,
    keyId,
    check: after.get(keyId).check,
    current: after.current().id === keyId,
    previous: rotated ? previous : undefined,
    keptForReading: after.ids().filter((id) => id !== keyId),
    keyFile: before.file,
  };
  await ds.transaction((em) =>
    appendAudit(em, {
      key: `${req.incidentId}.${req.stepId}.backup-key`,
      at: new Date(),
      actor: `incident ${req.incidentId}`,
      action: 'backup-key.rotate',
      subjectType: 'backup-key',
      subjectId: keyId,
      outcome: 'ok',
      detail: { check: result.check, previous, keptForReading: result.keptForReading, keyFile: before.file, incident: req.incidentId, step: req.stepId },
    }),
  );
  return result;
}

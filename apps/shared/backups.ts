import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateKeyFile, Keyring, loadKeyring } from '../../activities/backup/keys/keyring';
import { DirectoryStore } from '../../activities/backup/store';
import type { DataSource } from 'typeorm';
import type { YingjiConfig } from './config';

/**
 * Backup keys: YINGJI_BACKUP_KEYS_FILE or YINGJI_BACKUP_KEY; with neither, the embedded stack keeps
 * a key file in its data folder (created once, mode 0600), never inside a backup.
 */
export function backupKeyring(config: Pick<YingjiConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): Keyring {
  const file = path.join(config.dataDir, 'backup-keys.json');
  if (!env.YINGJI_BACKUP_KEYS_FILE && !env.YINGJI_BACKUP_KEY && !fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    generateKeyFile(file);
    console.error(`created backup key file ${file} (mode 0600); keep a copy outside this machine: backups cannot be read without it`);
  }
  return existingBackupKeyring(config, env);
}

/** The keyring backupKeyring gives, for those who only read it (compliance): never makes a key file. */
export function existingBackupKeyring(config: Pick<YingjiConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): Keyring {
  if (env.YINGJI_BACKUP_KEYS_FILE || env.YINGJI_BACKUP_KEY) return loadKeyring(env);
  return loadKeyring({ YINGJI_BACKUP_KEYS_FILE: path.join(config.dataDir, 'backup-keys.json') });
}

/** Where backups live: YINGJI_BACKUP_DIR, else the data folder's `backups/`. */
export function backupStore(config: Pick<YingjiConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): DirectoryStore {
  const dir = env.YINGJI_BACKUP_DIR || path.join(config.dataDir, 'backups');
  fs.mkdirSync(dir, { recursive: true });
  return new DirectoryStore(dir);
}

/** Everything takeBackup needs, from the configuration and an open catalog (Yingji database). */
export function backupDeps(config: Pick<YingjiConfig, 'dataDir' | 'invoiceDatabaseUrl' | 'drillDatabaseUrl'>, catalog: DataSource) {
  return { invoiceUrl: config.invoiceDatabaseUrl, catalog, store: backupStore(config), keyring: backupKeyring(config) };
}

/** The rule for restore targets, as every refusal states it. */
export const RESTORE_TARGET_RULE =
  'a restore goes into "invoices" (the configured invoice database) or into a database created for the restore, whose name has the word restore or scratch in it (e.g. scratch_0612, restore_0612)';

const OWNED_NAME = /(^|_)(restore|scratch)(_|$)/;
const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));

/**
 * Why `target` may not be restored into, or undefined when it may. Preparing a target migrates it,
 * may rebuild its schema and, with replace, empties its invoices: only the invoice database and
 * databases the project creates for a restore qualify, never Yingji's own database, PostgreSQL's
 * (postgres, template0, template1) or a drill's sandbox (only its own drill restores into it).
 */
export function restoreTargetRefusal(target: string, config: Pick<YingjiConfig, 'databaseUrl' | 'invoiceDatabaseUrl'>): string | undefined {
  if (target === 'invoices') return undefined;
  const refused = (why: string) => `restore target "${target}" is refused: ${why}; ${RESTORE_TARGET_RULE}`;
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(target)) return refused('it is not a database name (a-z, 0-9, _; starting with a letter)');
  if (['postgres', 'template0', 'template1'].includes(target)) return refused("it is one of PostgreSQL's own databases");
  if (target === databaseOf(config.databaseUrl)) return refused("it is Yingji's own database (incidents, audit trail, tokens)");
  if (target === databaseOf(config.invoiceDatabaseUrl)) return refused('it is the invoice database by its own name: call it "invoices"');
  if (target.startsWith('drill_')) return refused("it is a drill's sandbox: only that drill's own restore step writes into it");
  if (!OWNED_NAME.test(target)) return refused('the project did not create it for a restore');
  return undefined;
}

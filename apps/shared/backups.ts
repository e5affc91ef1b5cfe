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
  if (env.YINGJI_BACKUP_KEYS_FILE || env.YINGJI_BACKUP_KEY) return loadKeyring(env);
  const file = path.join(config.dataDir, 'backup-keys.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    generateKeyFile(file);
    console.error(`created backup key file ${file} (mode 0600); keep a copy outside this machine: backups cannot be read without it`);
  }
  return loadKeyring({ YINGJI_BACKUP_KEYS_FILE: file });
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

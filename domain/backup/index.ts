// Backup chains and the restore-chain choice: pure, importable from workflows.
export {
  BACKUP_ID_PATTERN,
  BACKUP_ID_RE,
  BACKUP_KINDS,
  BACKUP_STATUSES,
  DEFAULT_USABLE_STATUSES,
  RestoreChainError,
  checkChainLinks,
  isBackupId,
  shortestRestoreChain,
  toMillis,
} from './chain';
export type { BackupKind, BackupStatus, CatalogEntry, ChainLink, ChainProblem, Instant, PassedOver, RestoreChain, RestoreChainOptions } from './chain';

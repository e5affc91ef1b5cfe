export { checkStorePath, checkStorePrefix, StoreNotFoundError, StorePathError } from './store';
export type { BackupStore } from './store';
export { DirectoryStore } from './directory-store';
export type { DirectoryStoreOptions } from './directory-store';

// One backup = a manifest plus chunks (einvoice-domain.md, "Backups"). Write with BackupWriter; check
// with verifyBackup / verifyChain (they write nothing); restore with readChunks.
export { BackupWriter, BackupWriterError, DEFAULT_CHUNK_BYTES } from './writer';
export type { BackupWriterOptions, ChangePosition, FinishInfo } from './writer';
export { authenticateManifest, deleteBackup, listBackups, readChunks, readManifest, verifyBackup, verifyChain } from './reader';
export type { BackupReport, ChainReport, ReadChunksOptions, RestoredChunk, VerifyDepth, VerifyOptions } from './reader';
export { BackupIntegrityError } from './errors';
export type { BackupProblem, ChunkRef } from './errors';
export { canonicalJson, chunkFileName, chunkPath, MANIFEST_FILE, MANIFEST_FORMAT, manifestPath } from './manifest';
export type { BackupManifest, ChunkEntry, ClassCount, RowFormat } from './manifest';
export { CODECS, DEFAULT_CODEC } from './chunk';
export type { CodecName } from './chunk';

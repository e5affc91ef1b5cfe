// Every refusal of a backup names the backup, the chunk (sequence number and file) or the manifest,
// and what is wrong, so that an operator can act on the message alone.

export type BackupProblem =
  | 'manifest-missing' // no manifest: the backup is incomplete or was deleted
  | 'manifest-invalid' // not JSON, or not the shape this version writes
  | 'manifest-altered' // HMAC does not match: changed after it was written
  | 'manifest-misplaced' // a manifest of another backup stored under this id
  | 'key-missing' // the key id the backup names is not in the keyring
  | 'key-wrong' // the keyring has a different secret under that key id
  | 'chunk-missing'
  | 'chunk-truncated'
  | 'chunk-extended'
  | 'chunk-altered' // same length, different bytes (a flipped or overwritten byte)
  | 'chunk-reordered' // the file holds another chunk of the same backup
  | 'chunk-foreign' // the file holds a chunk of another backup
  | 'chunk-header' // the chunk's authenticated header disagrees with the manifest
  | 'chunk-undecryptable' // AES-GCM authentication failed
  | 'chunk-data' // decompression failed or gave the wrong length or row count
  | 'chain-broken' // a link of a restore chain is missing or wrong
  | 'store'; // the store failed (I/O), not the backup

export interface ChunkRef {
  seq: number;
  file: string;
}

export class BackupIntegrityError extends Error {
  override name = 'BackupIntegrityError';
  constructor(
    readonly backupId: string,
    readonly problem: BackupProblem,
    readonly detail: string,
    readonly chunk?: ChunkRef,
    readonly where?: string,
  ) {
    super(`backup ${backupId}, ${chunk ? `chunk ${chunk.seq} (${chunk.file})` : (where ?? 'manifest')}: ${detail}`);
  }
}

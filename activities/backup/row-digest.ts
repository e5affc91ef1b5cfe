import { createHash } from 'node:crypto';

/**
 * An order-independent digest of COPY text rows: the sum, mod 2^64, of the first 8 bytes of each
 * row's SHA-256. Backups record it per class; a restore records it per chunk; verifyRestore
 * recomputes it from the restored table. Rows compare byte for byte, newline excluded.
 */
export class RowDigest {
  private sum = 0n;
  rows = 0;

  add(line: Buffer): void {
    const end = line.length && line[line.length - 1] === 10 ? line.length - 1 : line.length;
    if (end === 0) return;
    this.sum = (this.sum + createHash('sha256').update(line.subarray(0, end)).digest().readBigUInt64BE(0)) & 0xffffffffffffffffn;
    this.rows++;
  }

  /** Adds every newline-terminated row of a buffer; returns the unfinished tail. */
  addRows(buf: Buffer): Buffer {
    let start = 0;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
      this.add(buf.subarray(start, i));
      start = i + 1;
    }
    return buf.subarray(start);
  }

  merge(hex: string): void {
    this.sum = (this.sum + BigInt(`0x${hex}`)) & 0xffffffffffffffffn;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}

import * as crypto from 'node:crypto';

/**
 * An order-independent digest of COPY text rows: the sum, mod 2^64, of the first 8 bytes of each
 * row's SHA-256. Backups record it per class; a restore records it per chunk; verifyRestore
 * recomputes it from the restored table. Rows compare byte for byte, newline excluded.
 */
export class RowDigest {
  // The 64-bit sum as two 32-bit halves: plain numbers are several times faster than BigInt per row.
  private hi = 0;
  private lo = 0;
  rows = 0;

  add(line: Buffer): void {
    const end = line.length && line[line.length - 1] === 10 ? line.length - 1 : line.length;
    if (end === 0) return;
    const h = oneShotSha256(line.subarray(0, end));
    const lo = this.lo + h.readUInt32BE(4);
    this.lo = lo >>> 0;
    this.hi = (this.hi + h.readUInt32BE(0) + (lo > 0xffffffff ? 1 : 0)) >>> 0;
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
    const sum = (BigInt(`0x${this.hex}`) + BigInt(`0x${hex}`)) & 0xffffffffffffffffn;
    this.hi = Number(sum >> 32n);
    this.lo = Number(sum & 0xffffffffn);
  }

  get hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

// crypto.hash (Node >= 20.12) is the one-shot form, faster than createHash for short inputs.
const oneShotSha256: (data: Buffer) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => (crypto as unknown as { hash(alg: string, d: Buffer, enc: 'buffer'): Buffer }).hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

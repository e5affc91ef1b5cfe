import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSigningKey, localSigningKeyPath, readPublicKey, writeAuditDigest } from '../../../activities/records/audit-digest';
import { exportAudit, verifyAuditExport } from '../../../activities/records/audit-export';
import { AuditService } from '../../api/src/audit/audit.service';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';

/** A time as the auditor wrote it (ISO 8601, or a date), or an error naming the option. */
function timeOption(option: string, value: string): Date {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) throw new Error(`${option} must be a time such as 2026-11-01 or 2026-11-01T08:00:00Z, got ${JSON.stringify(value)}`);
  return d;
}

/** Without YINGJI_AUDIT_SIGNING_KEY, the key the local stack made for this machine (if it did). */
function config() {
  const c = loadConfig();
  const local = localSigningKeyPath(c.dataDir);
  if (!process.env.YINGJI_AUDIT_SIGNING_KEY && fs.existsSync(local)) process.env.YINGJI_AUDIT_SIGNING_KEY = local;
  return c;
}

/**
 * `yingji audit export|verify-export|verify|digest`. The export reads the database directly (like
 * `yingji access review`) and signs with YINGJI_AUDIT_SIGNING_KEY: the signing key is the
 * operator's, and the bundle is written where the operator runs it. verify-export needs neither
 * database nor API: only the bundle and the public key.
 */
export function auditCommands(): Command {
  const cmd = new Command('audit').description('export the audit trail for an auditor and verify an export offline');
  cmd
    .command('export')
    .description('write a signed bundle of the entries between --from and --to: entries.jsonl, the digests covering them, manifest.json and its Ed25519 signature')
    .requiredOption('--from <time>', 'first moment included (ISO 8601)')
    .requiredOption('--to <time>', 'first moment no longer included (ISO 8601)')
    .option('--out <dir>', 'a new folder for the bundle (default .data/audit-exports/audit-<from>-<to>-<now>)')
    .option('--by <name>', 'who exports, as the audit trail records it', process.env.USER || 'operator')
    .action(async (o: { from: string; to: string; out?: string; by: string }) => {
      const from = timeOption('--from', o.from);
      const to = timeOption('--to', o.to);
      const cfg = config();
      const key = loadSigningKey();
      const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const out = o.out ?? path.join(cfg.dataDir, 'audit-exports', `audit-${stamp(from)}-${stamp(to)}-${stamp(new Date())}`);
      const ds = createDataSource(cfg.databaseUrl);
      await ds.initialize();
      try {
        const { manifest } = await exportAudit(ds, { from, to, out, by: o.by, key, databaseUrl: cfg.databaseUrl });
        console.log(`${out}: ${manifest.counts.entries} entries in ${manifest.counts.streams} streams, ${manifest.counts.digests} digests, signed with key ${manifest.keyId}`);
        for (const s of manifest.streams) console.log(`  ${s.stream.padEnd(28)} seq ${s.firstSeq}..${s.lastSeq} (${s.count})`);
      } finally {
        await ds.destroy();
      }
    });
  cmd
    .command('verify-export <bundle>')
    .description("check a bundle offline with only the public key: the manifest's signature, each entry's hash and links, the digests, every file's SHA-256")
    .requiredOption('--public-key <pem>', 'the Ed25519 public key (a PEM file)')
    .action((bundle: string, o: { publicKey: string }) => {
      const check = verifyAuditExport(bundle, readPublicKey(o.publicKey, '--public-key'));
      if (check.ok) {
        console.log(`${bundle}: verified: ${check.entries} entries in ${check.streams} streams, ${check.digests} digests, signed with key ${check.keyId}`);
        return;
      }
      console.error(`${bundle}: NOT verified: ${check.problem!.what} ${check.problem!.reason}`);
      process.exitCode = 1;
    });
  cmd
    .command('verify')
    .description('recompute every stream and check the signed digests (as GET /audit/verify); exit 1 naming the first altered, deleted, inserted or reordered entry')
    .action(async () => {
      const ds = createDataSource(config().databaseUrl);
      await ds.initialize();
      try {
        const r = await new AuditService(ds).verify();
        const digests = r.digests ? `; ${r.digests.count} digests${r.digests.signaturesChecked ? ', signatures checked' : ` (${r.digests.note})`}` : '';
        if (r.ok) console.log(`audit trail verified: ${r.entries} entries in ${r.streams} streams${digests}`);
        else if (r.brokenAt) console.error(`audit trail NOT verified: entry ${r.brokenAt.id} (stream ${r.brokenAt.stream}, seq ${r.brokenAt.seq}) ${r.brokenAt.kind}: ${r.brokenAt.reason}`);
        else console.error(`audit trail NOT verified: ${r.digests?.brokenAt?.reason}`);
        if (!r.ok) process.exitCode = 1;
      } finally {
        await ds.destroy();
      }
    });
  cmd
    .command('digest')
    .description("sign every stream's head now (the yingji-audit-digest schedule does this hourly)")
    .action(async () => {
      const cfg = config();
      const key = loadSigningKey();
      const ds = createDataSource(cfg.databaseUrl);
      await ds.initialize();
      try {
        const d = await writeAuditDigest(ds, key);
        console.log(`digest ${d.id} at ${new Date(d.at).toISOString()}: ${d.streams} streams, SHA-256 ${d.hash}, key ${d.keyId}`);
      } finally {
        await ds.destroy();
      }
    });
  return cmd;
}

// Backup checks (GB/T 20988: media validation at every level): a recent full backup, a recent
// passed recovery test, every kept backup encrypted, the backup key rotated in time.
import type { CheckResult, ComplianceFacts } from './compliance.types';
import { day, daysBefore, daysBetween } from './dates';
import type { Thresholds } from './thresholds';

const CLAUSE = 'GB/T 20988 (media validation at every level)';

export function backupChecks(facts: Pick<ComplianceFacts, 'backups' | 'recoveryTests' | 'keyring' | 'now'>, t: Thresholds): CheckResult[] {
  const base = { area: 'backups' as const, clause: CLAUSE, owner: t.backupOwner };
  const now = facts.now;
  const out: CheckResult[] = [];

  const full = facts.backups.find((b) => b.kind === 'full');
  const fullOk = full !== undefined && full.takenAt >= daysBefore(now, t.fullBackupDays);
  out.push({
    ...base,
    id: 'backups.full',
    title: `${t.fullBackupDays} 天内有全量备份 A full backup within ${t.fullBackupDays} days`,
    status: fullOk ? 'pass' : 'fail',
    evidence: full
      ? [`latest full backup ${full.id} taken ${day(full.takenAt)} (${daysBetween(full.takenAt, now)} days ago, ${full.status})${fullOk ? '' : `: older than ${t.fullBackupDays} days`}`]
      : ['no completed full backup in the catalog'],
  });

  const passed = facts.recoveryTests.find((r) => r.ok === true && r.finishedAt);
  const failedSince = facts.recoveryTests.filter((r) => r.ok === false && (!passed || r.startedAt > passed.startedAt));
  const testOk = passed !== undefined && passed.finishedAt! >= daysBefore(now, t.recoveryTestDays);
  out.push({
    ...base,
    id: 'backups.recovery-test',
    title: `${t.recoveryTestDays} 天内恢复测试通过 A recovery test passed within ${t.recoveryTestDays} days`,
    status: testOk ? 'pass' : 'fail',
    evidence: [
      passed ? `last passed recovery test ${passed.id} on ${day(passed.finishedAt!)} (${daysBetween(passed.finishedAt!, now)} days ago)` : 'no recovery test has passed',
      ...failedSince.slice(0, 3).map((r) => `recovery test ${r.id} on ${day(r.startedAt)} failed: ${r.error ?? 'no reason recorded'}`),
    ],
  });

  const plain = facts.backups.filter((b) => !b.keyId);
  out.push({
    ...base,
    id: 'backups.encrypted',
    title: '备份已加密 Backups encrypted',
    status: facts.backups.length === 0 ? 'unknown' : plain.length ? 'fail' : 'pass',
    evidence:
      facts.backups.length === 0
        ? ['no backup in the catalog']
        : [`${facts.backups.length - plain.length} of ${facts.backups.length} kept backups name the key they are encrypted under`, ...plain.slice(0, 5).map((b) => `backup ${b.id} (${day(b.takenAt)}) has no key id`)],
  });

  const k = facts.keyring;
  const keyBase = { ...base, id: 'backups.key-rotation', title: `密钥 ${t.keyRotationDays} 天内轮换 Backup key rotated within ${t.keyRotationDays} days` };
  if (k.error || !k.currentKeyId) {
    out.push({ ...keyBase, status: 'unknown', evidence: [`the backup keyring cannot be read here: ${k.error ?? 'no current key'}`] });
  } else if (k.currentKeyRotatedAt || k.currentKeyFirstUsedAt) {
    const since = (k.currentKeyRotatedAt ?? k.currentKeyFirstUsedAt)!;
    const age = daysBetween(since, now);
    const how = k.currentKeyRotatedAt ? 'was made current by rotateKeys' : 'first wrote a backup';
    out.push({
      ...keyBase,
      status: age > t.keyRotationDays ? 'fail' : 'pass',
      evidence: [
        `current key ${k.currentKeyId} (of ${k.keyIds?.join(', ')}) ${how} ${day(since)}, ${age} days ago${age > t.keyRotationDays ? `: not rotated within ${t.keyRotationDays} days` : ''}`,
        ...(k.currentKeyRotatedAt ? [] : ['no rotation of this key is recorded: it is dated by the first backup written under it']),
      ],
    });
  } else {
    out.push({ ...keyBase, status: 'pass', evidence: [`current key ${k.currentKeyId} (of ${k.keyIds?.join(', ')}) writes no backup yet: it became current after the last backup`] });
  }
  return out;
}

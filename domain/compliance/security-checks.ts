// Audit, access and archive checks: the audit trail proves itself and is kept long enough
// (GB/T 22239, 网络安全法 Art. 21); no stale, expired or combined grants (access review); the
// accounting archive, which Yingji does not hold.
import type { CheckResult, ComplianceFacts } from './compliance.types';
import { day } from './dates';
import type { Thresholds } from './thresholds';

const AUDIT_CLAUSE = 'GB/T 22239-2019 (等保 2.0); 网络安全法 Art. 21';
const ACCESS_CLAUSE = 'GB/T 22239-2019 level 3 (unverified)';

export function auditChecks(facts: Pick<ComplianceFacts, 'audit'>, t: Thresholds): CheckResult[] {
  const a = facts.audit;
  const base = { area: 'audit' as const, clause: AUDIT_CLAUSE, owner: t.securityOwner };
  return [
    {
      ...base,
      id: 'audit.intact',
      title: '审计记录防篡改 Audit trail intact (no entry altered, removed or inserted)',
      status: a.ok ? 'pass' : 'fail',
      evidence: [
        `${a.entries} audit entries verified${a.oldestAt ? `, oldest ${day(a.oldestAt)}` : ''}`,
        ...(a.brokenAt ? [`broken at entry ${a.brokenAt.id}: ${a.brokenAt.reason}`] : []),
      ],
    },
    {
      ...base,
      id: 'audit.protected',
      title: '审计记录不可修改删除 Audit entries protected against change and deletion',
      status: a.guards.length > 0 && a.guards.every((g) => g.enabled) ? 'pass' : 'fail',
      evidence: a.guards.length ? a.guards.map((g) => `PostgreSQL trigger ${g.name} ${g.enabled ? 'enabled' : 'DISABLED'}`) : ['no trigger guards audit_entries: entries can be changed or deleted'],
    },
    {
      ...base,
      id: 'audit.retention',
      title: `审计记录保存 ${t.auditRetentionDays} 天以上 Audit entries kept ${t.auditRetentionDays} days or more`,
      status: (a.retentionDays ?? 0) >= t.auditRetentionDays ? 'pass' : 'fail',
      evidence: [
        a.retentionDays === undefined ? 'no retention is enforced (audit_retention missing)' : `PostgreSQL keeps entries ${a.retentionDays} days before any may be deleted (audit_retention), required ${t.auditRetentionDays}`,
      ],
    },
  ];
}

export function accessChecks(facts: Pick<ComplianceFacts, 'access'>, t: Thresholds): CheckResult[] {
  const f = facts.access.findings;
  const k = facts.access.kept;
  const kept = k?.count ? `${k.count} finding(s) left out: security kept those grants in an access review within ${k.keepDays} days` : undefined;
  const one = (id: string, kind: string, title: string): CheckResult => {
    const found = f.filter((x) => x.kind === kind);
    return {
      id,
      area: 'access',
      title,
      status: found.length ? 'fail' : 'pass',
      evidence: [
        ...(found.length ? found.map((x) => `token ${x.tokenId} of ${x.person}: ${x.why}`) : [`no ${kind} grant among the tokens reviewed`]),
        ...(kept ? [kept] : []),
      ],
      clause: ACCESS_CLAUSE,
      owner: t.securityOwner,
    };
  };
  return [
    one('access.stale', 'stale', `无闲置授权 No grant unused for more than ${facts.access.staleDays} days`),
    one('access.expired', 'expired-not-revoked', '过期授权已撤销 No expired grant left unrevoked'),
    one('access.separation', 'admin-and-auditor', '管理与审计分离 Nobody both admin and auditor'),
  ];
}

export function archiveCheck(t: Thresholds): CheckResult {
  return {
    id: 'archives.retention',
    area: 'archives',
    title: '会计档案保管期限 Invoices kept 30 years, tax returns 10 years',
    status: 'unknown',
    evidence: ['Yingji does not hold the accounting archive: check its retention in the archive system'],
    clause: '会计档案管理办法 (unverified)',
    owner: t.securityOwner,
  };
}

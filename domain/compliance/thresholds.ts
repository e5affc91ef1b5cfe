// The compliance thresholds: the defaults of compliance-and-audit.md, each overridable by an
// environment variable YINGJI_COMPLIANCE_* (a whole number above zero; a bad value is refused naming it).

export interface Thresholds {
  /** A plan is evaluated (a new version published) at least this often. Art. 35: 3 years. */
  planReviewYears: number;
  /** A plan whose drill found problems is revised within this many days (project default). */
  reviseAfterDrillDays: number;
  /** Each plan drilled at least once in this many months. Art. 33: yearly for comprehensive and special plans. */
  drillMonths: number;
  /** On-site plans (现场处置方案), drilled every half year (Art. 33). Plans carry no kind: listed by id. */
  onSitePlans: string[];
  onSiteDrillMonths: number;
  /** A completed full backup no older than this. */
  fullBackupDays: number;
  /** A recovery test passed within this. */
  recoveryTestDays: number;
  /** The current backup key in use for no longer than this. */
  keyRotationDays: number;
  /** Audit entries kept at least this long (GB/T 22239, 网络安全法 Art. 21: 6 months). */
  auditRetentionDays: number;
  /** The lowest acceptable disaster-recovery level (GB/T 20988), from live drills. */
  drMinLevel: number;
  /** A failing check's routine task is due this many days after it opens (project default). */
  taskDueDays: number;
  /** Teams that own what no plan owns. */
  backupOwner: string;
  securityOwner: string;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  planReviewYears: 3,
  reviseAfterDrillDays: 90,
  drillMonths: 12,
  onSitePlans: [],
  onSiteDrillMonths: 6,
  fullBackupDays: 7,
  recoveryTestDays: 7,
  keyRotationDays: 365,
  auditRetentionDays: 180,
  drMinLevel: 1,
  taskDueDays: 14,
  backupOwner: 'dba',
  securityOwner: 'security',
};

const NUMBERS: Array<[keyof Thresholds, string]> = [
  ['planReviewYears', 'YINGJI_COMPLIANCE_PLAN_REVIEW_YEARS'],
  ['reviseAfterDrillDays', 'YINGJI_COMPLIANCE_REVISE_AFTER_DRILL_DAYS'],
  ['drillMonths', 'YINGJI_COMPLIANCE_DRILL_MONTHS'],
  ['onSiteDrillMonths', 'YINGJI_COMPLIANCE_ONSITE_DRILL_MONTHS'],
  ['fullBackupDays', 'YINGJI_COMPLIANCE_FULL_BACKUP_DAYS'],
  ['recoveryTestDays', 'YINGJI_COMPLIANCE_RECOVERY_TEST_DAYS'],
  ['keyRotationDays', 'YINGJI_COMPLIANCE_KEY_ROTATION_DAYS'],
  ['auditRetentionDays', 'YINGJI_COMPLIANCE_AUDIT_RETENTION_DAYS'],
  ['drMinLevel', 'YINGJI_COMPLIANCE_DR_MIN_LEVEL'],
  ['taskDueDays', 'YINGJI_COMPLIANCE_TASK_DUE_DAYS'],
];
const TEAMS: Array<[keyof Thresholds, string]> = [
  ['backupOwner', 'YINGJI_COMPLIANCE_BACKUP_OWNER'],
  ['securityOwner', 'YINGJI_COMPLIANCE_SECURITY_OWNER'],
];

/** The thresholds from the environment, the doc's defaults where a variable is not set. */
export function thresholdsFromEnv(env: Record<string, string | undefined>): Thresholds {
  const t: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, name] of NUMBERS) {
    const v = env[name]?.trim();
    if (!v) continue;
    if (!/^\d+$/.test(v) || Number(v) <= 0) throw new Error(`${name} "${env[name]}" must be a whole number above zero, e.g. ${DEFAULT_THRESHOLDS[key]}`);
    (t as unknown as Record<string, number>)[key] = Number(v);
  }
  if (t.drMinLevel > 6) throw new Error(`YINGJI_COMPLIANCE_DR_MIN_LEVEL "${t.drMinLevel}" must be a GB/T 20988 level, 1 to 6`);
  for (const [key, name] of TEAMS) {
    const v = env[name]?.trim();
    if (!v) continue;
    if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(v)) throw new Error(`${name} "${env[name]}" must be a team id such as ${DEFAULT_THRESHOLDS[key]}`);
    (t as unknown as Record<string, string>)[key] = v;
  }
  const onSite = env.YINGJI_COMPLIANCE_ONSITE_PLANS?.trim();
  if (onSite) {
    t.onSitePlans = onSite.split(',').map((x) => x.trim());
    const bad = t.onSitePlans.find((x) => !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(x));
    if (bad !== undefined) throw new Error(`YINGJI_COMPLIANCE_ONSITE_PLANS "${env.YINGJI_COMPLIANCE_ONSITE_PLANS}": "${bad}" is not a plan id (comma-separated ids such as einvoice-db-crash)`);
  }
  return t;
}

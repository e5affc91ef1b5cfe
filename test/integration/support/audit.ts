/** One row of audit_entries as the tests read it. */
export interface AuditRow {
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  outcome: string;
  detail: Record<string, unknown>;
}

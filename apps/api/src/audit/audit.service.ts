import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { checkDigests } from '../../../../activities/records/audit-digest';
import { ChainCheck, verifyAuditChain } from '../../../../activities/records/audit-log';

export interface AuditQuery {
  subjectId?: string;
  outcome?: string;
  stream?: string;
  limit: number;
}

/** Reads the audit trail and proves it: every stream recomputed, then the signed digests. */
@Injectable()
export class AuditService {
  constructor(private readonly db: DataSource) {}

  list(q: AuditQuery) {
    return this.db.query(
      `SELECT id, at, actor, action, subject_type AS "subjectType", subject_id AS "subjectId", outcome, detail, stream, seq, hash
         FROM audit_entries
        WHERE ($1::text IS NULL OR subject_id = $1 OR subject_id LIKE $1 || '%') AND ($2::text IS NULL OR outcome = $2) AND ($3::text IS NULL OR stream = $3)
        ORDER BY id DESC LIMIT $4`,
      [q.subjectId ?? null, q.outcome ?? null, q.stream ?? null, Math.min(Math.max(q.limit, 1), 5000)],
    );
  }

  /** In one snapshot, so entries written meanwhile cannot look like a mismatch. */
  verify(): Promise<ChainCheck> {
    return this.db.transaction('REPEATABLE READ', (em) => verifyAuditChain(em, (streams) => checkDigests(em, streams)));
  }
}

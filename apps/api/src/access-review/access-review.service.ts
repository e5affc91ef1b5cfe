import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessReview, parseStaleDays, reviewAccess } from '../../../../domain/access/review';
import { listTokens, TokenInfo } from '../auth/token-store';

export interface AccessReviewReport extends AccessReview {
  /** Every token (never its secret) with when it was last used. */
  tokens: TokenInfo[];
}

/** The access review of every token in the database, now. Shared by `GET /access/review` and `yingji access review`. */
export async function accessReview(db: DataSource, now = new Date()): Promise<AccessReviewReport> {
  const tokens = await listTokens(db);
  return { ...reviewAccess(tokens, now, parseStaleDays(process.env.YINGJI_ACCESS_STALE_DAYS)), tokens };
}

@Injectable()
export class AccessReviewService {
  constructor(private readonly db: DataSource) {}

  review(): Promise<AccessReviewReport> {
    return accessReview(this.db);
  }
}

import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Plan } from '../../../../domain/plan/plan.types';

/** A published plan version: the exact text, its hash and the parsed plan. Never updated. */
@Entity('plan_versions')
export class PlanVersionEntity {
  @PrimaryColumn({ name: 'plan_id', type: 'text' }) planId: string;
  @PrimaryColumn({ type: 'integer' }) version: number;
  @Column({ type: 'text' }) title: string;
  @Column({ name: 'source_text', type: 'text' }) sourceText: string;
  @Column({ type: 'char', length: 64 }) sha256: string;
  @Column({ type: 'jsonb' }) parsed: Plan;
  @Column({ name: 'published_by', type: 'text' }) publishedBy: string;
  @CreateDateColumn({ name: 'published_at', type: 'timestamptz' }) publishedAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Read model of an incident, written by the workflow's activities. */
@Entity('incidents')
export class IncidentEntity {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'plan_id', type: 'text' }) planId: string;
  @Column({ name: 'plan_version', type: 'integer' }) planVersion: number;
  @Column({ type: 'text' }) title: string;
  @Column({ type: 'text' }) mode: string;
  @Column({ type: 'text' }) state: string;
  @Column({ type: 'text' }) stage: string;
  @Column({ type: 'text', nullable: true }) level: string | null;
  @Column({ name: 'level_reason', type: 'text', nullable: true }) levelReason: string | null;
  @Column({ type: 'jsonb' }) facts: Record<string, unknown>;
  @Column({ name: 'launched_by', type: 'text' }) launchedBy: string;
  @Column({ name: 'opened_at', type: 'timestamptz' }) openedAt: Date;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt: Date | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'time_scale', type: 'integer' }) timeScale: number;
}

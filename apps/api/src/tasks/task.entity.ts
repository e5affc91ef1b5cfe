import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Read model of a task (a manual step assigned to a team), written by activities. */
@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'incident_id', type: 'text' }) incidentId: string;
  @Column({ name: 'step_id', type: 'text' }) stepId: string;
  @Column({ type: 'text' }) title: string;
  @Column({ name: 'step_type', type: 'text' }) stepType: string;
  @Column({ name: 'owner_role', type: 'text' }) ownerRole: string;
  @Column({ type: 'text' }) team: string;
  @Column({ type: 'text' }) state: string;
  @Column({ type: 'jsonb' }) checklist: string[];
  @Column({ name: 'deadline_at', type: 'timestamptz', nullable: true }) deadlineAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'completed_by', type: 'text', nullable: true }) completedBy: string | null;
  @Column({ type: 'boolean' }) simulated: boolean;
  @Column({ type: 'text', nullable: true }) outcome: string | null;
  @Column({ type: 'text', nullable: true }) note: string | null;
  /** manual | decision | automated (a failed automated step, completed by hand) | review */
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'jsonb' }) people: string[];
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true }) acknowledgedAt: Date | null;
  @Column({ name: 'acknowledged_by', type: 'text', nullable: true }) acknowledgedBy: string | null;
  @Column({ name: 'checklist_done', type: 'jsonb' }) checklistDone: string[];
  @Column({ type: 'jsonb' }) evidence: string[];
  /** What the automated step that opened this task found (e.g. a missing invoice's evidence). */
  @Column({ type: 'jsonb' }) attached: string[];
  @Column({ type: 'jsonb', nullable: true }) options: string[] | null;
  @Column({ type: 'text', nullable: true }) decision: string | null;
  @Column({ type: 'text', nullable: true }) failure: string | null;
  @Column({ type: 'integer' }) escalations: number;
}

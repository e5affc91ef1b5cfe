import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('timeline_entries')
export class TimelineEntryEntity {
  @PrimaryColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'event_key', type: 'text' }) eventKey: string;
  @Column({ name: 'incident_id', type: 'text' }) incidentId: string;
  @Column({ type: 'timestamptz' }) at: Date;
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'text' }) actor: string;
  @Column({ type: 'boolean' }) simulated: boolean;
  @Column({ name: 'task_id', type: 'text', nullable: true }) taskId: string | null;
  @Column({ type: 'text' }) message: string;
  @Column({ type: 'jsonb' }) data: Record<string, unknown>;
}

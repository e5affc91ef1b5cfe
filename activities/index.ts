// The type surface workflows import (`import type`), and the one factory the worker wires.
import type { DataSource } from 'typeorm';
import { createRecordActivities } from './records/records.activities';

export type { RecordActivities } from './records/records.activities';

export function createActivities(ds: DataSource) {
  return { ...createRecordActivities(ds) };
}

export type Activities = ReturnType<typeof createActivities>;

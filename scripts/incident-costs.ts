// What one incident cost Temporal and PostgreSQL, read from recorded histories (the JSON that
// `temporal workflow show --output json` writes, as test/histories/ holds): the inputs of the
// capacity model in docs/operations.md.
//   node dist/scripts/incident-costs.js test/histories/*.json
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Event {
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType: { name: string } };
}

export interface IncidentCost {
  name: string;
  events: number;
  workflowTasks: number;
  updates: number;
  activities: number;
  recordBatches: number;
  notices: number;
  historyKb: number;
}

export function costOf(file: string): IncidentCost {
  const text = fs.readFileSync(file, 'utf8');
  const events = (JSON.parse(text) as { events: Event[] }).events;
  const count = (type: string) => events.filter((e) => e.eventType === `EVENT_TYPE_${type}`).length;
  const activities = events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType.name] : []));
  return {
    name: path.basename(file, '.json'),
    events: events.length,
    workflowTasks: count('WORKFLOW_TASK_COMPLETED'),
    updates: count('WORKFLOW_EXECUTION_UPDATE_COMPLETED'),
    activities: activities.length,
    recordBatches: activities.filter((a) => a === 'recordBatch').length,
    notices: activities.filter((a) => a === 'sendNotification').length,
    historyKb: Math.round(Buffer.byteLength(text) / 1024),
  };
}

if (require.main === module) {
  const files = process.argv.slice(2);
  if (!files.length) {
    console.error('usage: node dist/scripts/incident-costs.js <history.json>...');
    process.exit(2);
  }
  const cols = ['events', 'workflowTasks', 'updates', 'activities', 'recordBatches', 'notices', 'historyKb'] as const;
  console.log(`| history | ${cols.join(' | ')} |`);
  console.log(`|---|${cols.map(() => '---:').join('|')}|`);
  for (const f of files) {
    const c = costOf(f);
    console.log(`| ${c.name} | ${cols.map((k) => c[k]).join(' | ')} |`);
  }
}

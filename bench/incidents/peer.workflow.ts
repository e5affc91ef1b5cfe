// The fair peer's workflow: the same job as an incident done by hand. Launch (Update-with-Start)
// answers once its task row is written; the completion Update answers once the next state's row is.
import { allHandlersFinished, condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PeerActivities } from './peer-activities';

export const open = defineUpdate<void>('open');
export const complete = defineUpdate<void>('complete');

const { writeRow } = proxyActivities<PeerActivities>({ startToCloseTimeout: '1 minute' });

export async function peerIncident(id: string): Promise<void> {
  let done = false;
  setHandler(open, () => writeRow(id, 'task'));
  setHandler(complete, async () => {
    await writeRow(id, 'review');
    done = true;
  });
  await condition(() => done);
  await condition(allHandlersFinished);
}

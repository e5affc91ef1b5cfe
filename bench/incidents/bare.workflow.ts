// The peer: a bare Temporal workflow that waits for one Update, as thin as a workflow can be.
import { condition, defineQuery, defineUpdate, setHandler } from '@temporalio/workflow';

export const finish = defineUpdate<string, [string]>('finish');
export const state = defineQuery<string>('state');

export async function bareOneUpdate(): Promise<void> {
  let current = 'waiting';
  setHandler(state, () => current);
  setHandler(finish, (by) => {
    current = `done by ${by}`;
    return current;
  });
  await condition(() => current !== 'waiting');
}

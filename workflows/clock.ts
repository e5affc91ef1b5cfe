// Inside a workflow Temporal replaces Date with the time of the current workflow task, so
// this reading is recorded in history and replays identically. Never use it outside workflows/.
export function workflowNow(): Date {
  return new Date();
}

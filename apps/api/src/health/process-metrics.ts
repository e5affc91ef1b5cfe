// What only this API process knows: how long its Updates took, and Node's own process metrics.
// Per process and since it started (each API instance answers for itself; Prometheus tells them
// apart by `instance`), unlike the read-model metrics, which every instance answers the same.
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

const registry = new Registry();

/** How an Update ended, as the caller saw it. */
export type UpdateOutcome = 'ok' | 'refused' | 'timeout' | 'not_running' | 'error';

export const updateDuration = new Histogram<'update' | 'outcome'>({
  name: 'yingji_update_duration_seconds',
  help:
    "Time from sending an Update to an incident's workflow (acknowledgeTask, completeTask, decide, closeIncident...) to its answer, " +
    'by outcome: ok, refused (the workflow said no), timeout (no worker answered), not_running (incident ended), error. ' +
    'This API process only, since it started.',
  labelNames: ['update', 'outcome'],
  // An Update waits for a worker to apply it: tens of milliseconds when all is well, up to the RPC timeout when not.
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

let defaultsStarted = false;

/** The process's metrics. Node's default metrics start with the first scrape, not on import (tests import the gateway). */
export function processRegistry(): Registry {
  if (!defaultsStarted) {
    collectDefaultMetrics({ register: registry });
    defaultsStarted = true;
  }
  return registry;
}

import type { YingjiConfig } from '../../shared/config';
import { ApiClient } from './api-client';
import { printAddresses, startDetached } from './stack';

interface Detail {
  incident: { id: string; state: string; level: string | null; planId: string; planVersion: number };
  tasks: Array<{ id: string; title: string; team: string; state: string }>;
  timeline: Array<{ at: string; kind: string; actor: string; simulated: boolean; message: string }>;
}

async function waitUntil<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function printTimeline(d: Detail, log: (line: string) => void): void {
  log(`Timeline of ${d.incident.id} (${d.incident.planId} v${d.incident.planVersion}, level ${d.incident.level ?? '-'}, ${d.incident.state}):`);
  for (const e of d.timeline) {
    const at = new Date(e.at).toISOString().replace('T', ' ').slice(0, 19);
    log(`  ${at}  ${e.kind.padEnd(20)} ${e.actor}${e.simulated ? ' [simulated]' : ''}  ${e.message}`);
  }
}

/** Brings the stack up (in the background), runs the hello incident end to end, prints its timeline. */
export async function runDemo(config: YingjiConfig, log: (line: string) => void): Promise<void> {
  const info = await startDetached(config, log);
  const api = new ApiClient(info.api);

  log('Launching the hello-drill plan...');
  const launched = await api.request<Detail | { id: string }>('POST', '/incidents', { planId: 'hello-drill', facts: {}, by: 'demo-commander' });
  const id = 'incident' in launched ? launched.incident.id : launched.id;
  const withTask = await waitUntil(`a task of ${id}`, () => api.request<Detail>('GET', `/incidents/${id}`), (d) => d.tasks.some((t) => t.state === 'open'));
  for (const task of withTask.tasks.filter((t) => t.state === 'open')) {
    log(`Simulated responder of team ${task.team} completes "${task.title}"...`);
    await api.request('POST', `/tasks/${task.id}/complete`, {
      by: `sim-${task.team}`,
      simulated: true,
      outcome: 'done by the demo responder',
    });
  }
  const closed = await waitUntil(`${id} to close`, () => api.request<Detail>('GET', `/incidents/${id}`), (d) => d.incident.state === 'closed');
  printTimeline(closed, log);
  log('');
  log('The stack keeps running:');
  printAddresses(info, log);
  log('`node bin/yingji.js status` shows it; `node bin/yingji.js down` stops it.');
}

// What bench/incidents measures, the same way for Yingji and its fair peer: launch, wait for the open
// task, complete it, read until the next state (the review task) shows; all over HTTP as a client would.
import { SingleBar } from 'cli-progress';
import { ApiClient } from '../../apps/cli/src/api-client';

export interface Contender {
  name: string;
  /** Launches one incident; answers with its id once the service answers (the incident recorded). */
  launch(): Promise<string>;
  /** The incident's open task, once readable. */
  openTask(incidentId: string): Promise<string | undefined>;
  complete(taskId: string): Promise<void>;
  /** True once the state that follows the completion (the review task) is readable. */
  nextState(incidentId: string): Promise<boolean>;
  /** Leaves the stack tidy after a run (not measured). */
  tidy?(incidentIds: string[]): Promise<void>;
}

type Task = { id: string; kind: string; state: string };

/** Yingji through its API: POST /incidents, POST /tasks/:id/complete, GET /tasks. */
export function yingji(commander: ApiClient, oncall: ApiClient): Contender {
  return {
    name: 'Yingji (API + emergencyPlan)',
    launch: async () => {
      const r = await commander.post<{ incident?: { id: string }; id?: string }>('/incidents', { planId: 'hello-drill' });
      return (r.incident?.id ?? r.id)!;
    },
    openTask: async (id) => (await oncall.get<Task[]>(`/tasks?mine=true&incidentId=${id}`)).find((t) => t.state === 'open')?.id,
    complete: async (taskId) => void (await oncall.post(`/tasks/${taskId}/complete`, {})),
    nextState: async (id) => (await commander.get<Task[]>(`/tasks?incidentId=${id}`)).some((t) => t.kind === 'review'),
    tidy: async (ids) => {
      await inPool('close the reviews', ids, 20, async (id) => {
        const review = await poll(async () => (await commander.get<Task[]>(`/tasks?incidentId=${id}`)).find((t) => t.kind === 'review' && t.state === 'open')?.id);
        await commander.post(`/tasks/${review}/complete`, { outcome: 'bench' });
      });
    },
  };
}

/** The fair peer through its own HTTP service (peer-service.ts), with the same tokens. */
export function fairPeer(commander: ApiClient, oncall: ApiClient): Contender {
  return {
    name: 'fair peer (HTTP + 1 Update + 1 row)',
    launch: async () => (await commander.post<{ id: string }>('/incidents', {})).id,
    openTask: async (id) => (await oncall.get<Task[]>(`/tasks?incidentId=${id}`)).find((t) => t.kind === 'task' && t.state === 'open')?.id,
    complete: async (taskId) => void (await oncall.post(`/tasks/${taskId}/complete`, {})),
    nextState: async (id) => (await commander.get<Task[]>(`/tasks?incidentId=${id}`)).some((t) => t.kind === 'review'),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads until `read` answers something (every 20 ms, as a console following an incident would). */
export async function poll<T>(read: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`nothing to read after ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

/** Runs `fn` over items with at most `limit` at once, with a progress bar on stderr. */
export async function inPool<T, R>(label: string, items: T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  // Piped to a file, a line every 10 s instead of a redrawn bar.
  const bar = new SingleBar({ format: `  ${label.padEnd(48)} {bar} {value}/{total}`, stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 });
  bar.start(items.length, 0);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(limit, items.length) }, async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]);
          bar.increment();
        }
      }),
    );
  } finally {
    bar.stop();
  }
  return out;
}

export interface RunFigures {
  launchesPerS: number;
  /** Completion to next state readable, ms, one per incident. */
  transitions: number[];
  /** The incidents (their workflow ids), for reading their histories afterwards. */
  ids: string[];
}

/** `n` incidents, `concurrency` at a time: launches first (timed as a whole), then each task's completion. */
export async function runMany(c: Contender, n: number, concurrency: number): Promise<RunFigures> {
  const t0 = performance.now();
  const ids = await inPool(`${c.name}: launch`, Array.from({ length: n }), concurrency, () => c.launch());
  const launchesPerS = n / ((performance.now() - t0) / 1000);
  const transitions = await inPool(`${c.name}: complete`, ids, concurrency, async (id) => {
    const task = await poll(() => c.openTask(id));
    const start = performance.now();
    await c.complete(task);
    await poll(() => c.nextState(id));
    return performance.now() - start;
  });
  await c.tidy?.(ids);
  return { launchesPerS, transitions, ids };
}

/** One incident at a time, launch to next state readable (its task completed as soon as it shows), ms. */
export async function runSingle(c: Contender, samples: number): Promise<{ singles: number[]; ids: string[] }> {
  const out: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    const id = await c.launch();
    await c.complete(await poll(() => c.openTask(id)));
    await poll(() => c.nextState(id));
    out.push(performance.now() - start);
    ids.push(id);
  }
  await c.tidy?.(ids);
  return { singles: out, ids };
}

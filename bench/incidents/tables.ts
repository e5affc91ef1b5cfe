// bench/incidents' tables: one row per contender (launches/s, p50, p99, single ms), ratio rows.
import type { Figures } from './measure';

export const NAME = 40;
const col = (s: string) => s.padStart(11);
export const header = () => `${''.padEnd(NAME)}${col('launches/s')}${col('p50 ms')}${col('p99 ms')}${col('single ms')}`;
export const row = (name: string, x: Figures) => `  ${name.padEnd(NAME - 2)}${col(x.launchesPerS.toFixed(1))}${col(x.p50.toFixed(1))}${col(x.p99.toFixed(1))}${col(x.singleMs.toFixed(1))}`;
export const ratioRow = (name: string, a: Figures, b: Figures) =>
  `${name.padEnd(NAME)}${col((a.launchesPerS / b.launchesPerS).toFixed(2))}${col((a.p50 / b.p50).toFixed(2))}${col((a.p99 / b.p99).toFixed(2))}${col((a.singleMs / b.singleMs).toFixed(2))}`;
export const NOTE = '(p50, p99: a task completed through HTTP until the next state (the review task) is readable; single: launch to that state, one incident at a time, median)';

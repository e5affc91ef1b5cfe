// CPU time per role (Temporal's services, Yingji's workers and APIs, PostgreSQL, haproxy, the
// bench's own clients), read from /proc around Yingji's phases: what one incident costs each part
// of the stack, the capacity model's per-role input (docs/operations.md). Linux only.
import * as fs from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`: 100 on Linux). */
const TICKS_PER_S = 100;

/** This process: the 50 clients polling every 20 ms, not a part of the stack (left out of the total). */
const BENCH = 'bench clients';

/** Which part of the stack a process is, from its command line; undefined: not the stack's. */
function roleOf(pid: number, cmdline: string): string | undefined {
  if (pid === process.pid) return BENCH;
  const service = /temporal-server\S*\s.*--service\s+(\w+)/.exec(cmdline);
  if (service) return `Temporal ${service[1]}`;
  if (/\btemporal\S*\s+server\s+start-dev/.test(cmdline)) return 'Temporal dev server';
  if (/apps\/worker\/src\/main\.js/.test(cmdline)) return 'Yingji workers';
  if (/apps\/api\/src\/main\.js/.test(cmdline)) return 'Yingji APIs';
  if (/^\S*postgres(\s|:|$)/.test(cmdline)) return 'PostgreSQL';
  if (/^\S*haproxy\s/.test(cmdline)) return 'haproxy';
  return undefined;
}

/** CPU seconds so far per role. A process's own time and its reaped children's (PostgreSQL's ended backends). */
export function cpuByRole(): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const role = roleOf(pid, cmdline);
      if (!role) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are the 12th to 15th.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      out.set(role, (out.get(role) ?? 0) + ticks / TICKS_PER_S);
    } catch {
      // gone between the listing and the read
    }
  }
  return out;
}

/** `b - a` per role, less `idle` (CPU seconds per second with nothing running) over `seconds`. */
export function cpuDelta(a: Map<string, number>, b: Map<string, number>, seconds = 0, idle = new Map<string, number>()): Map<string, number> {
  const out = new Map<string, number>();
  for (const [role, t] of b) out.set(role, Math.max(0, t - (a.get(role) ?? 0) - (idle.get(role) ?? 0) * seconds));
  return out;
}

export function addInto(total: Map<string, number>, d: Map<string, number>): void {
  for (const [role, t] of d) total.set(role, (total.get(role) ?? 0) + t);
}

/** One line per stack: each role's CPU milliseconds per incident, and the stack's sum (the bench's clients apart). */
export function cpuTable(all: Array<{ stack: string; cpu: Map<string, number>; incidents: number }>): string[] {
  const lines = ["CPU per Yingji incident, ms, by role (from /proc around Yingji's phases, less each role's idle rate):"];
  for (const c of all) {
    const roles = [...c.cpu.entries()].sort((x, y) => y[1] - x[1]);
    const total = roles.filter(([r]) => r !== BENCH).reduce((s, [, t]) => s + t, 0);
    const ms = (t: number) => ((t * 1000) / Math.max(1, c.incidents)).toFixed(1);
    lines.push(`  ${c.stack.padEnd(8)} stack ${ms(total)}: ${roles.map(([r, t]) => `${r} ${ms(t)}`).join(', ')}`);
  }
  return lines;
}

// Under scripts/test.sh (YINGJI_TEST_LOG_DIR set) a process a test spawns keeps its whole output
// in the run's log folder, so the after-run scan reads what it printed.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Copies the child's stdout and stderr to `<log dir>/processes/<name>-<pid>.log`; nothing outside a scanned run. */
export function keepProcessLog(child: ChildProcess, name: string): void {
  const dir = process.env.YINGJI_TEST_LOG_DIR;
  if (!dir || !child.pid) return;
  fs.mkdirSync(path.join(dir, 'processes'), { recursive: true });
  const log = fs.createWriteStream(path.join(dir, 'processes', `${name}-${child.pid}.log`), { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('close', () => log.end());
}

// Recorded histories for test/unit/replay.test.ts: with YINGJI_RECORD_HISTORIES=1 a test saves the
// finished workflow's history under test/histories/<name>.json.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Harness, workflowCompleted } from './harness';
import { testStackEnv } from './test-stack';

export async function recordHistory(h: Harness, workflowId: string, name: string): Promise<void> {
  if (!process.env.YINGJI_RECORD_HISTORIES) return;
  await workflowCompleted(h, workflowId);
  const shown = spawnSync(testStackEnv().temporalCli, ['workflow', 'show', '-w', workflowId, '--address', h.config.temporal.address, '--output', 'json']);
  fs.writeFileSync(path.join(__dirname, '..', '..', 'histories', `${name}.json`), shown.stdout);
}

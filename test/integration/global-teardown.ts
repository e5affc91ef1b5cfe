import * as fs from 'node:fs';
import type { PostgresServer } from '../../scripts/stack/postgres';
import type { TemporalServer } from '../../scripts/stack/temporal-server';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as Record<string, unknown>).__yingjiTestStack as
    | { temporal: TemporalServer; postgres: PostgresServer; runDir: string }
    | undefined;
  if (!stack) return;
  await Promise.all([stack.temporal.stop(), stack.postgres.stop()]);
  // YINGJI_KEEP_TEST_RUN=1 keeps the servers' logs for a post-mortem.
  if (!process.env.YINGJI_KEEP_TEST_RUN) fs.rmSync(stack.runDir, { recursive: true, force: true });
}

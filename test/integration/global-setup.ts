import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../apps/shared/config';
import { WORKFLOWS_PATH } from '../../apps/worker/src/worker';
import { startPostgres } from '../../scripts/stack/postgres';
import { freePort } from '../../scripts/stack/ports';
import { ensureTemporalCli } from '../../scripts/stack/temporal-cli';
import { startTemporalDevServer } from '../../scripts/stack/temporal-server';
import { testRunsDir, writeTestStackEnv } from './support/test-stack';

/** Starts the real Temporal dev server and PostgreSQL once for the whole integration run. */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const runDir = path.join(testRunsDir(), `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  fs.mkdirSync(runDir, { recursive: true, mode: 0o755 });
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: '', DATABASE_URL: '' });
  const temporalCli = ensureTemporalCli(config.toolsDir);
  const [temporalPort, pgPort] = [await freePort(), await freePort()];
  const [temporal, postgres, bundle] = await Promise.all([
    startTemporalDevServer({ cli: temporalCli, dbFile: path.join(runDir, 'temporal.db'), port: temporalPort, logFile: path.join(runDir, 'temporal.log') }),
    startPostgres({ dataDir: path.join(runDir, 'pg'), port: pgPort, logFile: path.join(runDir, 'postgres.log'), fast: true }),
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }),
  ]);
  const workflowBundlePath = path.join(runDir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle.code);
  (globalThis as Record<string, unknown>).__yingjiTestStack = { temporal, postgres, runDir };
  writeTestStackEnv({ runDir, temporalCli, temporalAddress: temporal.address, pgAdminUrl: postgres.url('postgres'), workflowBundlePath });
  console.log(`\nintegration stack: Temporal ${temporal.address}, PostgreSQL :${pgPort} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
}

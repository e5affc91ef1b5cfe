// The compliance report now: gathered facts run through every check. Shared by GET /compliance,
// `yingji compliance` and the scheduled run, so all three say the same.
import type { DataSource } from 'typeorm';
import { ComplianceReport, runChecks } from '../../domain/compliance/run-checks';
import { thresholdsFromEnv } from '../../domain/compliance/thresholds';
import { gatherComplianceFacts } from './gather';

export async function complianceReport(db: DataSource, o: { directoryFile: string; dataDir: string; env?: NodeJS.ProcessEnv; now?: Date }): Promise<ComplianceReport> {
  const env = o.env ?? process.env;
  const thresholds = thresholdsFromEnv(env);
  return runChecks(await gatherComplianceFacts(db, { ...o, env }), thresholds);
}

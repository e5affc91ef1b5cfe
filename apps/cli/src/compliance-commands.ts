import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { complianceReport } from '../../../activities/compliance/compliance-report';
import { renderComplianceHtml } from '../../../domain/compliance/report-html';
import type { ComplianceReport } from '../../../domain/compliance/run-checks';
import { loadConfig } from '../../shared/config';
import { createDataSource } from '../../../migrations/data-source';

const MARK = { pass: 'PASS', fail: 'FAIL', unknown: '??  ' } as const;

/** The checks as a reader scans them: one line each, the evidence of what fails under it. */
export function printCompliance(r: ComplianceReport): void {
  console.log(`${'result'.padEnd(6)} ${'check'.padEnd(24)} ${'subject'.padEnd(30)} ${'owner'.padEnd(10)} title`);
  for (const c of r.checks) {
    console.log(`${MARK[c.status].padEnd(6)} ${c.id.padEnd(24)} ${(c.subject ?? '-').padEnd(30)} ${c.owner.padEnd(10)} ${c.title}`);
    if (c.status !== 'pass') {
      for (const e of c.evidence) console.log(`         ${e}`);
      console.log(`         (${c.clause})`);
    }
  }
  const dr = r.dr.level === null ? 'not measured (no recent live drill)' : r.dr.level === 0 ? 'below L1' : `L${r.dr.level}`;
  console.log('');
  console.log(`${r.summary.pass} pass, ${r.summary.fail} fail, ${r.summary.unknown} unknown; DR level (GB/T 20988) from live drills: ${dr}`);
}

/** `yingji compliance`: reads the database directly, like `yingji access review`. */
export function complianceCommands(): Command {
  return new Command('compliance')
    .description(
      'every compliance check (plans, drills, backups, DR level, audit, access) with pass or fail, its evidence, the clause it rests on and the team that fixes it ' +
        '(talks to the database directly; thresholds from YINGJI_COMPLIANCE_*)',
    )
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the report as a self-contained HTML page')
    .action(async (o: { json?: boolean; html?: string }) => {
      const config = loadConfig();
      const ds = createDataSource(config.databaseUrl);
      await ds.initialize();
      try {
        const r = await complianceReport(ds, { directoryFile: config.directoryFile, dataDir: config.dataDir });
        if (o.json) console.log(JSON.stringify(r, null, 2));
        else printCompliance(r);
        if (o.html) {
          fs.mkdirSync(path.dirname(path.resolve(o.html)), { recursive: true });
          fs.writeFileSync(o.html, renderComplianceHtml(r));
          if (!o.json) console.log(`Compliance report (HTML, open in a browser): ${o.html}`);
        }
        process.exitCode = r.summary.fail > 0 ? 1 : 0;
      } finally {
        await ds.destroy();
      }
    });
}

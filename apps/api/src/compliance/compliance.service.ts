import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { complianceReport } from '../../../../activities/compliance/compliance-report';
import type { ComplianceReport } from '../../../../domain/compliance/run-checks';
import { renderComplianceHtml } from '../../../../domain/compliance/report-html';
import type { YingjiConfig } from '../../../shared/config';
import { YINGJI_CONFIG } from '../config.token';

@Injectable()
export class ComplianceService {
  constructor(
    private readonly db: DataSource,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
  ) {}

  report(): Promise<ComplianceReport> {
    return complianceReport(this.db, { directoryFile: this.config.directoryFile, dataDir: this.config.dataDir });
  }

  async html(): Promise<string> {
    return renderComplianceHtml(await this.report());
  }
}

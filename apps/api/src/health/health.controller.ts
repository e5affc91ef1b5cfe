import { Controller, Get, Header, HttpStatus, Inject, Logger, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { redactUrl, YingjiConfig } from '../../../shared/config';
import { Public } from '../auth/decorators';
import { YINGJI_CONFIG } from '../config.token';
import { TEMPORAL_CONNECTION } from '../temporal/tokens';
import { PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics';

// Open to anyone: it says whether each dependency answers, never where it is or why it failed
// (addresses and driver errors go to the API's log).
interface Check {
  ok: boolean;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(TEMPORAL_CONNECTION) private readonly temporal: Connection,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    private readonly db: DataSource,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({ summary: 'Whether Temporal and PostgreSQL are reachable (200 when both are, 503 otherwise)' })
  @ApiOkResponse({ description: '{ ok, temporal: { ok }, postgres: { ok } }' })
  async health(@Res({ passthrough: true }) res: Response) {
    const [temporal, postgres] = await Promise.all([this.checkTemporal(), this.checkPostgres()]);
    const ok = temporal.ok && postgres.ok;
    res.status(ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { ok, temporal, postgres };
  }

  // Any valid token (like every endpoint but /health): the scraper gets a token of its own.
  @Get('metrics')
  @ApiBearerAuth()
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @ApiProduces(PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({
    summary:
      'Prometheus metrics: open incidents, open and overdue tasks, escalations, notices and copies by channel and status, alerts, ' +
      'recovery tests, the last backup (from the database), and this process\'s Update latency and Node metrics',
  })
  metrics(): Promise<string> {
    return renderMetrics(this.db);
  }

  private readonly log = new Logger('health');

  private async check(target: string, probe: () => Promise<unknown>): Promise<Check> {
    try {
      await probe();
      return { ok: true };
    } catch (err) {
      this.log.warn(`${target} is not reachable: ${(err as Error).message}`);
      return { ok: false };
    }
  }

  private checkTemporal(): Promise<Check> {
    const { address, namespace } = this.config.temporal;
    return this.check(`Temporal ${address} namespace ${namespace}`, async () => {
      await this.temporal.ensureConnected();
      await this.temporal.workflowService.describeNamespace({ namespace });
    });
  }

  private checkPostgres(): Promise<Check> {
    return this.check(`PostgreSQL ${redactUrl(this.config.databaseUrl)}`, () => this.db.query('SELECT 1'));
  }
}

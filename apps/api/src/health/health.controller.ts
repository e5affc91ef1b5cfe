import { Controller, Get, Header, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Connection } from '@temporalio/client';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { redactUrl, YingjiConfig } from '../../../shared/config';
import { Public } from '../auth/decorators';
import { YINGJI_CONFIG } from '../config.token';
import { TEMPORAL_CONNECTION } from '../temporal/tokens';
import { PROMETHEUS_CONTENT_TYPE, recoveryTestMetrics, renderPrometheus } from './metrics';

interface Check {
  ok: boolean;
  target: string;
  error?: string;
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
  @ApiOkResponse({ description: '{ ok, temporal: { ok, target }, postgres: { ok, target } }' })
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
  @ApiOperation({ summary: 'Prometheus metrics: the recovery test (last success, last run ok, failures)' })
  async metrics(): Promise<string> {
    return renderPrometheus(await recoveryTestMetrics(this.db));
  }

  private async checkTemporal(): Promise<Check> {
    const target = `${this.config.temporal.address} namespace ${this.config.temporal.namespace}`;
    try {
      await this.temporal.ensureConnected();
      await this.temporal.workflowService.describeNamespace({ namespace: this.config.temporal.namespace });
      return { ok: true, target };
    } catch (err) {
      return { ok: false, target, error: (err as Error).message };
    }
  }

  private async checkPostgres(): Promise<Check> {
    const target = redactUrl(this.config.databaseUrl);
    try {
      await this.db.query('SELECT 1');
      return { ok: true, target };
    } catch (err) {
      return { ok: false, target, error: (err as Error).message };
    }
  }
}

import { BadRequestException, Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, UnprocessableEntityException } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { BackupIntegrityError, verifyBackup } from '../../../../activities/backup/format';
import { BackupRefused, takeBackup } from '../../../../activities/backup/take-backup';
import { backupDeps, backupKeyring, backupStore, restoreTargetRefusal } from '../../../shared/backups';
import type { YingjiConfig } from '../../../shared/config';
import { restoreByPriority, restoreProgress } from '../../../../workflows/restore-by-priority.workflow';
import type { RestoreInput, RestoreResult } from '../../../../workflows/restore-by-priority.workflow';
import { AuditTrail } from '../auth/audit-trail';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { YINGJI_CONFIG } from '../config.token';
import { TEMPORAL_CLIENT } from '../temporal/tokens';
import { StartRestoreDto, TakeBackupDto } from './dto/backup.dto';

/** Backups, restores and recovery tests of the invoice database, for commanders and admins. */
@ApiTags('backups')
@ApiBearerAuth()
@Controller()
export class BackupsController {
  constructor(
    private readonly db: DataSource,
    @Inject(YINGJI_CONFIG) private readonly config: YingjiConfig,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    private readonly audit: AuditTrail,
  ) {}

  @Get('backups')
  @Roles('commander', 'admin', 'auditor')
  @ApiOperation({ summary: 'The backup catalog, newest first' })
  list() {
    return this.db.query(
      `SELECT id, kind, status, parent_id AS "parentId", base_full_id AS "baseFullId", taken_at AS "takenAt", point_in_time AS "pointInTime",
              row_counts AS "rowCounts", chunks, bytes, key_id AS "keyId", verified_at AS "verifiedAt", created_by AS "createdBy"
         FROM backup_catalog ORDER BY point_in_time DESC LIMIT 500`,
    );
  }

  @Post('backups')
  @Roles('commander', 'admin')
  @ApiOperation({ summary: 'Take a full, incremental or differential backup now' })
  async take(@Body() dto: TakeBackupDto, @CurrentCaller() caller: Caller) {
    try {
      return await takeBackup(backupDeps(this.config, this.db), { kind: dto.kind, by: caller.person });
    } catch (err) {
      if (err instanceof BackupRefused) throw new UnprocessableEntityException(err.message);
      throw err;
    }
  }

  @Post('backups/:id/verify')
  @HttpCode(200)
  @Roles('commander', 'admin')
  @ApiOperation({ summary: 'Check a backup (manifest, every chunk) without restoring it; 422 names the damaged chunk' })
  async verify(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    const known = await this.db.query(`SELECT 1 FROM backup_catalog WHERE id = $1`, [id]);
    if (!known.length) throw new NotFoundException(`backup "${id}" is not in the catalog`);
    const subject = { type: 'backup', id };
    try {
      const report = await verifyBackup(backupStore(this.config), backupKeyring(this.config), id, { depth: 'full' });
      await this.audit.ok(caller, 'backup.verify', subject, { chunks: report.chunkCount, rows: report.rowCount });
      return report;
    } catch (err) {
      if (!(err instanceof BackupIntegrityError)) throw err;
      // A damaged backup is worth an entry too: someone checked it and it failed.
      await this.audit.ok(caller, 'backup.verify', subject, { error: err.message }, 'failed');
      throw new UnprocessableEntityException(err.message);
    }
  }

  @Post('restores')
  @Roles('commander', 'admin')
  @ApiOperation({ summary: 'Start restoreByPriority (a workflow); returns its id at once' })
  async restore(@Body() dto: StartRestoreDto, @CurrentCaller() caller: Caller) {
    if (dto.to && dto.backupId) throw new BadRequestException('give either to or backupId, not both');
    // Refused before any workflow starts: preparing a target migrates it and may empty it.
    const refusal = restoreTargetRefusal(dto.target, this.config);
    if (refusal) {
      await this.audit.denied(caller, 'restore.start', { type: 'database', id: dto.target }, refusal);
      throw new BadRequestException(refusal);
    }
    const restoreId = `restore-${new Date().toISOString().replace(/[-:.]/g, '')}`;
    const input: RestoreInput = { restoreId, target: dto.target, pointInTime: dto.to, backupId: dto.backupId, replace: dto.replace ?? false, startedBy: caller.person };
    await this.temporal.workflow.start(restoreByPriority, { taskQueue: this.config.taskQueue, workflowId: restoreId, args: [input] });
    await this.audit.ok(caller, 'restore.start', { type: 'restore', id: restoreId }, { target: dto.target, replace: input.replace, pointInTime: dto.to, backupId: dto.backupId });
    return { restoreId, state: 'running' };
  }

  @Get('restores')
  @Roles('commander', 'admin', 'auditor')
  @ApiOperation({ summary: 'The 20 latest restores (restoreByPriority runs: started here, by incidents and drills, by recovery tests), newest first' })
  async restores() {
    const out: Array<{ restoreId: string; state: string; startedAt: string; closedAt: string | null }> = [];
    for await (const w of this.temporal.workflow.list({ query: `WorkflowType = 'restoreByPriority'` })) {
      out.push({ restoreId: w.workflowId, state: w.status.name.toLowerCase(), startedAt: w.startTime.toISOString(), closedAt: w.closeTime?.toISOString() ?? null });
      if (out.length >= 20) break;
    }
    return out;
  }

  @Get('restores/:id')
  @Roles('commander', 'admin', 'auditor')
  @ApiOperation({ summary: "A restore's state; when finished, when each class became available" })
  async restoreStatus(@Param('id') id: string) {
    const handle = this.temporal.workflow.getHandle(id);
    const desc = await handle.describe().catch(() => undefined);
    if (!desc || desc.type !== 'restoreByPriority') throw new NotFoundException(`restore "${id}" not found`);
    if (desc.status.name === 'RUNNING') {
      const progress = await handle.query(restoreProgress).catch(() => undefined);
      return { restoreId: id, state: 'running', progress };
    }
    if (desc.status.name !== 'COMPLETED') {
      const error = await handle.result().then(() => undefined, (e: Error & { cause?: Error & { cause?: Error } }) => e.cause?.cause?.message ?? e.cause?.message ?? e.message);
      return { restoreId: id, state: desc.status.name.toLowerCase(), error };
    }
    return { state: 'completed', ...((await handle.result()) as RestoreResult) };
  }

  @Get('recovery-tests')
  @Roles('commander', 'admin', 'auditor', 'manager')
  @ApiOperation({ summary: 'The latest recovery tests (恢复测试)' })
  recoveryTests() {
    return this.db.query(`SELECT id, started_at AS "startedAt", finished_at AS "finishedAt", ok, error, chain, detail FROM recovery_tests ORDER BY started_at DESC LIMIT 50`);
  }
}

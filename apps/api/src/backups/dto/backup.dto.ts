import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { RESTORE_TARGET_RULE } from '../../../../shared/backups';

export class TakeBackupDto {
  @ApiProperty({ enum: ['full', 'incremental', 'differential'] })
  @IsIn(['full', 'incremental', 'differential'])
  kind!: 'full' | 'incremental' | 'differential';
}

export class StartRestoreDto {
  @ApiProperty({ example: 'scratch_0612', description: RESTORE_TARGET_RULE })
  @IsString()
  @Matches(/^(invoices|[a-z][a-z0-9_]{0,62})$/, { message: `target must be a database name (a-z, 0-9, _; starting with a letter): ${RESTORE_TARGET_RULE}` })
  target!: string;

  @ApiPropertyOptional({ description: 'Restore to this moment (default: the latest backup)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time that exists' })
  to?: string;

  @ApiPropertyOptional({ description: "Or exactly this backup's moment" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  backupId?: string;

  @ApiPropertyOptional({ description: 'Replace invoices already in the target' })
  @IsOptional()
  @IsBoolean()
  replace?: boolean;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';

export class TakeBackupDto {
  @ApiProperty({ enum: ['full', 'incremental', 'differential'] })
  @IsIn(['full', 'incremental', 'differential'])
  kind!: 'full' | 'incremental' | 'differential';
}

export class StartRestoreDto {
  @ApiProperty({ example: 'scratch_restore', description: '"invoices" (the configured invoice database) or a database name on the same server' })
  @IsString()
  @Matches(/^(invoices|[a-z][a-z0-9_]{0,62})$/, { message: 'target must be "invoices" or a database name (a-z, 0-9, _)' })
  target!: string;

  @ApiPropertyOptional({ description: 'Restore to this moment (default: the latest backup)' })
  @IsOptional()
  @IsISO8601({}, { message: 'to must be an ISO 8601 date-time' })
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

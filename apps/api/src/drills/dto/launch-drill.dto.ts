import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { LEVELS } from '../../../../../domain/plan/plan.types';
import type { Level } from '../../../../../domain/plan/plan.types';

export class LaunchDrillDto {
  @ApiProperty({ example: 'einvoice-db-crash', description: 'Id of a published plan' })
  @IsString()
  @IsNotEmpty()
  planId!: string;

  @ApiPropertyOptional({ description: 'Plan version to drill; the latest when omitted' })
  @IsOptional()
  @IsInt()
  @Min(1)
  planVersion?: number;

  @ApiProperty({ enum: ['tabletop', 'live-drill'], description: 'tabletop: nothing touches data; live-drill: faults injected into a sandbox copy of the invoices' })
  @IsIn(['tabletop', 'live-drill'])
  mode!: 'tabletop' | 'live-drill';

  @ApiPropertyOptional({ enum: LEVELS, description: "Run at this level instead of classifying the drill's facts" })
  @IsOptional()
  @IsIn(LEVELS as unknown as string[])
  level?: Level;

  @ApiPropertyOptional({ description: "Facts the drill starts with (default: the plan's drill.facts)" })
  @IsOptional()
  @IsObject()
  facts?: Record<string, unknown>;

  @ApiPropertyOptional({ default: 1, description: 'Compresses every plan duration by this factor' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  timeScale?: number;

  @ApiPropertyOptional({ default: false, description: 'Live drills: keep the sandbox database for inspection' })
  @IsOptional()
  @IsBoolean()
  keepSandbox?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Only commanders and management are told it is a drill' })
  @IsOptional()
  @IsBoolean()
  unannounced?: boolean;
}

export class DrillScheduleDto extends LaunchDrillDto {
  @ApiProperty({ example: '0 9 * * 1', description: 'Cron expression (UTC) for when the drill starts' })
  @IsString()
  @Matches(/^(\S+\s+){4}\S+$/, { message: 'cron must have five fields: minute hour day-of-month month day-of-week' })
  cron!: string;

  @ApiPropertyOptional({ description: 'Unannounced drills start at a random moment up to this many minutes after the cron time' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10080)
  jitterMinutes?: number;
}

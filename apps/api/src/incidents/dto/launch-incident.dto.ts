import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, Min } from 'class-validator';

export class LaunchIncidentDto {
  @ApiProperty({ example: 'einvoice-db-crash', description: 'Id of a published plan' })
  @IsString()
  @IsNotEmpty()
  planId!: string;

  @ApiPropertyOptional({ description: 'Plan version to run; the latest when omitted' })
  @IsOptional()
  @IsInt()
  @Min(1)
  planVersion?: number;

  @ApiPropertyOptional({ example: { invoicesAffected: 25000, outageMinutes: 30, dataLeaked: false }, description: 'Facts the plan classifies the incident by' })
  @IsOptional()
  @IsObject()
  facts?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['live'], default: 'live', description: 'Drills (tabletop, live-drill) start through /drills' })
  @IsOptional()
  @IsIn(['live'])
  mode?: 'live';

  @ApiPropertyOptional({ default: 1, description: 'Compresses every plan duration by this factor (demos and rehearsals)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3600)
  timeScale?: number;
}

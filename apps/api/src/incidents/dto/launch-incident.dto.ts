import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Min } from 'class-validator';

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

  @ApiPropertyOptional({ example: { invoicesAffected: 25000 }, description: 'Facts the plan classifies the incident by' })
  @IsOptional()
  @IsObject()
  facts?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['live'], default: 'live' })
  @IsOptional()
  @IsIn(['live'])
  mode?: 'live';

  @ApiPropertyOptional({ description: 'Who launches it (until tokens name the caller)', default: 'commander' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  by?: string;
}

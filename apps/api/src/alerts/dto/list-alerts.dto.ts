import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

export class ListAlertsQueryDto {
  @ApiPropertyOptional({ enum: ['unmatched', 'matched'], description: 'unmatched: no plan\'s trigger took it (stored, never dropped)' })
  @IsOptional()
  @IsIn(['unmatched', 'matched'])
  state?: 'unmatched' | 'matched';

  @ApiPropertyOptional({ enum: ['firing', 'resolved'] })
  @IsOptional()
  @IsIn(['firing', 'resolved'])
  status?: 'firing' | 'resolved';

  @ApiPropertyOptional({ default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

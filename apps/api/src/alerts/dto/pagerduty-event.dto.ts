import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';

export const EVENT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

export class EventPayloadDto {
  @ApiProperty({ example: 'Invoice sync to the tax platform stalled' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  summary!: string;

  @ApiProperty({ example: 'sync-worker-1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  source!: string;

  @ApiProperty({ enum: EVENT_SEVERITIES })
  @IsIn(EVENT_SEVERITIES)
  severity!: (typeof EVENT_SEVERITIES)[number];

  @ApiPropertyOptional({ example: { backlog: 1200 } })
  @IsOptional()
  @IsObject()
  custom_details?: Record<string, unknown>;
}

/** A PagerDuty Events API v2 event; unknown fields (`client`, `links`, `images`...) are accepted. */
export class PagerDutyEventDto {
  @ApiProperty({ description: 'The integration key of the sender' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  routing_key!: string;

  @ApiProperty({ enum: ['trigger', 'acknowledge', 'resolve'] })
  @IsIn(['trigger', 'acknowledge', 'resolve'])
  event_action!: 'trigger' | 'acknowledge' | 'resolve';

  @ApiPropertyOptional({ description: 'At most 255 characters; generated (and answered) when a trigger has none; required to acknowledge or resolve' })
  @ValidateIf((e: PagerDutyEventDto) => e.event_action !== 'trigger' || e.dedup_key !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255, { message: 'dedup_key must be at most 255 characters' })
  dedup_key?: string;

  @ApiPropertyOptional({ type: EventPayloadDto, description: 'Required on trigger' })
  @ValidateIf((e: PagerDutyEventDto) => e.event_action === 'trigger')
  @IsObject({ message: 'payload (summary, source, severity) is required on trigger' })
  @ValidateNested()
  @Type(() => EventPayloadDto)
  payload?: EventPayloadDto;
}

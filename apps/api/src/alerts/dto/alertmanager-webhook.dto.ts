import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsArray, IsIn, IsISO8601, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

/** One alert of the group, as Alertmanager's webhook (version 4) sends it. */
export class AlertmanagerAlertDto {
  @ApiProperty({ enum: ['firing', 'resolved'] })
  @IsIn(['firing', 'resolved'])
  status!: 'firing' | 'resolved';

  @ApiProperty({ example: { alertname: 'PostgresDown', severity: 'critical', instance: 'invoice-db:5432' } })
  @IsObject()
  labels!: Record<string, string>;

  @ApiPropertyOptional({ example: { summary: 'The invoice database is down' } })
  @IsOptional()
  @IsObject()
  annotations?: Record<string, string>;

  @ApiProperty({ example: '2026-12-01T08:00:00Z' })
  @IsISO8601()
  startsAt!: string;

  @ApiPropertyOptional({ description: '`0001-01-01T00:00:00Z` while firing' })
  @IsOptional()
  @IsISO8601()
  endsAt?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  generatorURL?: string;

  @ApiProperty({ description: 'Hash of the labels; with startsAt it names one occurrence' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  fingerprint!: string;
}

/**
 * Alertmanager's webhook body, version "4". Fields it adds in newer releases (`notification_reason`,
 * `routeLabels`...) are accepted and ignored: the body is validated without a whitelist.
 */
export class AlertmanagerWebhookDto {
  @ApiProperty({ example: '4' })
  @Equals('4', { message: (a) => `version "${String(a.value)}" is not supported: Yingji accepts Alertmanager webhook version "4"` })
  version!: '4';

  @ApiProperty({ example: '{}:{alertname="PostgresDown"}' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  groupKey!: string;

  @ApiPropertyOptional({ enum: ['firing', 'resolved'] })
  @IsOptional()
  @IsIn(['firing', 'resolved'])
  status?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  receiver?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  truncatedAlerts?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  commonLabels?: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsObject()
  commonAnnotations?: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  externalURL?: string;

  @ApiProperty({ type: [AlertmanagerAlertDto], description: 'The whole group, firing and resolved together' })
  @IsArray({ message: 'alerts must be an array of the group\'s alerts (Alertmanager webhook version "4")' })
  @ValidateNested({ each: true })
  @Type(() => AlertmanagerAlertDto)
  alerts!: AlertmanagerAlertDto[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUrl, Matches, MaxLength, ValidateNested } from 'class-validator';

export class FindingDto {
  @ApiPropertyOptional({ example: 'late:restore-invoices', description: 'The drill finding this item accepts (GET /drills/:id lists them)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  findingId?: string;

  @ApiPropertyOptional({ example: 'restore-invoices', description: 'The plan step it improves' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  stepId?: string;

  @ApiProperty({ example: 'standby was 2 hours behind: alert on replication lag' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  text!: string;

  @ApiProperty({ example: 'dba' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  owner!: string;

  // The shape and a day that exists (strict ISO 8601 refuses 2026-02-30).
  @ApiProperty({ example: '2026-12-31' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'due must be a date YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'due must be a date that exists (YYYY-MM-DD)' })
  due!: string;
}

export class CompleteTaskDto {
  @ApiPropertyOptional({ example: 'writes stopped at 10:42' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  outcome?: string;

  @ApiPropertyOptional({ description: 'Required to complete a failed automated step by hand: the reason' })
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  note?: string;

  @ApiPropertyOptional({ type: [String], description: 'Checklist items ticked, as written in the plan' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  checklist?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Links to evidence' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUrl({ require_tld: false }, { each: true, message: 'each evidence entry must be a URL' })
  evidence?: string[];

  @ApiPropertyOptional({ type: [FindingDto], description: 'For the review task: improvement items' })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FindingDto)
  findings?: FindingDto[];

  @ApiPropertyOptional({
    example: { suspectedAccounts: ['wang.wu'] },
    description: "Facts the step provides (its plan's `provides`), for later steps: a text, number, true/false or list of texts each",
  })
  @IsOptional()
  @IsObject()
  facts?: Record<string, string | number | boolean | string[]>;

  @ApiPropertyOptional({ description: 'True when a simulated responder completes it (demo, drills)' })
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;
}

export class AcknowledgeTaskDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;
}

export class DecideDto {
  @ApiProperty({ example: 'restore' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  option!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;
}

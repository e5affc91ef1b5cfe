import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class OverrideLevelDto {
  @ApiProperty({ enum: ['I', 'II', 'III', 'IV'] })
  @IsIn(['I', 'II', 'III', 'IV'])
  level!: 'I' | 'II' | 'III' | 'IV';

  @ApiProperty({ example: 'declaration deadline is tomorrow' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2000)
  reason!: string;
}

export class AddNoteDto {
  @ApiProperty({ example: 'standby lag is 40 s' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(10000)
  text!: string;

  @ApiPropertyOptional({ description: 'Written by a simulated responder (demo, drills)' })
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;
}

export class CloseIncidentDto {
  @ApiPropertyOptional({ example: 'review held in the weekly meeting' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

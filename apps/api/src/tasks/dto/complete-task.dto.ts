import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class CompleteTaskDto {
  @ApiProperty({ example: 'li.wei', description: 'Person completing the task' })
  @IsString()
  @IsNotEmpty()
  by!: string;

  @ApiPropertyOptional({ description: 'True when a simulated responder completes it (demo, drills)' })
  @IsOptional()
  @IsBoolean()
  simulated?: boolean;

  @ApiPropertyOptional({ example: 'writes stopped at 10:42' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  outcome?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(10000)
  note?: string;
}

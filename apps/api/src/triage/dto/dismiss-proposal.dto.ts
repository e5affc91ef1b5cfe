import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export class DismissProposalDto {
  @ApiProperty({ example: 'planned maintenance of the tax platform gateway', description: 'Why no incident is needed (kept in the audit trail)' })
  @IsString()
  @Matches(/\S/, { message: 'reason must say why the proposal is dismissed' })
  @MaxLength(2000)
  reason!: string;
}

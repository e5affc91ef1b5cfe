import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { Decision, DECISIONS } from '../../../../../domain/access/decisions';

export class AccessDecisionDto {
  @ApiProperty({ example: '3f9a0c1d2b4e5f60', description: 'A token among the review\'s findings' })
  @IsString()
  @Matches(/^[0-9a-f]{16}$/, { message: 'tokenId must be a token id (16 hex digits), as the review lists it' })
  tokenId!: string;

  @ApiProperty({ enum: DECISIONS, description: 'keep: the grant stays (not raised again until its finding changes or YINGJI_ACCESS_KEEP_DAYS pass); revoke: the token stops working at once' })
  @IsIn(DECISIONS, { message: 'decision must be keep or revoke' })
  decision!: Decision;

  @ApiProperty({ example: 'on-call laptop token, used in the quarterly failover drill', description: 'Why (kept with the decision and in the audit trail)' })
  @IsString()
  @Matches(/\S/, { message: 'reason must say why' })
  @MaxLength(2000)
  reason!: string;
}

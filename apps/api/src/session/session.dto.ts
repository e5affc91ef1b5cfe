import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

/** Signing in: the token from `yingji token create`, exchanged for a session cookie. */
export class SignInDto {
  @ApiProperty({ example: 'yj_0123456789abcdef.…', description: 'an API token; the console never keeps it' })
  @IsString()
  @MaxLength(200)
  token!: string;
}

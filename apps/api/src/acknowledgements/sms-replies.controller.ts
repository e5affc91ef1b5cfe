import { Body, Controller, Headers, HttpCode, HttpException, NotFoundException, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { SMS_REPLY_HEADERS, smsUpProblem, SmsUpReply } from '../../../../domain/acknowledgement/sms-reply';
import { Public } from '../auth/decorators';
import { SmsRepliesService } from './sms-replies.service';

/** The SMS gateway's reply callback (Aliyun SmsUp shape). No bearer token: the gateway's signature is the credential. */
@ApiTags('acknowledgements')
@Controller('sms')
export class SmsRepliesController {
  constructor(private readonly replies: SmsRepliesService) {}

  @Post('replies')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Replies to task notices sent by SMS, reported by the gateway and signed with its key: a reply with the code acknowledges the task' })
  async receive(
    @Body() body: unknown,
    @Headers(SMS_REPLY_HEADERS.keyId) keyId: string | undefined,
    @Headers(SMS_REPLY_HEADERS.timestamp) timestamp: string | undefined,
    @Headers(SMS_REPLY_HEADERS.signature) signature: string | undefined,
    @Req() req: Request,
  ) {
    if (!this.replies.key) throw new NotFoundException('SMS replies are not enabled here (YINGJI_SMS_ACCESS_KEY_ID and YINGJI_SMS_ACCESS_KEY_SECRET are not set)');
    const ip = req.ip ?? req.socket?.remoteAddress ?? 'unknown';
    const shape = smsUpProblem(body);
    if (shape) throw new HttpException({ code: 1, msg: `SMS reply report refused: ${shape}` }, 400);
    const replies = body as SmsUpReply[];
    const refused = await this.replies.refusal({ keyId, timestamp, signature }, replies, ip);
    if (refused) throw new HttpException({ code: 1, msg: `SMS reply report refused: ${refused}` }, 401);
    // Aliyun's callback contract: code 0 means received (each reply's own outcome is beside it).
    return { code: 0, msg: '成功', results: await this.replies.handle(replies, ip) };
  }
}

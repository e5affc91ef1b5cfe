import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AckClaims } from '../../../../domain/acknowledgement/ack-link';
import { Public } from '../auth/decorators';
import { ACK_PAGE_CSP, AckPage, acknowledgedPage, alreadyPage, confirmPage, messagePage, refusedPage, usedPage } from './ack-page';
import { AckOutcome, AcknowledgementsService } from './acknowledgements.service';

/** The page an acknowledgement link opens. No bearer token: the signed link is the credential. */
@ApiTags('acknowledgements')
@Controller('ack')
export class AcknowledgementsController {
  constructor(private readonly acks: AcknowledgementsService) {}

  @Get(':token')
  @Public()
  @ApiOperation({ summary: 'The acknowledgement page of a signed link: the task and a button (changes nothing)' })
  async view(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    send(res, await this.answer(token, req, 'GET', async (claims) => {
      const o = await this.acks.preview(claims);
      return o.kind === 'open' ? confirmPage(o.task) : pageOf(o, 200);
    }));
  }

  @Post(':token')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge the task of a signed link, once (the page\'s button)' })
  async acknowledge(@Param('token') token: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    send(res, await this.answer(token, req, 'POST', async (claims) => pageOf(await this.acks.acknowledge(claims, 'link', ipOf(req)), 409)));
  }

  private async answer(token: string, req: Request, method: string, use: (claims: AckClaims) => Promise<AckPage>): Promise<AckPage & { retryAfter?: number }> {
    if (!this.acks.settings) return messagePage(404, '未启用确认链接', 'Acknowledgement links are not enabled here');
    const v = await this.acks.verify(token, ipOf(req), method);
    if ('refused' in v) {
      if (v.throttled) return { ...messagePage(429, '请求过多，请稍后再试', 'Too many refused links: try again later'), retryAfter: v.throttled };
      return refusedPage(v.refused.reason);
    }
    return use(v.claims);
  }
}

const ipOf = (req: Request) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

function pageOf(o: AckOutcome, usedStatus: number): AckPage {
  switch (o.kind) {
    case 'acknowledged':
      return acknowledgedPage(o.task, o.at);
    case 'used':
      return usedPage(usedStatus, o.task, o.use);
    case 'already':
      return alreadyPage(o.task, o.state, o.by, o.at);
    case 'gone':
      return messagePage(404, '任务不存在或已结束', 'This task no longer takes an acknowledgement');
    case 'unavailable':
      return messagePage(503, '暂时无法确认，请稍后重试', 'Could not acknowledge right now: try again in a minute');
  }
}

function send(res: Response, p: AckPage & { retryAfter?: number }): void {
  res.setHeader('Content-Security-Policy', ACK_PAGE_CSP);
  // The link is a credential: no cache keeps the page, no referrer carries the address on.
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  if (p.retryAfter) res.setHeader('Retry-After', String(p.retryAfter));
  res.status(p.status).type('html').send(p.html);
}

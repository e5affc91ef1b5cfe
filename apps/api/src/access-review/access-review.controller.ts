import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { AccessReviewService } from './access-review.service';
import { AccessDecisionDto } from './dto/decide.dto';

@ApiTags('access')
@ApiBearerAuth()
@Controller('access')
export class AccessReviewController {
  constructor(private readonly access: AccessReviewService) {}

  @Get('review')
  @Roles('auditor', 'admin')
  @ApiOperation({ summary: 'Every person, token, role and team, when each token was last used, and the grants to take away (stale, expired but not revoked, admin with auditor)' })
  review() {
    return this.access.review();
  }

  @Get('reviews/:id')
  @ApiOperation({ summary: 'A scheduled access review (its routine task): the findings, the decisions taken and the tokens still to decide' })
  scheduled(@Param('id') id: string, @CurrentCaller() caller: Caller) {
    return this.access.scheduled(id, caller);
  }

  @Post('reviews/:id/decisions')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Keep or revoke one grant of a scheduled review (its team or an admin); revoke takes effect at once. A token not among the findings 400, a second decision 409; the last decision closes the review',
  })
  decide(@Param('id') id: string, @Body() dto: AccessDecisionDto, @CurrentCaller() caller: Caller) {
    return this.access.decide(id, dto, caller);
  }
}

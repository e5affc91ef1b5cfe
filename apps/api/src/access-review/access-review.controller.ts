import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/decorators';
import { AccessReviewService } from './access-review.service';

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
}

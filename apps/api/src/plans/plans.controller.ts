import { BadRequestException, Body, Controller, Get, Header, HttpCode, Param, ParseIntPipe, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller, Roles } from '../auth/decorators';
import { PlansService } from './plans.service';

@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans')
export class PlansController {
  constructor(private readonly plans: PlansService) {}

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Publish a plan version (body: the YAML text, at most 256 KiB and 500 steps). 422 lists every problem (more than 500 steps is one); 413 over 256 KiB; 409 if the version exists or is not above the latest.' })
  @ApiConsumes('application/yaml', 'text/yaml', 'text/plain')
  @ApiBody({ schema: { type: 'string' } })
  async publish(@Body() body: unknown, @CurrentCaller() caller: Caller, @Res({ passthrough: true }) res: Response) {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new BadRequestException('the request body must be the plan YAML text (Content-Type: application/yaml)');
    }
    const result = await this.plans.publish(body, 'request-body.yaml', caller.person);
    if (!result.created) res.status(200);
    return result;
  }

  @Post('validate')
  @Roles('admin', 'commander')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a plan text without publishing it (body: the YAML text). 200 with ok, every problem (file request-body.yaml, line, column, path, message) and, when valid, the id and version it would publish beside the latest published one' })
  @ApiConsumes('application/yaml', 'text/yaml', 'text/plain')
  @ApiBody({ schema: { type: 'string' } })
  validate(@Body() body: unknown) {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new BadRequestException('the request body must be the plan YAML text (Content-Type: application/yaml)');
    }
    return this.plans.validate(body, 'request-body.yaml');
  }

  @Get()
  @ApiOperation({ summary: 'Published plans with their versions' })
  list() {
    return this.plans.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'The latest published version of a plan, parsed' })
  async latest(@Param('id') id: string) {
    const v = await this.plans.get(id);
    return { planId: v.planId, version: v.version, title: v.title, sha256: v.sha256, publishedAt: v.publishedAt, plan: v.parsed };
  }

  @Get(':id/draft-next')
  @Roles('commander', 'admin')
  @ApiOperation({ summary: "The next version's draft: the latest text, version raised, each accepted improvement item as a comment at its step" })
  draftNext(@Param('id') id: string) {
    return this.plans.draftNext(id);
  }

  @Get(':id/versions/:version')
  @Header('Content-Type', 'application/yaml; charset=utf-8')
  @ApiOperation({ summary: 'The exact text that was published as this version' })
  async text(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    return (await this.plans.get(id, version)).sourceText;
  }
}

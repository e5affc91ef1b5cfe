import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';
import { CurrentCaller, SignIn } from '../auth/decorators';
import { clearSessionCookies, setSessionCookies } from './session-cookies';
import { SignInDto } from './session.dto';
import { ConsoleSession, SessionService } from './session.service';

type SessionRequest = Request & { consoleSession?: ConsoleSession };

/** The console's sign-in: a token in, an HttpOnly session cookie out; the token never reaches the page's script. */
@ApiTags('session')
@Controller('session')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  @HttpCode(200)
  @SignIn()
  @ApiBody({ type: SignInDto })
  @ApiOperation({ summary: 'Sign in: the token is verified as a bearer token is; sets yingji_session (HttpOnly) and yingji_csrf (sent back as X-CSRF-Token)' })
  async open(@Body() _body: SignInDto, @CurrentCaller() caller: Caller, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { secret, csrf, expiresAt } = await this.sessions.open(caller, req.headers['user-agent']);
    setSessionCookies(req, res, secret, csrf, expiresAt);
    return { person: caller.person, roles: caller.roles, teams: caller.teams, expiresAt: expiresAt.toISOString() };
  }

  @Get()
  @ApiOperation({ summary: 'Who is signed in (by the session cookie or a bearer token)' })
  whoami(@CurrentCaller() caller: Caller, @Req() req: SessionRequest) {
    const expiresAt = req.consoleSession?.expiresAt.toISOString();
    return { person: caller.person, roles: caller.roles, teams: caller.teams, ...(expiresAt ? { expiresAt } : {}) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: the session ends and both cookies are cleared (needs X-CSRF-Token like any change)' })
  async close(@CurrentCaller() caller: Caller, @Req() req: SessionRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    // A bearer caller has no session to end; the cookies are cleared all the same.
    if (req.consoleSession) await this.sessions.close(caller, req.consoleSession);
    clearSessionCookies(req, res);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Inject } from '@nestjs/common';
import type { Response } from 'express';
import { IdPipe } from '../common/id.pipe';
import { ROOST_ENV, RoostEnv } from '../config/env';
import {
  Actor,
  ALL_ROLES,
  AllowDuringTotpEnrolment,
  ClientIp,
  CurrentActor,
  Public,
  Roles,
} from './actor';
import { ChangeOwnPasswordDto, CreateTokenDto, LoginDto, TotpCodeDto } from './auth.dto';
import { SESSION_COOKIE } from './auth.guard';
import { AuthService } from './auth.service';

@ApiTags('auth')
@ApiCookieAuth()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sign in; sets the httpOnly session cookie. 401 `{ totpRequired: true }` asks for a code.',
  })
  async login(
    @Body() dto: LoginDto,
    @ClientIp() ip: string | null,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { secret, expiresAt, me } = await this.auth.login(dto, ip);
    res.cookie(SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.env.cookieSecure,
      path: '/',
      maxAge: 7 * 86_400_000,
    });
    return { ...me, sessionExpiresAt: expiresAt };
  }

  @Post('logout')
  @Roles(...ALL_ROLES)
  @AllowDuringTotpEnrolment()
  @HttpCode(200)
  async logout(@CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    if (actor.credentialKind === 'session') await this.auth.logout(actor);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  }

  @Get('me')
  @Roles(...ALL_ROLES)
  @AllowDuringTotpEnrolment()
  me(@CurrentActor() actor: Actor) {
    return this.auth.me(actor);
  }

  @Post('password')
  @Roles(...ALL_ROLES)
  @HttpCode(200)
  async changePassword(@CurrentActor() actor: Actor, @Body() dto: ChangeOwnPasswordDto) {
    await this.auth.changeOwnPassword(actor, dto.currentPassword, dto.newPassword);
    return { ok: true };
  }

  @Post('totp/enrol')
  @Roles(...ALL_ROLES)
  @AllowDuringTotpEnrolment()
  @ApiOperation({ summary: 'Start TOTP enrolment: returns the secret and otpauth:// URI once' })
  enrolTotp(@CurrentActor() actor: Actor) {
    return this.auth.beginTotp(actor);
  }

  @Post('totp/confirm')
  @Roles(...ALL_ROLES)
  @AllowDuringTotpEnrolment()
  @HttpCode(200)
  confirmTotp(@CurrentActor() actor: Actor, @Body() dto: TotpCodeDto) {
    return this.auth.confirmTotp(actor, dto.code);
  }

  @Post('totp/remove')
  @Roles(...ALL_ROLES)
  @HttpCode(200)
  removeTotp(@CurrentActor() actor: Actor, @Body() dto: TotpCodeDto) {
    return this.auth.removeTotp(actor, dto.code);
  }

  @Get('tokens')
  @Roles(...ALL_ROLES)
  tokens(@CurrentActor() actor: Actor) {
    return this.auth.listTokens(actor);
  }

  @Post('tokens')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'Create a personal API token (shown once), scoped like its owner' })
  createToken(@CurrentActor() actor: Actor, @Body() dto: CreateTokenDto) {
    return this.auth.createToken(actor, dto.name, dto.expiresInDays);
  }

  @Delete('tokens/:id')
  @Roles(...ALL_ROLES)
  revokeToken(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.auth.revokeToken(actor, id);
  }
}

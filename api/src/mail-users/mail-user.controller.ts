import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import { Actor, ClientIp, CurrentActor, Public, Roles } from '../auth/actor';
import { BigIdPipe } from '../common/id.pipe';
import {
  ChangeMailPasswordDto,
  CheckResetTokenDto,
  PasswordResetDto,
  ResetMailPasswordDto,
  UnlockDto,
} from './mail-user.dto';
import { MailUserService } from './mail-user.service';

@ApiTags('mail-users')
@Controller()
export class MailUserController {
  constructor(private readonly mailUsers: MailUserService) {}

  @Post('mailboxes/:id/password-reset')
  @ApiCookieAuth()
  @Roles(Role.Superadmin, Role.DomainAdmin, Role.Support)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Temporary password (must change) or single-use reset link; reason required for support',
  })
  reset(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: PasswordResetDto,
  ) {
    return this.mailUsers.reset(actor, id, dto);
  }

  @Post('mailboxes/:id/unlock')
  @ApiCookieAuth()
  @Roles(Role.Superadmin, Role.DomainAdmin, Role.Support)
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Clear the mail login's failure counter (mail-auth throttle); reason required for support",
  })
  unlock(@CurrentActor() actor: Actor, @Param('id', BigIdPipe) id: number, @Body() dto: UnlockDto) {
    return this.mailUsers.unlock(actor, id, dto.reason);
  }

  @Post('mail-users/password')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'A mail user changes their own password with the current one' })
  async change(@Body() dto: ChangeMailPasswordDto, @ClientIp() ip: string | null) {
    await this.mailUsers.change(dto.address, dto.currentPassword, dto.newPassword, ip);
    return { ok: true };
  }

  @Post('mail-users/password/reset')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'A mail user sets a new password with a reset token' })
  async resetWithToken(@Body() dto: ResetMailPasswordDto, @ClientIp() ip: string | null) {
    return { ok: true, ...(await this.mailUsers.resetWithToken(dto.token, dto.newPassword, ip)) };
  }

  @Post('mail-users/password/reset/check')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether a reset token is usable, and for which address' })
  check(@Body() dto: CheckResetTokenDto, @ClientIp() ip: string | null) {
    return this.mailUsers.checkToken(dto.token, ip);
  }
}

import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../auth/actor';
import { badRequest } from '../common/api-error';
import { MAIL_AUTH_SECRET_HEADER, MailAuthSecretGuard } from './mail-auth.guard';
import { MailLookupQueryDto, VerifyMailLoginDto } from './mail-auth.dto';
import { MailAuthService } from './mail-auth.service';
import { nginxAnswerHeaders, parseNginxAuthRequest } from './nginx-protocol';

function fromHex(field: string, value: string): string {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(value)) throw badRequest(field, 'is not hex');
  return Buffer.from(value, 'hex').toString('utf8');
}

/**
 * Endpoints for the mail front doors, not for admins: nginx's auth_http, the backends' own
 * password checks, and webmail's backend lookup. Authenticated by the shared secret header.
 */
@ApiTags('mail-auth')
@ApiHeader({ name: MAIL_AUTH_SECRET_HEADER, description: 'ROOST_MAIL_AUTH_SECRET', required: true })
@Public() // not an admin session: MailAuthSecretGuard decides
@UseGuards(MailAuthSecretGuard)
@Controller('mail-auth')
export class MailAuthController {
  constructor(private readonly mailAuth: MailAuthService) {}

  @Get('nginx')
  @ApiOperation({
    summary: 'nginx mail auth_http: Auth-User/Auth-Pass in, Auth-Status/Auth-Server/Auth-Port out',
  })
  async nginx(@Req() req: Request, @Res() res: Response): Promise<void> {
    const answer = await this.mailAuth.nginx(parseNginxAuthRequest(req.headers));
    res.set(nginxAnswerHeaders(answer)).status(200).end();
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: "A backend's password check: 200 lets the login in, 403 refuses it" })
  async verify(@Body() dto: VerifyMailLoginDto): Promise<{ ok: true }> {
    const hex = dto.encoding === 'hex';
    const ok = await this.mailAuth.verify({
      user: hex ? fromHex('user', dto.user) : dto.user,
      password: hex ? fromHex('password', dto.password) : dto.password,
      backend: dto.backend,
    });
    if (!ok) throw new ForbiddenException('login refused');
    return { ok: true };
  }

  @Get('lookup')
  @ApiOperation({
    summary: "Webmail: the user's backend (host and ports); 404 for an unknown user",
  })
  async lookup(@Query() query: MailLookupQueryDto) {
    const found = await this.mailAuth.lookup(query.user);
    if (!found) throw new NotFoundException('no such mailbox');
    return found;
  }
}

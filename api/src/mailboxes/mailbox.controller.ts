import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { BigIdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendJsonPage } from '../common/list-query';
import {
  CreateMailboxDto,
  MailboxActionDto,
  RenameMailboxDto,
  UpdateMailboxDto,
} from './mailbox.dto';
import { MAILBOX_FILTERS, MAILBOX_SORT } from './mailbox.repository';
import { MailboxService } from './mailbox.service';

const SPEC = {
  resource: 'mailboxes',
  sort: MAILBOX_SORT,
  defaultSort: ['address', 'ASC'],
  filters: MAILBOX_FILTERS,
} as const;
const EDITORS = [Role.Superadmin, Role.DomainAdmin];

@ApiTags('mailboxes')
@ApiCookieAuth()
@Controller('mailboxes')
export class MailboxController {
  constructor(private readonly mailboxes: MailboxService) {}

  @Get()
  @Roles(...ALL_ROLES)
  @ApiOperation({
    summary: 'filter: q (address prefix), id, domainId, backendId, state, active, overQuotaPercent',
  })
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendJsonPage(
      res,
      SPEC.resource,
      await this.mailboxes.list(actor, parseListQuery(q, SPEC)),
    );
  }

  @Get(':id')
  @Roles(...ALL_ROLES)
  get(@CurrentActor() actor: Actor, @Param('id', BigIdPipe) id: number) {
    return this.mailboxes.get(actor, id);
  }

  @Post()
  @Roles(...EDITORS)
  @ApiOperation({
    summary:
      'Create (state provisioning) and queue mailbox-create; a generated password is returned once',
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateMailboxDto) {
    return this.mailboxes.create(actor, dto);
  }

  @Put(':id')
  @Roles(...EDITORS)
  @ApiOperation({ summary: 'Display name, quota (queues mailbox-set-quota), pinned (superadmin)' })
  update(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: UpdateMailboxDto,
  ) {
    return this.mailboxes.update(actor, id, dto);
  }

  @Post(':id/rename')
  @Roles(...EDITORS)
  @HttpCode(200)
  rename(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: RenameMailboxDto,
  ) {
    return this.mailboxes.rename(actor, id, dto);
  }

  @Post(':id/suspend')
  @Roles(...EDITORS)
  @HttpCode(200)
  suspend(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: MailboxActionDto,
  ) {
    return this.mailboxes.suspend(actor, id, dto.reason);
  }

  @Post(':id/activate')
  @Roles(...EDITORS)
  @HttpCode(200)
  activate(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: MailboxActionDto,
  ) {
    return this.mailboxes.activate(actor, id, dto.reason);
  }

  @Post(':id/restore')
  @Roles(...EDITORS)
  @HttpCode(200)
  @ApiOperation({ summary: 'Undo a delete during the retention period' })
  restore(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: MailboxActionDto,
  ) {
    return this.mailboxes.restore(actor, id, dto.reason);
  }

  @Delete(':id')
  @Roles(...EDITORS)
  @ApiOperation({ summary: 'Mark deleting and queue a delete delayed by the retention period' })
  remove(@CurrentActor() actor: Actor, @Param('id', BigIdPipe) id: number) {
    return this.mailboxes.remove(actor, id);
  }
}

import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, CurrentActor, Roles } from '../auth/actor';
import { BigIdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateMoveDto, MoveActionDto } from './move.dto';
import { MOVE_FILTERS, MOVE_SORT } from './move.repository';
import { MoveService } from './move.service';

const SPEC = {
  resource: 'moves',
  sort: MOVE_SORT,
  defaultSort: ['id', 'DESC'],
  filters: MOVE_FILTERS,
} as const;

/** Moves of mailboxes between backends: list and watch (progress), start, cancel, retry. */
@ApiTags('moves')
@ApiCookieAuth()
@Controller('moves')
@Roles(Role.Superadmin, Role.Ops)
export class MoveController {
  constructor(private readonly moves: MoveService) {}

  @Get()
  async list(@Query() q: ListQueryDto, @Res({ passthrough: true }) res: Response) {
    return sendPage(res, SPEC.resource, await this.moves.list(parseListQuery(q, SPEC)));
  }

  @Get(':id')
  get(@Param('id', BigIdPipe) id: number) {
    return this.moves.get(id);
  }

  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateMoveDto) {
    return this.moves.create(actor, dto);
  }

  @Post(':id/cancel')
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: MoveActionDto,
  ) {
    return this.moves.cancel(actor, id, dto.reason);
  }

  @Post(':id/retry')
  retry(
    @CurrentActor() actor: Actor,
    @Param('id', BigIdPipe) id: number,
    @Body() dto: MoveActionDto,
  ) {
    return this.moves.retry(actor, id, dto.reason);
  }
}

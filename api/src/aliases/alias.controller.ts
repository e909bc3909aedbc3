import { Body, Controller, Delete, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateAliasDto, UpdateAliasDto } from './alias.dto';
import { ALIAS_FILTERS, ALIAS_SORT } from './alias.repository';
import { AliasService } from './alias.service';

const SPEC = {
  resource: 'aliases',
  sort: ALIAS_SORT,
  defaultSort: ['address', 'ASC'],
  filters: ALIAS_FILTERS,
} as const;
const EDITORS = [Role.Superadmin, Role.DomainAdmin];

@ApiTags('aliases')
@ApiCookieAuth()
@Controller('aliases')
export class AliasController {
  constructor(private readonly aliases: AliasService) {}

  @Get()
  @Roles(...ALL_ROLES)
  @ApiOperation({
    summary: 'filter: q (address prefix), id, domainId, active, target (exact address)',
  })
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendPage(res, SPEC.resource, await this.aliases.list(actor, parseListQuery(q, SPEC)));
  }

  @Get(':id')
  @Roles(...ALL_ROLES)
  get(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.aliases.visible(actor, id);
  }

  @Post()
  @Roles(...EDITORS)
  @ApiOperation({
    summary: 'Alias with one or many targets, or the catch-all `@domain`; loops are refused',
  })
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAliasDto) {
    return this.aliases.create(actor, dto);
  }

  @Put(':id')
  @Roles(...EDITORS)
  update(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateAliasDto,
  ) {
    return this.aliases.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles(...EDITORS)
  remove(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.aliases.remove(actor, id);
  }
}

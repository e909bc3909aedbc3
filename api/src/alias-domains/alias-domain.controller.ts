import { Body, Controller, Delete, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateAliasDomainDto, UpdateAliasDomainDto } from './alias-domain.dto';
import { ALIAS_DOMAIN_FILTERS, ALIAS_DOMAIN_SORT } from './alias-domain.repository';
import { AliasDomainService } from './alias-domain.service';

const SPEC = {
  resource: 'alias-domains',
  sort: ALIAS_DOMAIN_SORT,
  defaultSort: ['name', 'ASC'],
  filters: ALIAS_DOMAIN_FILTERS,
} as const;

@ApiTags('alias-domains')
@ApiCookieAuth()
@Controller('alias-domains')
export class AliasDomainController {
  constructor(private readonly service: AliasDomainService) {}

  @Get()
  @Roles(...ALL_ROLES)
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendPage(res, SPEC.resource, await this.service.list(actor, parseListQuery(q, SPEC)));
  }

  @Get(':id')
  @Roles(...ALL_ROLES)
  get(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.service.get(actor, id);
  }

  @Post()
  @Roles(Role.Superadmin)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAliasDomainDto) {
    return this.service.create(actor, dto);
  }

  @Put(':id')
  @Roles(Role.Superadmin)
  update(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateAliasDomainDto,
  ) {
    return this.service.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles(Role.Superadmin)
  remove(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.service.remove(actor, id);
  }
}

import { Body, Controller, Delete, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateDomainDto, UpdateDomainDto } from './domain.dto';
import { DOMAIN_FILTERS, DOMAIN_SORT } from './domain.repository';
import { DomainService } from './domain.service';

const SPEC = {
  resource: 'domains',
  sort: DOMAIN_SORT,
  defaultSort: ['name', 'ASC'],
  filters: DOMAIN_FILTERS,
} as const;

@ApiTags('domains')
@ApiCookieAuth()
@Controller('domains')
export class DomainController {
  constructor(private readonly domains: DomainService) {}

  @Get()
  @Roles(...ALL_ROLES)
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendPage(res, SPEC.resource, await this.domains.list(actor, parseListQuery(q, SPEC)));
  }

  @Get(':id')
  @Roles(...ALL_ROLES)
  get(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.domains.get(actor, id);
  }

  @Post()
  @Roles(Role.Superadmin)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateDomainDto) {
    return this.domains.create(actor, dto);
  }

  @Put(':id')
  @Roles(Role.Superadmin)
  update(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateDomainDto,
  ) {
    return this.domains.update(actor, id, dto);
  }

  @Delete(':id')
  @Roles(Role.Superadmin)
  remove(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.domains.remove(actor, id);
  }
}

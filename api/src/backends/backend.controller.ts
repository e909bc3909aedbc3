import { Body, Controller, Delete, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateBackendDto, UpdateBackendDto } from './backend.dto';
import { BACKEND_FILTERS, BACKEND_SORT } from './backend.repository';
import { BackendService } from './backend.service';

const SPEC = {
  resource: 'backends',
  sort: BACKEND_SORT,
  defaultSort: ['name', 'ASC'],
  filters: BACKEND_FILTERS,
} as const;

@ApiTags('backends')
@ApiCookieAuth()
@Controller('backends')
@Roles(Role.Superadmin, Role.Ops)
export class BackendController {
  constructor(private readonly backends: BackendService) {}

  @Get()
  async list(@Query() q: ListQueryDto, @Res({ passthrough: true }) res: Response) {
    return sendPage(res, SPEC.resource, await this.backends.list(parseListQuery(q, SPEC)));
  }

  @Get(':id')
  get(@Param('id', IdPipe) id: number) {
    return this.backends.get(id);
  }

  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateBackendDto) {
    return this.backends.create(actor, dto);
  }

  @Put(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateBackendDto,
  ) {
    return this.backends.update(actor, id, dto);
  }

  @Delete(':id')
  remove(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.backends.remove(actor, id);
  }
}

import { Body, Controller, Delete, Get, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreateAdminDto, UpdateAdminDto } from './admin.dto';
import { ADMIN_FILTERS, ADMIN_SORT } from './admin.repository';
import { AdminService } from './admin.service';

const SPEC = {
  resource: 'admins',
  sort: ADMIN_SORT,
  defaultSort: ['username', 'ASC'],
  filters: ADMIN_FILTERS,
} as const;

@ApiTags('admins')
@ApiCookieAuth()
@Controller('admins')
@Roles(Role.Superadmin)
export class AdminController {
  constructor(private readonly admins: AdminService) {}

  @Get()
  async list(@Query() q: ListQueryDto, @Res({ passthrough: true }) res: Response) {
    return sendPage(res, SPEC.resource, await this.admins.list(parseListQuery(q, SPEC)));
  }

  @Get(':id')
  get(@Param('id', IdPipe) id: number) {
    return this.admins.get(id);
  }

  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAdminDto) {
    return this.admins.create(actor, dto);
  }

  @Put(':id')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: UpdateAdminDto,
  ) {
    return this.admins.update(actor, id, dto);
  }

  @Delete(':id')
  remove(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number) {
    return this.admins.remove(actor, id);
  }
}

import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, CurrentActor, Roles } from '../auth/actor';
import { IdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { CreatePlanDto, PlanActionDto } from './rebalance.dto';
import { PLAN_FILTERS, PLAN_SORT } from './rebalance.repository';
import { RebalanceService } from './rebalance.service';

const SPEC = {
  resource: 'rebalance-plans',
  sort: PLAN_SORT,
  defaultSort: ['id', 'DESC'],
  filters: PLAN_FILTERS,
} as const;

/** Rebalance plans: dry run, approve, pause/resume, cancel, aggregated progress. */
@ApiTags('rebalance')
@ApiCookieAuth()
@Controller('rebalance/plans')
@Roles(Role.Superadmin, Role.Ops)
export class RebalanceController {
  constructor(private readonly plans: RebalanceService) {}

  @Get()
  async list(@Query() q: ListQueryDto, @Res({ passthrough: true }) res: Response) {
    return sendPage(res, SPEC.resource, await this.plans.list(parseListQuery(q, SPEC)));
  }

  @Get(':id')
  get(@Param('id', IdPipe) id: number) {
    return this.plans.get(id);
  }

  @Post()
  create(@CurrentActor() actor: Actor, @Body() dto: CreatePlanDto) {
    return this.plans.create(actor, dto);
  }

  @Post(':id/approve')
  approve(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: PlanActionDto,
  ) {
    return this.plans.approve(actor, id, dto.reason);
  }

  @Post(':id/pause')
  pause(@CurrentActor() actor: Actor, @Param('id', IdPipe) id: number, @Body() dto: PlanActionDto) {
    return this.plans.pause(actor, id, dto.reason);
  }

  @Post(':id/resume')
  resume(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: PlanActionDto,
  ) {
    return this.plans.resume(actor, id, dto.reason);
  }

  @Post(':id/cancel')
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', IdPipe) id: number,
    @Body() dto: PlanActionDto,
  ) {
    return this.plans.cancel(actor, id, dto.reason);
  }
}

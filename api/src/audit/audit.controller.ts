import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { notFound } from '../common/api-error';
import { BigIdPipe } from '../common/id.pipe';
import { ListQueryDto, parseListQuery, sendPage } from '../common/list-query';
import { AUDIT_FILTERS, AUDIT_SORT, AuditRepository } from './audit.repository';

const SPEC = {
  resource: 'audit',
  sort: AUDIT_SORT,
  defaultSort: ['id', 'DESC'],
  filters: AUDIT_FILTERS,
} as const;

@ApiTags('audit')
@ApiCookieAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @Get()
  @Roles(...ALL_ROLES)
  @ApiOperation({
    summary:
      'Audit events: all for superadmin/ops, own domains for domain admins, own actions for support',
  })
  async list(
    @CurrentActor() actor: Actor,
    @Query() q: ListQueryDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    return sendPage(res, 'audit', await this.audit.list(actor, parseListQuery(q, SPEC)));
  }

  @Get(':id')
  @Roles(...ALL_ROLES)
  async one(@CurrentActor() actor: Actor, @Param('id', BigIdPipe) id: number) {
    const row = await this.audit.findOne(actor, id);
    if (!row) throw notFound('audit event');
    return row;
  }
}

import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@roost/core';
import type { Response } from 'express';
import { Actor, ALL_ROLES, CurrentActor, Roles } from '../auth/actor';
import { parseListQuery } from '../common/list-query';
import { BulkImportDto, ExportQueryDto } from './bulk.dto';
import { BulkService } from './bulk.service';

const EXPORT_SPEC = {
  resource: 'export',
  sort: ['id'],
  defaultSort: ['id', 'ASC'],
  filters: { domainId: 'int' },
} as const;
const EDITORS = [Role.Superadmin, Role.DomainAdmin];

@ApiTags('bulk')
@ApiCookieAuth()
@Controller('bulk')
export class BulkController {
  constructor(private readonly bulk: BulkService) {}

  @Get('mailboxes.csv')
  @Roles(...ALL_ROLES)
  @ApiOperation({ summary: 'CSV of the mailboxes in scope (no password hashes)' })
  async exportMailboxes(
    @CurrentActor() actor: Actor,
    @Query() q: ExportQueryDto,
    @Res() res: Response,
  ) {
    await this.bulk.exportMailboxes(actor, parseListQuery(q, EXPORT_SPEC).filter.domainId, res);
  }

  @Get('aliases.csv')
  @Roles(...ALL_ROLES)
  async exportAliases(
    @CurrentActor() actor: Actor,
    @Query() q: ExportQueryDto,
    @Res() res: Response,
  ) {
    await this.bulk.exportAliases(actor, parseListQuery(q, EXPORT_SPEC).filter.domainId, res);
  }

  @Post('mailboxes/import')
  @Roles(...EDITORS)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Columns: address, display_name, quota_bytes, password | password_hash, pinned. dryRun reports per-row errors; apply is all-or-nothing (422 with the errors)',
  })
  importMailboxes(@CurrentActor() actor: Actor, @Body() dto: BulkImportDto) {
    return this.bulk.importMailboxes(actor, dto.csv, dto.dryRun, dto.reason);
  }

  @Post('aliases/import')
  @Roles(...EDITORS)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Columns: address (or @domain), targets (space, comma or ; separated), active',
  })
  importAliases(@CurrentActor() actor: Actor, @Body() dto: BulkImportDto) {
    return this.bulk.importAliases(actor, dto.csv, dto.dryRun);
  }
}

import { Injectable } from '@nestjs/common';
import { domainError, normalizeDomain } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf, inScope, scopeIds } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound, rejectNulls, unprocessable } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { DomainRepository } from '../domains/domain.repository';
import { CreateAliasDomainDto, UpdateAliasDomainDto } from './alias-domain.dto';
import {
  ALIAS_DOMAIN_FILTERS,
  ALIAS_DOMAIN_SORT,
  AliasDomainRepository,
  AliasDomainRow,
} from './alias-domain.repository';

/**
 * Alias domains: `local@alias` delivers as `local@target`. Creating one claims a domain name for
 * the whole fleet, so only a superadmin may; others read those of their domains.
 */
@Injectable()
export class AliasDomainService {
  constructor(
    private readonly ds: DataSource,
    private readonly repo: AliasDomainRepository,
    private readonly domains: DomainRepository,
    private readonly audit: AuditService,
  ) {}

  list(
    actor: Actor,
    q: ListQuery<(typeof ALIAS_DOMAIN_SORT)[number], typeof ALIAS_DOMAIN_FILTERS>,
  ): Promise<Page<AliasDomainRow>> {
    return this.repo.list(scopeIds(actor), q);
  }

  async get(actor: Actor, id: number, em?: EntityManager, lock = false): Promise<AliasDomainRow> {
    const row = await this.repo.findById(id, em, lock);
    if (!row || !inScope(actor, row.targetDomainId)) throw notFound('alias domain');
    return row;
  }

  private async target(em: EntityManager, id: number): Promise<void> {
    if (!(await this.domains.findById(id, em, true)))
      throw unprocessable('targetDomainId', 'is not a known domain');
  }

  async create(actor: Actor, dto: CreateAliasDomainDto): Promise<AliasDomainRow> {
    const name = normalizeDomain(dto.name);
    const reason = domainError(name);
    if (reason) throw badRequest('name', reason);
    try {
      return await this.ds.transaction(async (em) => {
        await this.target(em, dto.targetDomainId);
        if (await this.domains.findByName(name, em)) throw conflict('name', 'is already a domain');
        const id = await this.repo.insert(em, {
          name,
          targetDomainId: dto.targetDomainId,
          active: dto.active ?? true,
        });
        const created = (await this.repo.findById(id, em))!;
        await this.audit.record(em, callerOf(actor), {
          action: 'alias-domain.create',
          targetType: 'alias-domain',
          targetId: id,
          domainId: created.targetDomainId,
          after: created,
        });
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'alias_domains_name_key'))
        throw conflict('name', 'already exists');
      throw err;
    }
  }

  async update(actor: Actor, id: number, dto: UpdateAliasDomainDto): Promise<AliasDomainRow> {
    rejectNulls(dto, ['targetDomainId', 'active']);
    return this.ds.transaction(async (em) => {
      const before = await this.get(actor, id, em, true);
      if (dto.targetDomainId !== undefined) await this.target(em, dto.targetDomainId);
      await this.repo.update(em, id, dto);
      const after = (await this.repo.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action: 'alias-domain.update',
        targetType: 'alias-domain',
        targetId: id,
        domainId: after.targetDomainId,
        before,
        after,
      });
      return after;
    });
  }

  async remove(actor: Actor, id: number): Promise<AliasDomainRow> {
    return this.ds.transaction(async (em) => {
      const before = await this.get(actor, id, em, true);
      await this.repo.delete(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'alias-domain.delete',
        targetType: 'alias-domain',
        targetId: id,
        domainId: before.targetDomainId,
        before,
      });
      return before;
    });
  }
}

import { Injectable } from '@nestjs/common';
import { domainError, normalizeDomain, PlacementPolicy } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf, inScope, scopeIds } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import {
  badRequest,
  conflict,
  FieldError,
  invalid,
  notFound,
  rejectNulls,
} from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { CreateDomainDto, UpdateDomainDto } from './domain.dto';
import {
  DOMAIN_FILTERS,
  DOMAIN_SORT,
  DomainFields,
  DomainRepository,
  DomainRow,
  DomainUsageRow,
} from './domain.repository';
import { parsePlacementPolicy } from './placement-policy';

@Injectable()
export class DomainService {
  constructor(
    private readonly ds: DataSource,
    private readonly domains: DomainRepository,
    private readonly audit: AuditService,
  ) {}

  /** A page of domains, each with its usage (one aggregated query for the whole page). */
  async list(
    actor: Actor,
    q: ListQuery<(typeof DOMAIN_SORT)[number], typeof DOMAIN_FILTERS>,
  ): Promise<Page<DomainRow & { usage: DomainUsageRow }>> {
    const page = await this.domains.list(scopeIds(actor), q);
    const usage = await this.domains.usageOf(page.items.map((d) => d.id));
    return { ...page, items: page.items.map((d) => ({ ...d, usage: usage.get(d.id)! })) };
  }

  /** The domain if it exists and the actor may see it; 404 otherwise, alike. */
  async visible(actor: Actor, id: number, em?: EntityManager, lock = false): Promise<DomainRow> {
    if (!inScope(actor, id)) throw notFound('domain');
    const d = await this.domains.findById(id, em, lock);
    if (!d) throw notFound('domain');
    return d;
  }

  async get(actor: Actor, id: number): Promise<DomainRow & { usage: DomainUsageRow }> {
    const d = await this.visible(actor, id);
    return { ...d, usage: await this.domains.usage(id) };
  }

  private async checkPolicy(input: unknown, em: EntityManager): Promise<PlacementPolicy> {
    const parsed = parsePlacementPolicy(input);
    if ('errors' in parsed) throw invalid(parsed.errors);
    const existing = await this.domains.existingBackendIds(parsed.backendIds, em);
    const missing = parsed.backendIds.filter((id) => !existing.includes(id));
    if (missing.length)
      throw badRequest('placementPolicy', `names unknown backends ${missing.join(', ')}`);
    return parsed.policy;
  }

  private checkLimits(
    d: Pick<DomainFields, 'maxQuotaBytes' | 'defaultQuotaBytes' | 'totalQuotaBytes'>,
  ): void {
    const errors: FieldError[] = [];
    if (d.maxQuotaBytes !== null && d.defaultQuotaBytes > d.maxQuotaBytes)
      errors.push({ field: 'defaultQuotaBytes', reason: 'must not be above maxQuotaBytes' });
    if (d.totalQuotaBytes !== null && d.defaultQuotaBytes > d.totalQuotaBytes)
      errors.push({ field: 'defaultQuotaBytes', reason: 'must not be above totalQuotaBytes' });
    if (errors.length) throw invalid(errors);
  }

  async create(actor: Actor, dto: CreateDomainDto): Promise<DomainRow> {
    const name = normalizeDomain(dto.name);
    const reason = domainError(name);
    if (reason) throw badRequest('name', reason);
    try {
      return await this.ds.transaction(async (em) => {
        if (await this.domains.aliasDomainNamed(name, em))
          throw conflict('name', 'is already an alias domain');
        const fields: DomainFields = {
          name,
          active: dto.active ?? true,
          maxMailboxes: dto.maxMailboxes ?? null,
          maxAliases: dto.maxAliases ?? null,
          maxQuotaBytes: dto.maxQuotaBytes ?? null,
          totalQuotaBytes: dto.totalQuotaBytes ?? null,
          defaultQuotaBytes: dto.defaultQuotaBytes ?? 1073741824,
          placementPolicy:
            dto.placementPolicy === undefined
              ? { kind: 'any' }
              : await this.checkPolicy(dto.placementPolicy, em),
        };
        this.checkLimits(fields);
        const id = await this.domains.insert(em, fields);
        await this.audit.record(em, callerOf(actor), {
          action: 'domain.create',
          targetType: 'domain',
          targetId: id,
          domainId: id,
          after: fields,
        });
        return (await this.domains.findById(id, em))!;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'domains_name_key')) throw conflict('name', 'already exists');
      throw err;
    }
  }

  async update(actor: Actor, id: number, dto: UpdateDomainDto): Promise<DomainRow> {
    rejectNulls(dto, ['active', 'defaultQuotaBytes', 'placementPolicy']);
    return this.ds.transaction(async (em) => {
      const before = await this.visible(actor, id, em, true);
      const changes: Partial<DomainFields> = {
        active: dto.active,
        maxMailboxes: dto.maxMailboxes,
        maxAliases: dto.maxAliases,
        maxQuotaBytes: dto.maxQuotaBytes,
        totalQuotaBytes: dto.totalQuotaBytes,
        defaultQuotaBytes: dto.defaultQuotaBytes,
        placementPolicy:
          dto.placementPolicy === undefined
            ? undefined
            : await this.checkPolicy(dto.placementPolicy, em),
      };
      const merged = {
        ...before,
        ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      };
      this.checkLimits(merged);
      await this.domains.update(em, id, changes);
      const after = (await this.domains.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action: 'domain.update',
        targetType: 'domain',
        targetId: id,
        domainId: id,
        before,
        after,
      });
      return after;
    });
  }

  async remove(actor: Actor, id: number): Promise<DomainRow> {
    return this.ds.transaction(async (em) => {
      const before = await this.visible(actor, id, em, true);
      const usage = await this.domains.usage(id, em);
      if (usage.mailboxes > 0)
        throw conflict('id', `still has ${usage.mailboxes} mailboxes; delete them first`);
      if (usage.aliases > 0)
        throw conflict('id', `still has ${usage.aliases} aliases; delete them first`);
      await this.domains.delete(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'domain.delete',
        targetType: 'domain',
        targetId: id,
        domainId: id,
        before,
      });
      return before;
    });
  }
}

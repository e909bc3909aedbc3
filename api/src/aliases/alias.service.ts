import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf, inScope, scopeIds } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { conflict, isRowErrors, notFound, rejectNulls, rowError } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { DomainRepository } from '../domains/domain.repository';
import { CreateAliasDto, UpdateAliasDto } from './alias.dto';
import { AliasPlanner, PlannedAlias } from './alias-planner';
import { ALIAS_FILTERS, ALIAS_SORT, AliasRepository, AliasRow } from './alias.repository';

@Injectable()
export class AliasService {
  constructor(
    private readonly ds: DataSource,
    private readonly aliases: AliasRepository,
    private readonly domains: DomainRepository,
    private readonly audit: AuditService,
  ) {}

  planner(em: EntityManager, actor: Actor): AliasPlanner {
    return new AliasPlanner(em, actor, { aliases: this.aliases, domains: this.domains });
  }

  list(
    actor: Actor,
    q: ListQuery<(typeof ALIAS_SORT)[number], typeof ALIAS_FILTERS>,
  ): Promise<Page<AliasRow>> {
    return this.aliases.list(scopeIds(actor), q);
  }

  async visible(actor: Actor, id: number, em?: EntityManager, lock = false): Promise<AliasRow> {
    const a = await this.aliases.findById(id, em, lock);
    if (!a || !inScope(actor, a.domainId)) throw notFound('alias');
    return a;
  }

  /** Inserts planned aliases and their audit events inside the caller's transaction. */
  async insertPlanned(em: EntityManager, actor: Actor, plans: PlannedAlias[]): Promise<AliasRow[]> {
    const ids = await this.aliases.insertMany(em, plans);
    const out: AliasRow[] = [];
    for (const id of ids) {
      const a = (await this.aliases.findById(id, em))!;
      out.push(a);
      await this.audit.record(em, callerOf(actor), {
        action: 'alias.create',
        targetType: 'alias',
        targetId: id,
        domainId: a.domainId,
        after: a,
      });
    }
    return out;
  }

  async create(actor: Actor, dto: CreateAliasDto): Promise<AliasRow> {
    try {
      return await this.ds.transaction(async (em) => {
        const plan = await this.planner(em, actor).plan(dto);
        if (isRowErrors(plan)) throw rowError(plan);
        return (await this.insertPlanned(em, actor, [plan]))[0];
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('address', 'already exists');
      throw err;
    }
  }

  async update(actor: Actor, id: number, dto: UpdateAliasDto): Promise<AliasRow> {
    rejectNulls(dto, ['targets', 'active']);
    return this.ds.transaction(async (em) => {
      const before = await this.visible(actor, id, em, true);
      let targets: string[] | undefined;
      if (dto.targets !== undefined) {
        const checked = await this.planner(em, actor).checkTargets(before.address, dto.targets);
        if (isRowErrors(checked)) throw rowError(checked);
        targets = checked;
      }
      await this.aliases.update(em, id, { targets, active: dto.active });
      const after = (await this.aliases.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action: 'alias.update',
        targetType: 'alias',
        targetId: id,
        domainId: after.domainId,
        before,
        after,
      });
      return after;
    });
  }

  async remove(actor: Actor, id: number): Promise<AliasRow> {
    return this.ds.transaction(async (em) => {
      const before = await this.visible(actor, id, em, true);
      await this.aliases.delete(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'alias.delete',
        targetType: 'alias',
        targetId: id,
        domainId: before.domainId,
        before,
      });
      return before;
    });
  }
}

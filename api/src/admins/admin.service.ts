import { Injectable } from '@nestjs/common';
import { Role } from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf } from '../auth/actor';
import { CredentialCache } from '../auth/credential-cache';
import { CredentialRepository } from '../auth/credential.repository';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound, rejectNulls, unprocessable } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { PasswordService } from '../passwords/password.service';
import { CreateAdminDto, UpdateAdminDto } from './admin.dto';
import { ADMIN_FILTERS, ADMIN_SORT, AdminRepository, AdminRow } from './admin.repository';

const SCOPED: Role[] = [Role.DomainAdmin, Role.Support];

/** Admins and their scopes; superadmin only (guarded by the controller). */
@Injectable()
export class AdminService {
  constructor(
    private readonly ds: DataSource,
    private readonly admins: AdminRepository,
    private readonly credentials: CredentialRepository,
    private readonly cache: CredentialCache,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
  ) {}

  async list(
    q: ListQuery<(typeof ADMIN_SORT)[number], typeof ADMIN_FILTERS>,
  ): Promise<Page<AdminRow>> {
    const { rows, total } = await this.admins.list(q);
    return { items: rows, offset: q.offset, total };
  }

  async get(id: number): Promise<AdminRow> {
    const a = await this.admins.findById(id);
    if (!a) throw notFound('admin');
    return a;
  }

  private async checkDomains(
    em: EntityManager,
    role: Role,
    domainIds: number[],
  ): Promise<number[]> {
    const unique = [...new Set(domainIds)];
    if (!SCOPED.includes(role) && unique.length > 0)
      throw badRequest('domainIds', `must be empty for ${role}, who sees every domain`);
    const existing = await this.admins.existingDomainIds(em, unique);
    const missing = unique.filter((id) => !existing.includes(id));
    if (missing.length)
      throw unprocessable('domainIds', `names unknown domains ${missing.join(', ')}`);
    return unique.sort((a, b) => a - b);
  }

  async create(
    actor: Actor,
    dto: CreateAdminDto,
  ): Promise<AdminRow & { generatedPassword?: string }> {
    const generated = dto.password === undefined ? this.passwords.generate() : undefined;
    if (dto.password !== undefined) {
      const weak = this.passwords.weakness(dto.password, { localPart: dto.username });
      if (weak) throw badRequest('password', weak);
    }
    const hash = await this.passwords.hash(dto.password ?? generated!);
    try {
      const created = await this.ds.transaction(async (em) => {
        const domainIds = await this.checkDomains(em, dto.role, dto.domainIds ?? []);
        const id = await this.admins.insert(em, {
          username: dto.username,
          passwordHash: hash,
          role: dto.role,
          active: dto.active ?? true,
          totpRequired: dto.totpRequired ?? false,
        });
        await this.admins.setDomains(em, id, domainIds);
        const row = (await this.admins.findById(id, em))!;
        await this.audit.record(em, callerOf(actor), {
          action: 'admin.create',
          targetType: 'admin',
          targetId: id,
          after: row,
        });
        return row;
      });
      return generated ? { ...created, generatedPassword: generated } : created;
    } catch (err) {
      if (isUniqueViolation(err, 'admins_username_key'))
        throw conflict('username', 'already exists');
      throw err;
    }
  }

  async update(actor: Actor, id: number, dto: UpdateAdminDto): Promise<AdminRow> {
    rejectNulls(dto, ['role', 'password', 'domainIds', 'active', 'totpRequired', 'resetTotp']);
    const before = await this.get(id);
    if (dto.password !== undefined) {
      const weak = this.passwords.weakness(dto.password, { localPart: before.username });
      if (weak) throw badRequest('password', weak);
    }
    const hash = dto.password !== undefined ? await this.passwords.hash(dto.password) : undefined;
    const updated = await this.ds.transaction(async (em) => {
      const current = await this.admins.findById(id, em, true);
      if (!current) throw notFound('admin');
      const role = dto.role ?? current.role;
      const losesSuper =
        current.role === Role.Superadmin &&
        current.active &&
        (role !== Role.Superadmin || dto.active === false);
      if (losesSuper && (await this.admins.otherActiveSuperadmins(em, id)) === 0)
        throw conflict('role', 'would leave no active superadmin');
      let domainIds = dto.domainIds;
      if (domainIds !== undefined || dto.role !== undefined)
        domainIds = await this.checkDomains(
          em,
          role,
          domainIds ?? (SCOPED.includes(role) ? current.domainIds : []),
        );
      await this.admins.update(em, id, {
        role: dto.role,
        active: dto.active,
        totpRequired: dto.totpRequired,
        passwordHash: hash,
        totpSecret: dto.resetTotp ? null : undefined,
      });
      if (domainIds !== undefined) await this.admins.setDomains(em, id, domainIds);
      // A new password, a deactivation or a new role ends the admin's sessions; deactivation also their tokens.
      if (hash || dto.active === false || (dto.role && dto.role !== current.role))
        await this.credentials.revokeAll(em, id, dto.active === false);
      const after = (await this.admins.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.update',
        targetType: 'admin',
        targetId: id,
        before: current,
        after: {
          ...after,
          ...(hash ? { passwordChanged: true } : {}),
          ...(dto.resetTotp ? { totpReset: true } : {}),
        },
      });
      return after;
    });
    // Committed: forget cached credential owners (role, scope, active).
    this.cache.clear();
    return updated;
  }

  async remove(actor: Actor, id: number): Promise<AdminRow> {
    if (id === actor.id)
      throw conflict('id', 'is you; another superadmin must remove your account');
    const removed = await this.ds.transaction(async (em) => {
      const before = await this.admins.findById(id, em, true);
      if (!before) throw notFound('admin');
      if (
        before.role === Role.Superadmin &&
        before.active &&
        (await this.admins.otherActiveSuperadmins(em, id)) === 0
      )
        throw conflict('id', 'is the last active superadmin');
      await this.admins.delete(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'admin.delete',
        targetType: 'admin',
        targetId: id,
        before,
      });
      return before;
    });
    this.cache.clear();
    return removed;
  }
}

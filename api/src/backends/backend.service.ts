import { Injectable } from '@nestjs/common';
import { BackendState, TlsMode } from '@roost/core';
import { DataSource } from 'typeorm';
import { Actor, callerOf } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound, rejectNulls } from '../common/api-error';
import { ListQuery, Page } from '../common/list-query';
import { isUniqueViolation } from '../common/sql';
import { CreateBackendDto, UpdateBackendDto } from './backend.dto';
import {
  BACKEND_FILTERS,
  BACKEND_SORT,
  BackendFields,
  BackendRepository,
  BackendRow,
} from './backend.repository';

/** Configuration only: what the row says, never the fill figures, goes into the audit log. */
function auditView(b: BackendRow): object {
  const rest: Partial<BackendRow> = { ...b };
  delete rest.mailboxCount;
  delete rest.usedBytes;
  delete rest.quotaAllocatedBytes;
  delete rest.fillPercent;
  return rest;
}

@Injectable()
export class BackendService {
  constructor(
    private readonly ds: DataSource,
    private readonly backends: BackendRepository,
    private readonly audit: AuditService,
  ) {}

  list(
    q: ListQuery<(typeof BACKEND_SORT)[number], typeof BACKEND_FILTERS>,
  ): Promise<Page<BackendRow>> {
    return this.backends.list(q);
  }

  async get(id: number): Promise<BackendRow> {
    const b = await this.backends.findById(id);
    if (!b) throw notFound('backend');
    return b;
  }

  async create(actor: Actor, dto: CreateBackendDto): Promise<BackendRow> {
    const fields: BackendFields = {
      name: dto.name,
      imapHost: dto.imapHost,
      imapPort: dto.imapPort,
      pop3Port: dto.pop3Port ?? null,
      lmtpHost: dto.lmtpHost,
      lmtpPort: dto.lmtpPort,
      sievePort: dto.sievePort ?? null,
      adminUser: dto.adminUser ?? 'cyrus',
      adminSecretRef: dto.adminSecretRef,
      controlCommand: dto.controlCommand ?? null,
      tlsMode: dto.tlsMode ?? TlsMode.None,
      tlsVerify: dto.tlsVerify ?? true,
      capacityBytes: dto.capacityBytes,
      capacityMailboxes: dto.capacityMailboxes,
      weight: dto.weight ?? 100,
      state: dto.state ?? BackendState.Active,
    };
    try {
      return await this.ds.transaction(async (em) => {
        const id = await this.backends.insert(em, fields);
        const created = (await this.backends.findById(id, em))!;
        await this.audit.record(em, callerOf(actor), {
          action: 'backend.create',
          targetType: 'backend',
          targetId: id,
          after: auditView(created),
        });
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'backends_name_key')) throw conflict('name', 'already exists');
      throw err;
    }
  }

  async update(actor: Actor, id: number, dto: UpdateBackendDto): Promise<BackendRow> {
    return this.ds.transaction(async (em) => {
      const before = await this.backends.findById(id, em, true);
      if (!before) throw notFound('backend');
      rejectNulls(dto, [
        'imapHost',
        'imapPort',
        'lmtpHost',
        'lmtpPort',
        'adminUser',
        'adminSecretRef',
        'tlsMode',
        'tlsVerify',
        'capacityBytes',
        'capacityMailboxes',
        'weight',
        'state',
      ]);
      await this.backends.update(em, id, { ...dto });
      const after = (await this.backends.findById(id, em))!;
      await this.audit.record(em, callerOf(actor), {
        action:
          dto.state && dto.state !== before.state ? `backend.state-${dto.state}` : 'backend.update',
        targetType: 'backend',
        targetId: id,
        before: auditView(before),
        after: auditView(after),
      });
      return after;
    });
  }

  async remove(actor: Actor, id: number): Promise<BackendRow> {
    return this.ds.transaction(async (em) => {
      const before = await this.backends.findById(id, em, true);
      if (!before) throw notFound('backend');
      const refs = await this.backends.references(em, id);
      if (refs.mailboxes > 0)
        throw conflict('id', `still holds ${refs.mailboxes} mailboxes; move them first`);
      if (refs.moves > 0) throw conflict('id', 'has move history; set it to down instead');
      if (refs.domains > 0)
        throw conflict('id', `is named in the placement policy of ${refs.domains} domains`);
      await this.backends.delete(em, id);
      await this.audit.record(em, callerOf(actor), {
        action: 'backend.delete',
        targetType: 'backend',
        targetId: id,
        before: auditView(before),
      });
      return before;
    });
  }
}

import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  isParsedAddress,
  JobName,
  MailboxState,
  parseAddress,
  quotaViolation,
  Role,
} from '@roost/core';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, callerOf, inScope, scopeIds } from '../auth/actor';
import { AuditService } from '../audit/audit.service';
import { BackendRepository } from '../backends/backend.repository';
import {
  ApiError,
  badRequest,
  conflict,
  isRowErrors,
  notFound,
  rejectNulls,
  rowError,
  unprocessable,
} from '../common/api-error';
import { JsonPage } from '../common/count';
import { isUniqueViolation } from '../common/sql';
import { ROOST_ENV, RoostEnv } from '../config/env';
import { DomainRepository } from '../domains/domain.repository';
import { JobsService } from '../jobs/jobs.service';
import { PasswordService } from '../passwords/password.service';
import { CreateMailboxDto, RenameMailboxDto, UpdateMailboxDto } from './mailbox.dto';
import { MailboxInput, MailboxPlanner, PlannedMailbox } from './mailbox-planner';
import { MailboxListQuery, MailboxRepository, MailboxRow, Versioned } from './mailbox.repository';

export interface MailboxResponse extends MailboxRow {
  /** Id of the job that carries the change to Cyrus; null if it could not be queued (retried by the workers' sweep). */
  jobId?: string | null;
  /** Only in the creation response, when Roost chose the password. */
  generatedPassword?: string;
}

/** States in which each change may start. */
const ALLOWED: Record<
  'quota' | 'rename' | 'suspend' | 'activate' | 'delete' | 'restore',
  MailboxState[]
> = {
  quota: [
    MailboxState.Provisioning,
    MailboxState.Active,
    MailboxState.Suspended,
    MailboxState.Moving,
    MailboxState.Frozen,
    MailboxState.Error,
  ],
  rename: [MailboxState.Active, MailboxState.Suspended],
  suspend: [MailboxState.Active],
  activate: [MailboxState.Suspended],
  delete: [
    MailboxState.Provisioning,
    MailboxState.Active,
    MailboxState.Suspended,
    MailboxState.Error,
  ],
  restore: [MailboxState.Deleting],
};

function requireState(m: MailboxRow, change: keyof typeof ALLOWED): void {
  if (!ALLOWED[change].includes(m.state))
    throw conflict('state', `is ${m.state}; ${change} needs ${ALLOWED[change].join(' or ')}`);
}

@Injectable()
export class MailboxService {
  constructor(
    private readonly ds: DataSource,
    private readonly mailboxes: MailboxRepository,
    private readonly domains: DomainRepository,
    private readonly backends: BackendRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    @Inject(ROOST_ENV) private readonly env: RoostEnv,
  ) {}

  planner(em: EntityManager, actor: Actor): MailboxPlanner {
    return new MailboxPlanner(em, actor, {
      domains: this.domains,
      backends: this.backends,
      mailboxes: this.mailboxes,
      passwords: this.passwords,
    });
  }

  list(actor: Actor, q: MailboxListQuery): Promise<JsonPage> {
    return this.mailboxes.list(scopeIds(actor), q);
  }

  /** The mailbox if it exists and is in the actor's scope; the same 404 otherwise. */
  async visible(actor: Actor, id: number, em?: EntityManager, lock = false): Promise<MailboxRow> {
    const m = await this.mailboxes.findById(id, em, lock);
    if (!m || !inScope(actor, m.domainId)) throw notFound('mailbox');
    return m;
  }

  get(actor: Actor, id: number): Promise<MailboxRow> {
    return this.visible(actor, id);
  }

  /**
   * Inserts planned mailboxes with their audit events (inside the caller's transaction).
   * Enqueue their creation jobs with `enqueueCreates` after the commit.
   */
  async insertPlanned(
    em: EntityManager,
    actor: Actor,
    planner: MailboxPlanner,
    plans: PlannedMailbox[],
    reason?: string,
  ): Promise<MailboxRow[]> {
    const rows = await planner.hashes(plans);
    const ids = await this.mailboxes.insertMany(em, rows);
    const created: MailboxRow[] = [];
    for (const id of ids) {
      const m = (await this.mailboxes.findById(id, em))!;
      created.push(m);
      await this.audit.record(em, callerOf(actor), {
        action: 'mailbox.create',
        targetType: 'mailbox',
        targetId: m.id,
        domainId: m.domainId,
        after: m,
        reason,
      });
    }
    return created;
  }

  async enqueueCreates(created: MailboxRow[]): Promise<(string | null)[]> {
    const out: (string | null)[] = [];
    for (const m of created)
      out.push(await this.jobs.enqueueAfterCommit(JobName.MailboxCreate, { mailboxId: m.id }));
    return out;
  }

  async create(actor: Actor, dto: CreateMailboxDto): Promise<MailboxResponse> {
    const input: MailboxInput = { ...dto };
    let generatedPassword: string | undefined;
    let created: MailboxRow;
    try {
      created = await this.ds.transaction(async (em) => {
        const planner = this.planner(em, actor);
        await planner.prepare([input]);
        const plan = planner.plan(input);
        if (isRowErrors(plan)) throw rowError(plan);
        generatedPassword = plan.generatedPassword;
        return (await this.insertPlanned(em, actor, planner, [plan]))[0];
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('address', 'already exists');
      throw err;
    }
    const [jobId] = await this.enqueueCreates([created]);
    return { ...created, jobId, ...(generatedPassword ? { generatedPassword } : {}) };
  }

  private async record(
    em: EntityManager,
    actor: Actor,
    action: string,
    before: MailboxRow,
    after: MailboxRow,
    reason?: string,
  ): Promise<void> {
    await this.audit.record(em, callerOf(actor), {
      action,
      targetType: 'mailbox',
      targetId: before.id,
      domainId: before.domainId,
      before,
      after,
      reason,
    });
  }

  async update(actor: Actor, id: number, dto: UpdateMailboxDto): Promise<MailboxResponse> {
    rejectNulls(dto, ['displayName', 'quotaBytes', 'pinned']);
    if (dto.pinned !== undefined && actor.role !== Role.Superadmin)
      throw new ApiError(HttpStatus.FORBIDDEN, 'pinned may only be changed by a superadmin', [
        { field: 'pinned', reason: 'may only be changed by a superadmin' },
      ]);
    let quotaChanged = false;
    const result = await this.ds.transaction(async (em): Promise<Versioned | MailboxRow> => {
      // Lock order everywhere: the domain, then the mailbox.
      const peek = await this.visible(actor, id, em);
      if (dto.quotaBytes !== undefined) await this.domains.lock(em, [peek.domainId]);
      const before = (await this.mailboxes.findById(id, em, true))!;
      if (dto.quotaBytes !== undefined && dto.quotaBytes !== before.quotaBytes) {
        requireState(before, 'quota');
        const domain = (await this.domains.findById(before.domainId, em))!;
        const usage = await this.domains.usage(before.domainId, em);
        const violation = quotaViolation(domain, usage, dto.quotaBytes, before.quotaBytes);
        if (violation) throw unprocessable(violation.field, violation.reason);
        quotaChanged = true;
      }
      const sets = {
        display_name: dto.displayName !== before.displayName ? dto.displayName : undefined,
        quota_bytes: quotaChanged ? dto.quotaBytes : undefined,
        pinned: dto.pinned !== before.pinned ? dto.pinned : undefined,
      };
      if (Object.values(sets).every((v) => v === undefined)) return before;
      const changed = await this.mailboxes.change(em, id, sets);
      await this.record(
        em,
        actor,
        quotaChanged ? 'mailbox.quota' : 'mailbox.update',
        before,
        changed.row,
      );
      return changed;
    });
    if (!('version' in result)) return result;
    const jobId = quotaChanged
      ? await this.jobs.enqueueAfterCommit(
          JobName.MailboxSetQuota,
          { mailboxId: id },
          result.version,
        )
      : undefined;
    return { ...result.row, ...(jobId !== undefined ? { jobId } : {}) };
  }

  async rename(actor: Actor, id: number, dto: RenameMailboxDto): Promise<MailboxResponse> {
    const parsed = parseAddress(dto.address);
    if (!isParsedAddress(parsed)) throw badRequest('address', parsed.error);
    let fromAddress = '';
    let changed: Versioned;
    try {
      changed = await this.ds.transaction(async (em) => {
        const before = await this.visible(actor, id, em, true);
        requireState(before, 'rename');
        const domain = (await this.domains.findById(before.domainId, em))!;
        if (parsed.domain !== domain.name)
          throw unprocessable('address', `must stay in ${domain.name}`);
        if (parsed.address === before.address)
          throw badRequest('address', 'is the current address');
        fromAddress = before.address;
        const result = await this.mailboxes.change(em, id, {
          local_part: parsed.localPart,
          address: parsed.address,
        });
        await this.record(em, actor, 'mailbox.rename', before, result.row);
        return result;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('address', 'already exists');
      throw err;
    }
    const jobId = await this.jobs.enqueueAfterCommit(
      JobName.MailboxRename,
      { mailboxId: id, fromAddress },
      changed.version,
    );
    return { ...changed.row, jobId };
  }

  private async transition(
    actor: Actor,
    id: number,
    change: 'suspend' | 'activate' | 'delete' | 'restore',
    reason: string | undefined,
  ): Promise<Versioned> {
    return this.ds.transaction(async (em) => {
      const before = await this.visible(actor, id, em, true);
      requireState(before, change);
      const retentionDays = this.env.ROOST_MAILBOX_RETENTION_DAYS;
      const sets: Record<string, unknown> = {
        suspend: { state: MailboxState.Suspended, state_reason: reason ?? null },
        activate: { state: MailboxState.Active, state_reason: null },
        delete: {
          state: MailboxState.Deleting,
          state_reason: reason ?? null,
          delete_after: { sql: `now() + make_interval(days => ${Math.trunc(retentionDays)})` },
        },
        restore: { state: MailboxState.Active, state_reason: null, delete_after: { sql: 'NULL' } },
      }[change];
      const changed = await this.mailboxes.change(em, id, sets);
      await this.record(em, actor, `mailbox.${change}`, before, changed.row, reason);
      return changed;
    });
  }

  async suspend(actor: Actor, id: number, reason?: string): Promise<MailboxResponse> {
    const c = await this.transition(actor, id, 'suspend', reason);
    return {
      ...c.row,
      jobId: await this.jobs.enqueueAfterCommit(
        JobName.MailboxSuspend,
        { mailboxId: id },
        c.version,
      ),
    };
  }

  async activate(actor: Actor, id: number, reason?: string): Promise<MailboxResponse> {
    const c = await this.transition(actor, id, 'activate', reason);
    return {
      ...c.row,
      jobId: await this.jobs.enqueueAfterCommit(
        JobName.MailboxActivate,
        { mailboxId: id },
        c.version,
      ),
    };
  }

  /** Marks the mailbox `deleting`; the worker removes it from Cyrus when the retention period ends. */
  async remove(actor: Actor, id: number, reason?: string): Promise<MailboxResponse> {
    const c = await this.transition(actor, id, 'delete', reason);
    const delayMs = Math.max(0, (c.row.deleteAfter?.getTime() ?? Date.now()) - Date.now());
    const jobId = await this.jobs.enqueueAfterCommit(
      JobName.MailboxDelete,
      { mailboxId: id },
      c.version,
      { delayMs },
    );
    return { ...c.row, jobId };
  }

  /** Takes a mailbox back during its retention period; the delayed delete job then finds nothing to do. */
  async restore(actor: Actor, id: number, reason?: string): Promise<MailboxResponse> {
    const c = await this.transition(actor, id, 'restore', reason);
    return {
      ...c.row,
      jobId: await this.jobs.enqueueAfterCommit(
        JobName.MailboxActivate,
        { mailboxId: id },
        c.version,
      ),
    };
  }
}

import { HttpStatus, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Actor, scopeIds } from '../auth/actor';
import { ApiError, isRowErrors } from '../common/api-error';
import { sql } from '../common/sql';
import { AliasService } from '../aliases/alias.service';
import { PlannedAlias } from '../aliases/alias-planner';
import { MailboxInput, PlannedMailbox } from '../mailboxes/mailbox-planner';
import { MailboxService } from '../mailboxes/mailbox.service';
import { CsvRowError, csvCell, csvLine, parseCsv } from './csv';

const MAILBOX_COLUMNS = [
  'address',
  'display_name',
  'quota_bytes',
  'password',
  'password_hash',
  'pinned',
];
/** Columns of an export that an import accepts and ignores, so an export can be edited and re-imported. */
const MAILBOX_READ_ONLY = [
  'id',
  'used_bytes',
  'used_synced_at',
  'state',
  'backend_id',
  'created_at',
];
const ALIAS_COLUMNS = ['address', 'targets', 'active'];
const ALIAS_READ_ONLY = ['id', 'created_at'];
const MAX_MAILBOX_ROWS = 5_000;
const MAX_ALIAS_ROWS = 10_000;

export interface ImportReport {
  dryRun: boolean;
  ok: boolean;
  rows: number;
  errors: CsvRowError[];
  created?: {
    row: number;
    id: number;
    address: string;
    generatedPassword?: string;
    jobId?: string | null;
  }[];
}

/** Rollback marker for dry runs and for applies that found errors. */
class Abort extends Error {
  constructor(readonly report: ImportReport) {
    super('abort');
  }
}

function bool(
  v: string | undefined,
  row: number,
  field: string,
  errors: CsvRowError[],
): boolean | undefined {
  if (v === undefined) return undefined;
  if (/^(true|yes|1)$/i.test(v)) return true;
  if (/^(false|no|0)$/i.test(v)) return false;
  errors.push({ row, field, reason: 'must be true or false' });
  return undefined;
}

function int(
  v: string | undefined,
  row: number,
  field: string,
  errors: CsvRowError[],
): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v) || Number(v) > 2 ** 50) {
    errors.push({ row, field, reason: 'must be a non-negative integer number of bytes' });
    return undefined;
  }
  return Number(v);
}

/**
 * CSV export and import of mailboxes and aliases within the actor's scope. An import is checked
 * row by row with the same planners as single creation; a dry run reports every row's errors,
 * an apply writes all rows in one transaction or nothing.
 */
@Injectable()
export class BulkService {
  constructor(
    private readonly ds: DataSource,
    private readonly mailboxes: MailboxService,
    private readonly aliases: AliasService,
  ) {}

  private domainFilter(actor: Actor, domainId: number | undefined, params: unknown[]): string {
    const scope = scopeIds(actor);
    const parts: string[] = [];
    if (scope) parts.push(`domain_id = ANY($${params.push(scope)}::int[])`);
    if (domainId !== undefined) parts.push(`domain_id = $${params.push(domainId)}`);
    return parts.length ? `AND ${parts.join(' AND ')}` : '';
  }

  /** Streams every mailbox in scope, in address order, 5,000 rows per query (keyset paging). */
  async exportMailboxes(actor: Actor, domainId: number | undefined, res: Response): Promise<void> {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="mailboxes.csv"');
    res.write(
      csvLine([
        'id',
        'address',
        'display_name',
        'quota_bytes',
        'used_bytes',
        'used_synced_at',
        'state',
        'backend_id',
        'pinned',
        'created_at',
      ]),
    );
    let last = '';
    for (;;) {
      const params: unknown[] = [last];
      const filter = this.domainFilter(actor, domainId, params);
      const { rows } = await sql<Record<string, unknown>>(
        this.ds.manager,
        `SELECT id, address, display_name, quota_bytes, used_bytes, used_synced_at, state, backend_id, pinned, created_at
           FROM mailboxes WHERE address > $1 ${filter} ORDER BY address LIMIT 5000`,
        params,
      );
      for (const r of rows)
        res.write(
          [
            r.id,
            r.address,
            r.display_name,
            r.quota_bytes,
            r.used_bytes,
            r.used_synced_at,
            r.state,
            r.backend_id,
            r.pinned,
            r.created_at,
          ]
            .map((c, i) => csvCell(c, i === 2))
            .join(',') + '\r\n',
        );
      if (rows.length < 5000) break;
      last = rows[rows.length - 1].address as string;
    }
    res.end();
  }

  async exportAliases(actor: Actor, domainId: number | undefined, res: Response): Promise<void> {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="aliases.csv"');
    res.write(csvLine(['id', 'address', 'targets', 'active', 'created_at']));
    let last = '';
    for (;;) {
      const params: unknown[] = [last];
      const filter = this.domainFilter(actor, domainId, params);
      const { rows } = await sql<{
        id: number;
        address: string;
        targets: string[];
        active: boolean;
        created_at: Date;
      }>(
        this.ds.manager,
        `SELECT id, address, targets, active, created_at FROM aliases WHERE address > $1 ${filter} ORDER BY address LIMIT 5000`,
        params,
      );
      for (const r of rows)
        res.write(csvLine([r.id, r.address, r.targets.join(' '), r.active, r.created_at]));
      if (rows.length < 5000) break;
      last = rows[rows.length - 1].address;
    }
    res.end();
  }

  private finish(report: ImportReport): ImportReport {
    if (!report.dryRun && !report.ok)
      throw new ApiError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        `${report.errors.length} rows have errors; nothing was written`,
        report.errors,
        {
          dryRun: false,
          ok: false,
          rows: report.rows,
        },
      );
    return report;
  }

  async importMailboxes(
    actor: Actor,
    csv: string,
    dryRun: boolean,
    reason?: string,
  ): Promise<ImportReport> {
    const parsed = parseCsv(csv, {
      required: ['address'],
      allowed: MAILBOX_COLUMNS,
      ignored: MAILBOX_READ_ONLY,
      maxRows: MAX_MAILBOX_ROWS,
    });
    if ('errors' in parsed)
      return this.finish({ dryRun, ok: false, rows: 0, errors: parsed.errors });

    const errors: CsvRowError[] = [];
    const inputs: MailboxInput[] = parsed.rows.map((r, i) => {
      const row = i + 1;
      const displayName = r.display_name?.replace(/^'(?=[=+\-@])/, '');
      if (displayName !== undefined && displayName.length > 200)
        errors.push({ row, field: 'display_name', reason: 'must be at most 200 characters' });
      if (r.password !== undefined && r.password.length > 256)
        errors.push({ row, field: 'password', reason: 'must be at most 256 characters' });
      return {
        address: r.address ?? '',
        displayName,
        quotaBytes: int(r.quota_bytes, row, 'quota_bytes', errors),
        password: r.password,
        passwordHash: r.password_hash,
        pinned: bool(r.pinned, row, 'pinned', errors),
      };
    });
    let created: { row: number; plan: PlannedMailbox; id: number; address: string }[];
    try {
      const rows = await this.ds.transaction(async (em) => {
        const planner = this.mailboxes.planner(em, actor);
        await planner.prepare(inputs);
        const plans: { row: number; plan: PlannedMailbox }[] = [];
        inputs.forEach((input, i) => {
          const result = planner.plan(input);
          if (isRowErrors(result))
            for (const e of result.errors)
              errors.push({ row: i + 1, field: e.field, reason: e.reason });
          else plans.push({ row: i + 1, plan: result });
        });
        errors.sort((a, b) => a.row - b.row);
        if (dryRun || errors.length)
          throw new Abort({ dryRun, ok: errors.length === 0, rows: inputs.length, errors });
        const inserted = await this.mailboxes.insertPlanned(
          em,
          actor,
          planner,
          plans.map((p) => p.plan),
          reason ?? 'bulk import',
        );
        return inserted.map((m, i) => ({
          row: plans[i].row,
          plan: plans[i].plan,
          id: m.id,
          address: m.address,
        }));
      });
      created = rows;
    } catch (err) {
      if (err instanceof Abort) return this.finish(err.report);
      throw err;
    }
    const jobIds = await this.mailboxes.enqueueCreates(created.map((c) => ({ id: c.id }) as never));
    return {
      dryRun: false,
      ok: true,
      rows: inputs.length,
      errors: [],
      created: created.map((c, i) => ({
        row: c.row,
        id: c.id,
        address: c.address,
        jobId: jobIds[i],
        ...(c.plan.generatedPassword ? { generatedPassword: c.plan.generatedPassword } : {}),
      })),
    };
  }

  async importAliases(actor: Actor, csv: string, dryRun: boolean): Promise<ImportReport> {
    const parsed = parseCsv(csv, {
      required: ['address', 'targets'],
      allowed: ALIAS_COLUMNS,
      ignored: ALIAS_READ_ONLY,
      maxRows: MAX_ALIAS_ROWS,
    });
    if ('errors' in parsed)
      return this.finish({ dryRun, ok: false, rows: 0, errors: parsed.errors });
    const errors: CsvRowError[] = [];
    try {
      const created = await this.ds.transaction(async (em) => {
        const planner = this.aliases.planner(em, actor);
        const plans: { row: number; plan: PlannedAlias }[] = [];
        for (const [i, r] of parsed.rows.entries()) {
          const row = i + 1;
          const targets = (r.targets ?? '').split(/[\s,;]+/).filter((t) => t !== '');
          if (targets.length === 0 || targets.length > 100) {
            errors.push({ row, field: 'targets', reason: 'must hold 1 to 100 addresses' });
            continue;
          }
          const active = bool(r.active, row, 'active', errors);
          const result = await planner.plan({ address: r.address ?? '', targets, active });
          if (isRowErrors(result))
            for (const e of result.errors) errors.push({ row, field: e.field, reason: e.reason });
          else plans.push({ row, plan: result });
        }
        if (dryRun || errors.length)
          throw new Abort({ dryRun, ok: errors.length === 0, rows: parsed.rows.length, errors });
        const rows = await this.aliases.insertPlanned(
          em,
          actor,
          plans.map((p) => p.plan),
        );
        return rows.map((a, i) => ({ row: plans[i].row, id: a.id, address: a.address }));
      });
      return { dryRun: false, ok: true, rows: parsed.rows.length, errors: [], created };
    } catch (err) {
      if (err instanceof Abort) return this.finish(err.report);
      throw err;
    }
  }
}

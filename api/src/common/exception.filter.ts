import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { ErrorBody, FieldError } from './api-error';

/** Which request field a database constraint protects, for 409/400 bodies. */
const CONSTRAINT_FIELDS: Record<string, string> = {
  mailboxes_address_key: 'address',
  mailboxes_domain_id_local_part_key: 'address',
  aliases_address_key: 'address',
  aliases_domain_id_local_part_key: 'address',
  domains_name_key: 'name',
  alias_domains_name_key: 'name',
  backends_name_key: 'name',
  admins_username_key: 'username',
  admin_domains_pkey: 'domainIds',
  moves_one_open_per_mailbox: 'mailboxId',
};

interface PgError {
  code?: string;
  constraint?: string;
  column?: string;
  table?: string;
}

function fieldOfConstraint(pg: PgError): string {
  if (pg.constraint && CONSTRAINT_FIELDS[pg.constraint]) return CONSTRAINT_FIELDS[pg.constraint];
  if (pg.column) return pg.column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  // CHECK constraints are named <table>_<column>_check by PostgreSQL.
  const m =
    pg.constraint && pg.table ? new RegExp(`^${pg.table}_(.+)_check$`).exec(pg.constraint) : null;
  if (m) return m[1].replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return 'body';
}

function body(status: number, message: string, errors: FieldError[] = []): ErrorBody {
  return { statusCode: status, message, errors };
}

/** Maps a database error to the 4xx it deserves, or null when it is a real fault. */
export function mapDatabaseError(err: QueryFailedError<Error>): ErrorBody | null {
  const pg = (err.driverError ?? {}) as PgError;
  const field = fieldOfConstraint(pg);
  switch (pg.code) {
    case '23505':
      return body(409, `${field} already exists`, [{ field, reason: 'already exists' }]);
    case '23503':
      return body(409, `${field} is still referenced or refers to nothing`, [
        { field, reason: 'is still in use or refers to an object that does not exist' },
      ]);
    case '23514':
    case '23502':
      return body(400, `${field} is not allowed`, [{ field, reason: 'is not an allowed value' }]);
    case '22P02':
    case '22003':
    case '22001':
    case '22007':
    case '22008':
    case '22023':
    case '2201B':
      return body(400, 'a value is out of range or malformed', [
        { field, reason: 'is out of range or malformed' },
      ]);
    case '40001':
    case '40P01':
    case '55P03':
      return body(409, 'the object changed concurrently, retry', [
        { field: 'body', reason: 'conflicted with a concurrent change' },
      ]);
    case undefined:
    default:
      return null;
  }
}

/**
 * The one place errors become responses: `{ statusCode, message, errors: [{ field, reason }] }`.
 * Nothing about the request (bodies may hold passwords) is logged.
 */
@Catch()
export class RoostExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    const out = this.toBody(exception, req);
    if (res.headersSent) return;
    res.status(out.statusCode).json(out);
  }

  private toBody(exception: unknown, req: Request): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const r = exception.getResponse();
      if (typeof r === 'object' && r !== null && Array.isArray((r as ErrorBody).errors))
        return r as ErrorBody;
      const message =
        typeof r === 'string'
          ? r
          : typeof (r as { message?: unknown }).message === 'string'
            ? (r as { message: string }).message
            : exception.message;
      return body(status, message);
    }
    if (exception instanceof QueryFailedError) {
      const mapped = mapDatabaseError(exception as QueryFailedError<Error>);
      if (mapped) return mapped;
    }
    const e = exception as { type?: string; status?: number; message?: string };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      // body-parser errors (bad JSON, too large, bad charset)
      return body(e.status, e.message ?? 'bad request', [
        { field: 'body', reason: e.type ?? 'is not valid' },
      ]);
    }
    const name = exception instanceof Error ? exception.name : typeof exception;
    const stack = exception instanceof Error ? exception.stack : undefined;
    this.logger.error(`${req.method} ${req.path} failed: ${name}`, stack);
    return body(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error');
  }
}

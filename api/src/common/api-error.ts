import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  reason: string;
}

/** The JSON body of every error the API answers. */
export interface ErrorBody {
  statusCode: number;
  message: string;
  errors: FieldError[];
  [extra: string]: unknown;
}

/** An HTTP error whose body names the fields at fault. Services throw these through the helpers below. */
export class ApiError extends HttpException {
  constructor(status: number, message: string, errors: FieldError[] = [], extra: object = {}) {
    super({ statusCode: status, message, errors, ...extra } satisfies ErrorBody, status);
  }
}

export function badRequest(field: string, reason: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, `${field} ${reason}`, [{ field, reason }]);
}

export function invalid(errors: FieldError[]): ApiError {
  const first = errors[0];
  return new ApiError(
    HttpStatus.BAD_REQUEST,
    first ? `${first.field} ${first.reason}` : 'invalid request',
    errors,
  );
}

/** 404 for a missing object and for one outside the caller's scope alike. */
export function notFound(what: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, `${what} not found`);
}

export function conflict(field: string, reason: string): ApiError {
  return new ApiError(HttpStatus.CONFLICT, `${field} ${reason}`, [{ field, reason }]);
}

/** A rule of the domain refuses the request as it stands (limit reached, wrong state). */
export function unprocessable(field: string, reason: string): ApiError {
  return new ApiError(HttpStatus.UNPROCESSABLE_ENTITY, `${field} ${reason}`, [{ field, reason }]);
}

/** `null` is how a PUT clears an optional value; for a required one it is a 400. */
export function rejectNulls<T extends object>(dto: T, required: (keyof T & string)[]): void {
  const errors = required
    .filter((k) => dto[k] === null)
    .map((field) => ({ field, reason: 'must not be null' }));
  if (errors.length) throw invalid(errors);
}

/** A row's problems (one input of a batch), and the HTTP status the first of them deserves. */
export interface RowErrors {
  status: number;
  errors: FieldError[];
}

export function isRowErrors(x: unknown): x is RowErrors {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'errors' in x && 'status' in x;
}

export function rowError(e: RowErrors): ApiError {
  const first = e.errors[0];
  return new ApiError(e.status, first ? `${first.field} ${first.reason}` : 'invalid', e.errors);
}

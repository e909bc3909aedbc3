import { Injectable, PipeTransform } from '@nestjs/common';
import { badRequest } from './api-error';

function parseId(value: string, max: number): number {
  if (!/^\d{1,16}$/.test(value)) throw badRequest('id', 'must be a positive integer');
  const n = Number(value);
  if (n < 1 || n > max) throw badRequest('id', 'is out of range');
  return n;
}

/** Path ids of serial columns: positive integers up to 2^31-1, else a 400 naming `id`. */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    return parseId(value, 2_147_483_647);
  }
}

/** Path ids of bigserial columns (mailboxes, audit events). */
@Injectable()
export class BigIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    return parseId(value, Number.MAX_SAFE_INTEGER);
  }
}

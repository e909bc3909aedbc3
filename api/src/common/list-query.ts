import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { badRequest } from './api-error';
import type { JsonPage } from './count';

/** The query of every list route (react-admin `ra-data-simple-rest`): JSON in three parameters. */
export class ListQueryDto {
  @ApiPropertyOptional({ example: '["id","ASC"]', description: 'JSON [field, "ASC"|"DESC"]' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  sort?: string;

  @ApiPropertyOptional({ example: '[0,49]', description: 'JSON [first, last], inclusive' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  range?: string;

  @ApiPropertyOptional({ example: '{"q":"ab"}', description: 'JSON object of filters' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  filter?: string;
}

/**
 * `prefix`: the beginning of an ASCII name (address, domain, username), lower-cased. `search`:
 * the same for free text that may also be a person's name: any Unicode but control characters.
 */
export type FilterKind =
  | 'int'
  | 'ids'
  | 'string'
  | 'prefix'
  | 'search'
  | 'bool'
  | 'number'
  | 'date'
  | { enum: readonly string[] };

type FilterValue<K> = K extends 'int' | 'number'
  ? number
  : K extends 'ids'
    ? number[]
    : K extends 'string' | 'prefix' | 'search'
      ? string
      : K extends 'bool'
        ? boolean
        : K extends 'date'
          ? Date
          : K extends { enum: readonly (infer E)[] }
            ? E
            : never;

export type Filters<F> = { [Key in keyof F]?: FilterValue<F[Key]> };

export interface ListSpec<S extends string, F extends Record<string, FilterKind>> {
  /** Name in the Content-Range header, e.g. `mailboxes`. */
  resource: string;
  /** Fields the list may be sorted on (each served by an index). */
  sort: readonly S[];
  defaultSort: readonly [S, 'ASC' | 'DESC'];
  filters: F;
  /** Largest page; react-admin asks for 10-100. */
  maxPage?: number;
}

export interface ListQuery<S extends string, F> {
  sort: S;
  order: 'ASC' | 'DESC';
  offset: number;
  limit: number;
  filter: Filters<F>;
}

export interface Page<T> {
  items: T[];
  offset: number;
  total: number;
}

const MAX_OFFSET = 10_000_000;
const MAX_STRING = 320;

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest(field, 'is not valid JSON');
  }
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** Accepts a JSON integer or a string of digits (react-admin sends ids from inputs as strings). */
function toId(v: unknown): number | undefined {
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) v = Number(v);
  return isInt(v, 1, Number.MAX_SAFE_INTEGER) ? v : undefined;
}

function parseFilterValue(key: string, kind: FilterKind, v: unknown): unknown {
  const field = `filter.${key}`;
  if (typeof kind === 'object') {
    if (typeof v === 'string' && kind.enum.includes(v)) return v;
    throw badRequest(field, `must be one of ${kind.enum.join(', ')}`);
  }
  switch (kind) {
    case 'int': {
      const id = toId(v);
      if (id === undefined) throw badRequest(field, 'must be a positive integer');
      return id;
    }
    case 'ids': {
      const list = Array.isArray(v) ? (v as unknown[]) : [v];
      if (list.length === 0 || list.length > 1000)
        throw badRequest(field, 'must be an id or a list of 1 to 1000 ids');
      return list.map((x) => {
        const id = toId(x);
        if (id === undefined) throw badRequest(field, 'must hold positive integers');
        return id;
      });
    }
    case 'number':
      if (typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)) v = Number(v);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1e15)
        throw badRequest(field, 'must be a non-negative number');
      return v;
    case 'bool':
      if (v === 'true' || v === 'false') return v === 'true';
      if (typeof v !== 'boolean') throw badRequest(field, 'must be true or false');
      return v;
    case 'date': {
      const d = typeof v === 'string' && v.length <= 40 ? new Date(v) : undefined;
      if (!d || Number.isNaN(d.getTime())) throw badRequest(field, 'must be an ISO date');
      return d;
    }
    case 'string':
    case 'prefix':
    case 'search':
      if (typeof v !== 'string') throw badRequest(field, 'must be a string');
      if (v.length > MAX_STRING)
        throw badRequest(field, `must be at most ${MAX_STRING} characters`);
      if (kind === 'prefix') {
        const lower = v.trim().toLowerCase();
        if (/[^\x20-\x7e]/.test(lower))
          throw badRequest(field, 'must be ASCII (addresses are ASCII)');
        return lower;
      }
      if (kind === 'search') {
        const lower = v.trim().toLowerCase();
        if (/\p{C}/u.test(lower)) throw badRequest(field, 'must not hold control characters');
        return lower;
      }
      return v;
  }
}

/** Parses and checks `sort`, `range` and `filter` against what the resource allows. */
export function parseListQuery<S extends string, F extends Record<string, FilterKind>>(
  query: ListQueryDto,
  spec: ListSpec<S, F>,
): ListQuery<S, F> {
  const maxPage = spec.maxPage ?? 500;
  let sort: S = spec.defaultSort[0];
  let order: 'ASC' | 'DESC' = spec.defaultSort[1];
  if (query.sort !== undefined) {
    const s = parseJson('sort', query.sort);
    if (!Array.isArray(s) || s.length !== 2 || typeof s[0] !== 'string')
      throw badRequest('sort', 'must be a JSON array [field, "ASC"|"DESC"]');
    const [field, dir] = s as [string, unknown];
    if (!(spec.sort as readonly string[]).includes(field))
      throw badRequest('sort', `can only be on ${spec.sort.join(', ')}`);
    if (dir !== 'ASC' && dir !== 'DESC') throw badRequest('sort', 'order must be ASC or DESC');
    sort = field as S;
    order = dir;
  }

  let offset = 0;
  let limit = Math.min(25, maxPage);
  if (query.range !== undefined) {
    const r = parseJson('range', query.range);
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => isInt(x, 0, MAX_OFFSET)))
      throw badRequest('range', 'must be a JSON array [first, last] of non-negative integers');
    const [first, last] = r as [number, number];
    if (last < first) throw badRequest('range', 'last must not be before first');
    if (last - first + 1 > maxPage) throw badRequest('range', `must span at most ${maxPage} rows`);
    offset = first;
    limit = last - first + 1;
  }

  const filter: Record<string, unknown> = {};
  if (query.filter !== undefined) {
    const f = parseJson('filter', query.filter);
    if (typeof f !== 'object' || f === null || Array.isArray(f))
      throw badRequest('filter', 'must be a JSON object');
    for (const [key, value] of Object.entries(f)) {
      if (!Object.prototype.hasOwnProperty.call(spec.filters, key))
        throw badRequest(`filter.${key}`, `is not a filter of ${spec.resource}`);
      if (value === null || value === '') continue;
      filter[key] = parseFilterValue(key, spec.filters[key], value);
    }
  }
  return { sort, order, offset, limit, filter: filter as Filters<F> };
}

/** Sets `Content-Range: <resource> first-last/total` and returns the items as the body. */
export function sendPage<T>(res: Response, resource: string, page: Page<T>): T[] {
  const range =
    page.items.length > 0 ? `${page.offset}-${page.offset + page.items.length - 1}` : '*';
  res.setHeader('Content-Range', `${resource} ${range}/${page.total}`);
  return page.items;
}

/** As `sendPage`, for a page PostgreSQL already rendered to JSON (sent as it is). */
export function sendJsonPage(res: Response, resource: string, page: JsonPage): string {
  const range = page.count > 0 ? `${page.offset}-${page.offset + page.count - 1}` : '*';
  res.setHeader('Content-Range', `${resource} ${range}/${page.total}`);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  return page.json;
}

import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { ErrorBody } from './api-error';

function reply(
  res: Response,
  status: number,
  message: string,
  field: string,
  reason: string,
): void {
  const body: ErrorBody = { statusCode: status, message, errors: [{ field, reason }] };
  res.status(status).json(body);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function badKey(value: unknown, depth = 0): string | null {
  if (depth > 20) return 'body';
  if (value === null || typeof value !== 'object') return null;
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return key;
    const inner = badKey((value as Record<string, unknown>)[key], depth + 1);
    if (inner) return `${key}.${inner}`;
  }
  return null;
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Body parsing with answers in the API's error format: JSON objects only (100 kB, or 20 MB under
 * /api/bulk where CSV travels inside the JSON), no prototype keys, 415 for other content types.
 */
export function bodyParsing(): RequestHandler {
  const small = express.json({ limit: '100kb', strict: true });
  const large = express.json({ limit: '20mb', strict: true });

  return (req: Request, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const bulk = req.path.startsWith('/api/bulk/');
    const type = req.headers['content-type'] ?? '';
    const isJson = /^application\/([a-z.+-]*\+)?json\b/i.test(type);
    if (!isJson) {
      reply(res, 415, 'send application/json', 'body', 'has an unsupported content type');
      return;
    }
    const parser = bulk ? large : small;
    parser(req, res, (err?: unknown) => {
      if (err) {
        const e = err as { status?: number; type?: string };
        if (e.type === 'entity.too.large')
          return reply(res, 413, 'body too large', 'body', 'is too large');
        if (e.type === 'entity.parse.failed')
          return reply(res, 400, 'body is not valid JSON', 'body', 'is not valid JSON');
        return reply(
          res,
          e.status && e.status < 500 ? e.status : 400,
          'body could not be read',
          'body',
          e.type ?? 'is not valid',
        );
      }
      const body = req.body as unknown;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return reply(res, 400, 'body must be a JSON object', 'body', 'must be a JSON object');
      const key = badKey(body);
      if (key) return reply(res, 400, `${key} is not allowed`, key, 'is not allowed');
      next();
    });
  };
}

import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Serves the built web console at `/` from the same origin, with the SPA fallback: any other
 * GET that wants HTML, names no file and is not under /api or /health gets index.html.
 */
export function webConsole(distDir: string): RequestHandler[] {
  const root = resolve(distDir);
  const index = join(root, 'index.html');
  if (!existsSync(index))
    throw new Error(`ROOST_WEB_DIST: ${index} does not exist (build the web console first)`);
  const isApi = (p: string) =>
    p === '/api' || p.startsWith('/api/') || p === '/health' || p.startsWith('/health/');
  const files = express.static(root, { index: false, fallthrough: true, maxAge: '1h' });
  return [
    (req: Request, res: Response, next: NextFunction) => {
      if (isApi(req.path)) next();
      else void files(req, res, next);
    },
    (req: Request, res: Response, next: NextFunction) => {
      // Client routes have no file extension; a missing /assets/x.js stays a 404.
      const isFile = /\.[A-Za-z0-9]+$/.test(req.path);
      if (
        (req.method !== 'GET' && req.method !== 'HEAD') ||
        isApi(req.path) ||
        isFile ||
        !req.accepts('html')
      )
        return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    },
  ];
}

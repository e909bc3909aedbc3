import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { ApiFixture, startApi } from '../factories/api-fixtures';

const MAIN = join(__dirname, '..', '..', '..', 'api', 'dist', 'main.js');

void describe('the API process and the web console it serves', () => {
  let f: ApiFixture;
  let dist: string;

  before(async () => {
    dist = await mkdtemp(join(tmpdir(), 'roost-web-'));
    await mkdir(join(dist, 'assets'));
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>Roost console</title>');
    await writeFile(join(dist, 'assets', 'app.js'), 'console.log("roost")');
    f = await startApi({ ROOST_WEB_DIST: dist });
  });
  after(async () => {
    await f.close();
    await rm(dist, { recursive: true, force: true });
  });

  void it('serves the console at / with the SPA fallback, and keeps /api and /health JSON', async () => {
    const index = await request(f.server).get('/').set('Accept', 'text/html').expect(200);
    assert.match(index.text, /Roost console/);
    await request(f.server)
      .get('/assets/app.js')
      .expect(200)
      .expect('Content-Type', /javascript/);
    const deep = await request(f.server)
      .get('/mailboxes/12/show')
      .set('Accept', 'text/html')
      .expect(200);
    assert.match(deep.text, /Roost console/);
    const reset = await request(f.server)
      .get('/reset-password')
      .set('Accept', 'text/html')
      .expect(200);
    assert.match(reset.text, /Roost console/);
    await request(f.server).get('/assets/missing.js').set('Accept', '*/*').expect(404);
    const api = await request(f.server).get('/api/nope').set('Accept', 'text/html').expect(404);
    assert.equal(api.body.statusCode, 404);
    await request(f.server).get('/health').expect(200).expect('Content-Type', /json/);
  });

  void it('answers bodies it cannot read in the API error format', async () => {
    const bad = await request(f.server)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors, [{ field: 'body', reason: 'is not valid JSON' }]);
    const form = await request(f.server)
      .post('/api/auth/login')
      .type('form')
      .send('username=a&password=b');
    assert.equal(form.status, 415);
    const big = await request(f.server)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'x'.repeat(200_000), password: 'y' }));
    assert.equal(big.status, 413);
  });

  void it('stops at boot with a message naming what is wrong in the environment', async () => {
    const env = { PATH: process.env.PATH ?? '', REDIS_URL: 'http://not-redis' };
    const failed = await promisify(execFile)('node', [MAIN], { env }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    assert.ok(failed, 'main.js started without DATABASE_URL');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /DATABASE_URL is not set/);
    assert.match(failed.stderr, /REDIS_URL must be a redis:\/\//);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ensureDebianPackages } from '../harness/apt';
import { findRepoRoot } from '../harness/cyrus';

const run = promisify(execFile);
const root = findRepoRoot();

interface ComposeService {
  build?: { context: string; dockerfile?: string; target?: string };
  volumes?: { type: string; source?: string }[];
}

/** The compose file as Docker sees it, validated by Debian's docker-compose (no engine needed). */
async function composeConfig(
  envFile: string,
): Promise<{ services: Record<string, ComposeService> }> {
  await ensureDebianPackages(['docker-compose'], 'validating docker-compose.yml');
  const { stdout } = await run(
    'docker-compose',
    ['--env-file', envFile, '-f', 'docker-compose.yml', 'config'],
    {
      cwd: root,
    },
  );
  return parse(stdout) as { services: Record<string, ComposeService> };
}

/** Sources of COPY/ADD lines that read from the build context (not from another stage). */
function copySources(dockerfile: string): string[] {
  return readFileSync(dockerfile, 'utf8')
    .split('\n')
    .filter((line) => /^(COPY|ADD)\s/i.test(line) && !/--from=/i.test(line))
    .flatMap((line) => {
      const words = line
        .trim()
        .split(/\s+/)
        .slice(1)
        .filter((w) => !w.startsWith('--'));
      return words.slice(0, -1);
    });
}

describe('docker-compose.yml', () => {
  test('is valid with the example environment', async () => {
    const config = await composeConfig(join(root, 'deploy/compose.env.example'));
    for (const name of [
      'postgres',
      'redis',
      'migrate',
      'api',
      'workers',
      'web',
      'cyrus1',
      'cyrus2',
      'postfix',
      'imap-proxy',
    ]) {
      assert.ok(config.services[name], `service ${name} is missing`);
    }
  });

  test('refuses to start without the secrets', async () => {
    const empty = join(await mkdtemp(join(tmpdir(), 'roost-compose-')), 'empty.env');
    await writeFile(empty, '');
    await assert.rejects(composeConfig(empty), /set [A-Z_]+ in \.env/);
  });

  test('every file a build references exists', async () => {
    const config = await composeConfig(join(root, 'deploy/compose.env.example'));
    for (const [name, service] of Object.entries(config.services)) {
      if (!service.build) continue;
      const context = resolve(root, service.build.context);
      assert.ok(statSync(context).isDirectory(), `${name}: build context ${context} is missing`);
      const dockerfile = resolve(context, service.build.dockerfile ?? 'Dockerfile');
      assert.ok(existsSync(dockerfile), `${name}: ${dockerfile} is missing`);
      for (const source of copySources(dockerfile)) {
        assert.ok(
          existsSync(resolve(context, source)),
          `${name}: ${dockerfile} copies ${source}, which is missing`,
        );
      }
      // Entrypoint scripts the images run are part of what must exist.
      const entrypoint = join(context, 'entrypoint.sh');
      if (readFileSync(dockerfile, 'utf8').includes('entrypoint.sh')) {
        assert.ok(existsSync(entrypoint), `${name}: ${entrypoint} is missing`);
      }
    }
  });
});

import './threadpool'; // first: sizes libuv's thread pool before anything starts it
import { Logger } from '@nestjs/common';
import { EnvError, loadEnv } from './config/env';
import { createApp } from './index';

async function main(): Promise<void> {
  let env;
  try {
    env = loadEnv();
  } catch (err) {
    if (err instanceof EnvError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(env, { logger: ['log', 'error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(env.ROOST_API_PORT, env.ROOST_API_HOST);
  new Logger('Roost').log(`API listening on http://${env.ROOST_API_HOST}:${env.ROOST_API_PORT}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `Roost API failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
});

import 'reflect-metadata';
import { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import { AppModule } from './app.module';
import { bodyParsing } from './common/body';
import { RoostExceptionFilter } from './common/exception.filter';
import { roostValidationPipe } from './common/validation';
import { loadEnv, RoostEnv } from './config/env';
import { webConsole } from './web/web-console';

export { loadEnv, RoostEnv, EnvError } from './config/env';
export { PasswordService } from './passwords/password.service';
export { PasswordModule } from './passwords/password.module';
export { hashPassword, needsRehash, parseHash } from './passwords/password-hash';
export { passwordWeakness, generatePassword } from './passwords/password-strength';
export { JobsService } from './jobs/jobs.service';
export { SecretBox } from './auth/secret-box';
export { MailUserService } from './mail-users/mail-user.service';
export { AppModule } from './app.module';

export interface CreateAppOptions {
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * The configured API application (not listening): global prefix `/api` except `/health`,
 * cookies, strict validation, one error format, CORS exposing Content-Range, OpenAPI at
 * `/api/docs`, and the web console at `/` when ROOST_WEB_DIST is set.
 */
export async function createApp(
  envOrSource: RoostEnv | Record<string, string | undefined> = process.env,
  opts: CreateAppOptions = {},
): Promise<INestApplication> {
  const env = envOrSource instanceof RoostEnv ? envOrSource : loadEnv(envOrSource);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forEnv(env), {
    bodyParser: false,
    logger: opts.logger ?? ['error', 'warn'],
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // Every answer is dynamic; hashing each body for an ETag only costs CPU on the hot list routes.
  app.set('etag', false);
  if (env.ROOST_TRUST_PROXY) {
    const v = env.ROOST_TRUST_PROXY;
    app.set('trust proxy', /^\d+$/.test(v) ? Number(v) : v === 'true' ? true : v);
  }
  const origins = [new URL(env.ROOST_PUBLIC_URL).origin];
  for (const o of (env.ROOST_CORS_ORIGINS ?? '').split(',')) if (o.trim()) origins.push(o.trim());
  app.enableCors({ origin: origins, credentials: true, exposedHeaders: ['Content-Range'] });
  app.use(cookieParser());
  app.use(bodyParsing());
  if (env.ROOST_WEB_DIST) for (const handler of webConsole(env.ROOST_WEB_DIST)) app.use(handler);
  app.setGlobalPrefix('api', { exclude: ['health'] });
  app.useGlobalPipes(roostValidationPipe());
  app.useGlobalFilters(new RoostExceptionFilter());

  const config = new DocumentBuilder()
    .setTitle('Roost admin API')
    .setDescription(
      'Domains, mailboxes, aliases, backends, admins, audit. Lists follow ra-data-simple-rest: ' +
        '`sort`, `range`, `filter` as JSON query parameters, total in `Content-Range`.',
    )
    .setVersion('0.1.0')
    .addCookieAuth('roost_session')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config));

  await app.init();
  return app;
}

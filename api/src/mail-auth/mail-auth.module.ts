import { Module } from '@nestjs/common';
import { LastLoginRecorder } from './last-login-recorder';
import { MailAuthController } from './mail-auth.controller';
import { MailAuthSecretGuard } from './mail-auth.guard';
import { MailAuthRepository } from './mail-auth.repository';
import { MailAuthService } from './mail-auth.service';
import { MailAuthThrottle } from './mail-auth.throttle';

/**
 * The mail front doors' endpoints (issue 6): `/api/mail-auth/nginx`, `/verify`, `/lookup`.
 * Needs the global PasswordModule, RedisModule, ConfigModule and the TypeORM DataSource.
 */
@Module({
  controllers: [MailAuthController],
  providers: [
    MailAuthService,
    LastLoginRecorder,
    MailAuthRepository,
    MailAuthThrottle,
    MailAuthSecretGuard,
  ],
  exports: [MailAuthService],
})
export class MailAuthModule {}

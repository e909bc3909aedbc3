import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminRepository } from '../admins/admin.repository';
import { AuditModule } from '../audit/audit.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { CredentialCache } from './credential-cache';
import { CredentialRepository } from './credential.repository';
import { ThrottleService } from './throttle.service';
import { TotpService } from './totp.service';

@Global()
@Module({
  imports: [AuditModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    AdminRepository,
    CredentialRepository,
    CredentialCache,
    ThrottleService,
    TotpService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AdminRepository, CredentialRepository, CredentialCache, ThrottleService, TotpService],
})
export class AuthModule {}

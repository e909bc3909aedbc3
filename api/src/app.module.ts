import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admins/admin.module';
import { AliasDomainModule } from './alias-domains/alias-domain.module';
import { AliasModule } from './aliases/alias.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackendModule } from './backends/backend.module';
import { BulkModule } from './bulk/bulk.module';
import { ConfigModule } from './config/config.module';
import { RoostEnv } from './config/env';
import { DatabaseModule } from './database/database.module';
import { DomainModule } from './domains/domain.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MailAuthModule } from './mail-auth/mail-auth.module';
import { MailUserModule } from './mail-users/mail-user.module';
import { MailboxModule } from './mailboxes/mailbox.module';
import { MoveModule } from './moves/move.module';
import { PasswordModule } from './passwords/password.module';
import { RebalanceModule } from './rebalance/rebalance.module';
import { RedisModule } from './redis/redis.module';

/** The API's root module. */
@Module({})
export class AppModule {
  static forEnv(env: RoostEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forEnv(env),
        DatabaseModule,
        RedisModule,
        JobsModule,
        PasswordModule,
        AuditModule,
        AuthModule,
        AdminModule,
        DomainModule,
        AliasDomainModule,
        BackendModule,
        MailboxModule,
        AliasModule,
        MailUserModule,
        MailAuthModule,
        BulkModule,
        MoveModule,
        RebalanceModule,
        HealthModule,
      ],
    };
  }
}

import { Module } from '@nestjs/common';
import { BackendModule } from '../backends/backend.module';
import { DomainModule } from '../domains/domain.module';
import { MailboxController } from './mailbox.controller';
import { MailboxRepository } from './mailbox.repository';
import { MailboxService } from './mailbox.service';

@Module({
  imports: [DomainModule, BackendModule],
  controllers: [MailboxController],
  providers: [MailboxRepository, MailboxService],
  exports: [MailboxRepository, MailboxService],
})
export class MailboxModule {}

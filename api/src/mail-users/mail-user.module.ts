import { Module } from '@nestjs/common';
import { MailboxModule } from '../mailboxes/mailbox.module';
import { MailUserController } from './mail-user.controller';
import { MailUserService } from './mail-user.service';
import { PasswordResetRepository } from './password-reset.repository';

@Module({
  imports: [MailboxModule],
  controllers: [MailUserController],
  providers: [MailUserService, PasswordResetRepository],
  exports: [MailUserService],
})
export class MailUserModule {}

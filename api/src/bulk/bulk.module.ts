import { Module } from '@nestjs/common';
import { AliasModule } from '../aliases/alias.module';
import { MailboxModule } from '../mailboxes/mailbox.module';
import { BulkController } from './bulk.controller';
import { BulkService } from './bulk.service';

@Module({
  imports: [MailboxModule, AliasModule],
  controllers: [BulkController],
  providers: [BulkService],
})
export class BulkModule {}

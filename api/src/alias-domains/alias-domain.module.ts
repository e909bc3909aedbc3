import { Module } from '@nestjs/common';
import { DomainModule } from '../domains/domain.module';
import { AliasDomainController } from './alias-domain.controller';
import { AliasDomainRepository } from './alias-domain.repository';
import { AliasDomainService } from './alias-domain.service';

@Module({
  imports: [DomainModule],
  controllers: [AliasDomainController],
  providers: [AliasDomainRepository, AliasDomainService],
  exports: [AliasDomainRepository],
})
export class AliasDomainModule {}

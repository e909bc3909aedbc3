import { Module } from '@nestjs/common';
import { DomainController } from './domain.controller';
import { DomainRepository } from './domain.repository';
import { DomainService } from './domain.service';

@Module({
  controllers: [DomainController],
  providers: [DomainRepository, DomainService],
  exports: [DomainRepository, DomainService],
})
export class DomainModule {}

import { Module } from '@nestjs/common';
import { DomainModule } from '../domains/domain.module';
import { AliasController } from './alias.controller';
import { AliasRepository } from './alias.repository';
import { AliasService } from './alias.service';

@Module({
  imports: [DomainModule],
  controllers: [AliasController],
  providers: [AliasRepository, AliasService],
  exports: [AliasRepository, AliasService],
})
export class AliasModule {}

import { Module } from '@nestjs/common';
import { BackendController } from './backend.controller';
import { BackendRepository } from './backend.repository';
import { BackendService } from './backend.service';

@Module({
  controllers: [BackendController],
  providers: [BackendRepository, BackendService],
  exports: [BackendRepository],
})
export class BackendModule {}

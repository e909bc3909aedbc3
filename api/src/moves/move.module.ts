import { Module } from '@nestjs/common';
import { MoveController } from './move.controller';
import { MoveRepository } from './move.repository';
import { MoveService } from './move.service';

@Module({
  controllers: [MoveController],
  providers: [MoveRepository, MoveService],
  exports: [MoveService, MoveRepository],
})
export class MoveModule {}

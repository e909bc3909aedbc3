import { Module } from '@nestjs/common';
import { RebalanceController } from './rebalance.controller';
import { RebalanceRepository } from './rebalance.repository';
import { RebalanceService } from './rebalance.service';

@Module({
  controllers: [RebalanceController],
  providers: [RebalanceRepository, RebalanceService],
})
export class RebalanceModule {}

import { PlanState } from '@roost/core';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity('rebalance_plans')
export class RebalancePlan {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'created_by', type: 'int', nullable: true }) createdBy: number | null;
  @Column({ type: 'jsonb' }) policy: unknown;
  @Column({ name: 'dry_run', type: 'jsonb', nullable: true }) dryRun: unknown;
  @Column({ type: 'text' }) state: PlanState;
  @Column({ name: 'approved_by', type: 'int', nullable: true }) approvedBy: number | null;
  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true }) approvedAt: Date | null;
  @Column({ name: 'max_moves_per_backend', type: 'int' }) maxMovesPerBackend: number;
  @Column({ name: 'window_start', type: 'time', nullable: true }) windowStart: string | null;
  @Column({ name: 'window_end', type: 'time', nullable: true }) windowEnd: string | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

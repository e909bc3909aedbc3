import { PlacementPolicy } from '@roost/core';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintToNumber } from '../columns';

@Entity('domains')
export class Domain {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'boolean' }) active: boolean;
  @Column({ name: 'max_mailboxes', type: 'int', nullable: true }) maxMailboxes: number | null;
  @Column({ name: 'max_aliases', type: 'int', nullable: true }) maxAliases: number | null;
  @Column({ name: 'max_quota_bytes', type: 'bigint', nullable: true, transformer: bigintToNumber })
  maxQuotaBytes: number | null;
  @Column({
    name: 'total_quota_bytes',
    type: 'bigint',
    nullable: true,
    transformer: bigintToNumber,
  })
  totalQuotaBytes: number | null;
  @Column({ name: 'default_quota_bytes', type: 'bigint', transformer: bigintToNumber })
  defaultQuotaBytes: number;
  @Column({ name: 'placement_policy', type: 'jsonb' }) placementPolicy: PlacementPolicy;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

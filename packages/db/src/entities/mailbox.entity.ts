import { MailboxState } from '@roost/core';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintToNumber } from '../columns';

@Entity('mailboxes')
export class Mailbox {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: number;
  @Column({ name: 'domain_id', type: 'int' }) domainId: number;
  @Column({ name: 'local_part', type: 'text' }) localPart: string;
  /** Lower-case `local@domain`; unique. */
  @Column({ type: 'text' }) address: string;
  @Column({ name: 'display_name', type: 'text' }) displayName: string;
  @Column({ name: 'password_hash', type: 'text', select: false }) passwordHash: string;
  @Column({ name: 'password_must_change', type: 'boolean' }) passwordMustChange: boolean;
  @Column({ type: 'boolean' }) active: boolean;
  @Column({ name: 'quota_bytes', type: 'bigint', transformer: bigintToNumber }) quotaBytes: number;
  @Column({ name: 'used_bytes', type: 'bigint', transformer: bigintToNumber }) usedBytes: number;
  @Column({ name: 'used_synced_at', type: 'timestamptz', nullable: true })
  usedSyncedAt: Date | null;
  /** The routing entry: the backend that holds this user's mail. Changed only by moves. */
  @Column({ name: 'backend_id', type: 'int' }) backendId: number;
  /** Rebalancing never moves a pinned mailbox. */
  @Column({ type: 'boolean' }) pinned: boolean;
  @Column({ type: 'text' }) state: MailboxState;
  @Column({ name: 'state_reason', type: 'text', nullable: true }) stateReason: string | null;
  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true }) lastLoginAt: Date | null;
  @Column({ name: 'delete_after', type: 'timestamptz', nullable: true }) deleteAfter: Date | null;
  /** The user's name on the backend as last applied (migration ...0007); written by SQL only. */
  @Column({ name: 'cyrus_address', type: 'text', nullable: true, insert: false, update: false })
  cyrusAddress: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

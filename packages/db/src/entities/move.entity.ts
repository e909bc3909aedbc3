import { MoveEngine, MoveState } from '@roost/core';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintToNumber } from '../columns';

/** One move of a mailbox between backends; its state machine lives in the workers (DESIGN §5). */
@Entity('moves')
export class Move {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: number;
  @Column({ name: 'mailbox_id', type: 'bigint', transformer: bigintToNumber }) mailboxId: number;
  @Column({ name: 'source_backend_id', type: 'int' }) sourceBackendId: number;
  @Column({ name: 'target_backend_id', type: 'int' }) targetBackendId: number;
  @Column({ type: 'text' }) state: MoveState;
  @Column({ type: 'text' }) engine: MoveEngine;
  @Column({ name: 'folders_total', type: 'int' }) foldersTotal: number;
  @Column({ name: 'folders_done', type: 'int' }) foldersDone: number;
  @Column({ name: 'messages_total', type: 'bigint', transformer: bigintToNumber })
  messagesTotal: number;
  @Column({ name: 'messages_done', type: 'bigint', transformer: bigintToNumber })
  messagesDone: number;
  @Column({ name: 'bytes_total', type: 'bigint', transformer: bigintToNumber }) bytesTotal: number;
  @Column({ name: 'bytes_done', type: 'bigint', transformer: bigintToNumber }) bytesDone: number;
  @Column({ name: 'rate_messages_per_s', type: 'real', nullable: true }) rateMessagesPerS:
    number | null;
  @Column({ name: 'eta_s', type: 'int', nullable: true }) etaS: number | null;
  @Column({ name: 'progress_at', type: 'timestamptz', nullable: true }) progressAt: Date | null;
  @Column({ name: 'frozen_at', type: 'timestamptz', nullable: true }) frozenAt: Date | null;
  @Column({ name: 'flipped_at', type: 'timestamptz', nullable: true }) flippedAt: Date | null;
  @Column({ name: 'retain_until', type: 'timestamptz', nullable: true }) retainUntil: Date | null;
  @Column({ type: 'jsonb', nullable: true }) verification: unknown;
  @Column({ name: 'requested_by', type: 'int', nullable: true }) requestedBy: number | null;
  @Column({ name: 'rebalance_plan_id', type: 'int', nullable: true }) rebalancePlanId:
    number | null;
  @Column({ name: 'cancel_requested', type: 'boolean' }) cancelRequested: boolean;
  @Column({ type: 'int' }) attempts: number;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'started_at', type: 'timestamptz', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true }) finishedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../columns';

/** A single-use password reset link for a mail user; only the SHA-256 of the token is stored. */
@Entity('password_resets')
export class PasswordReset {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'mailbox_id', type: 'bigint', transformer: bigintToNumber }) mailboxId: number;
  @Column({ name: 'token_hash', type: 'text', select: false }) tokenHash: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt: Date | null;
  @Column({ name: 'created_by', type: 'int', nullable: true }) createdBy: number | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

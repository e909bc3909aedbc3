import { BackendHealth, BackendState, TlsMode } from '@roost/core';
import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { bigintToNumber } from '../columns';

@Entity('backends')
export class Backend {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'imap_host', type: 'text' }) imapHost: string;
  @Column({ name: 'imap_port', type: 'int' }) imapPort: number;
  @Column({ name: 'pop3_port', type: 'int', nullable: true }) pop3Port: number | null;
  @Column({ name: 'lmtp_host', type: 'text' }) lmtpHost: string;
  @Column({ name: 'lmtp_port', type: 'int' }) lmtpPort: number;
  @Column({ name: 'sieve_port', type: 'int', nullable: true }) sievePort: number | null;
  @Column({ name: 'admin_user', type: 'text' }) adminUser: string;
  /** Where the admin password lives (`env:NAME` or `file:/path`); the secret itself never enters the database. */
  @Column({ name: 'admin_secret_ref', type: 'text' }) adminSecretRef: string;
  /** argv template for commands on the backend host, `{action}` and `{user}` substituted (e.g. cyr_deny). */
  @Column({ name: 'control_command', type: 'jsonb', nullable: true }) controlCommand:
    string[] | null;
  @Column({ name: 'tls_mode', type: 'text' }) tlsMode: TlsMode;
  @Column({ name: 'tls_verify', type: 'boolean' }) tlsVerify: boolean;
  @Column({ name: 'capacity_bytes', type: 'bigint', transformer: bigintToNumber })
  capacityBytes: number;
  @Column({ name: 'capacity_mailboxes', type: 'int' }) capacityMailboxes: number;
  @Column({ type: 'int' }) weight: number;
  @Column({ type: 'text' }) state: BackendState;
  @Column({ name: 'health', type: 'text' }) health: BackendHealth;
  @Column({ name: 'health_checked_at', type: 'timestamptz', nullable: true })
  healthCheckedAt: Date | null;
  @Column({ name: 'health_latency_ms', type: 'int', nullable: true }) healthLatencyMs:
    number | null;
  @Column({ name: 'health_failures', type: 'int' }) healthFailures: number;
  @Column({ name: 'health_error', type: 'text', nullable: true }) healthError: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A bearer secret held by an admin: a browser session or a personal API token.
 * Only the SHA-256 of the secret is stored.
 */
@Entity('admin_credentials')
export class AdminCredential {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'admin_id', type: 'int' }) adminId: number;
  @Column({ type: 'text' }) kind: 'session' | 'api-token';
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'secret_hash', type: 'text', select: false }) secretHash: string;
  /** First characters of the secret, shown so a person can tell tokens apart. */
  @Column({ type: 'text' }) prefix: string;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt: Date | null;
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true }) revokedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

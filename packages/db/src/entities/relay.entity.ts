import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A Postfix front relay and the command that reloads or flushes it (local, or over ssh). */
@Entity('relays')
export class Relay {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) name: string;
  /** argv as JSON, `{action}` replaced by reload | flush, e.g. ["postfix","-c","/etc/postfix-relay","{action}"]. */
  @Column({ name: 'control_command', type: 'jsonb' }) controlCommand: string[];
  @Column({ type: 'boolean' }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Mail for `name` is delivered as if sent to the same local part in the target domain. */
@Entity('alias_domains')
export class AliasDomain {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'target_domain_id', type: 'int' }) targetDomainId: number;
  @Column({ type: 'boolean' }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

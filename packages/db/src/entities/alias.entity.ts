import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity('aliases')
export class Alias {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'domain_id', type: 'int' }) domainId: number;
  /** Empty for the catch-all `@domain`. */
  @Column({ name: 'local_part', type: 'text' }) localPart: string;
  @Column({ type: 'text' }) address: string;
  @Column({ type: 'text', array: true }) targets: string[];
  @Column({ type: 'boolean' }) active: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The recorded result of one control command run against a relay or a backend host. */
@Entity('relay_calls')
export class RelayCall {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: number;
  @Column({ name: 'relay_id', type: 'int', nullable: true }) relayId: number | null;
  @Column({ name: 'backend_id', type: 'int', nullable: true }) backendId: number | null;
  @Column({ type: 'text' }) action: string;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'exit_code', type: 'int', nullable: true }) exitCode: number | null;
  @Column({ type: 'text' }) output: string;
  @Column({ name: 'duration_ms', type: 'int' }) durationMs: number;
  @Column({ type: 'timestamptz' }) at: Date;
}

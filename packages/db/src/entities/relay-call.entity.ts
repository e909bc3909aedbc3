import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The recorded result of one control command run against a relay or backend host. */
@Entity('relay_calls')
export class RelayCall {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: number;
  @Column({ name: 'relay_id', type: 'int' }) relayId: number;
  @Column({ type: 'text' }) action: string;
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'exit_code', type: 'int', nullable: true }) exitCode: number | null;
  @Column({ type: 'text' }) output: string;
  @Column({ name: 'duration_ms', type: 'int' }) durationMs: number;
  @Column({ type: 'timestamptz' }) at: Date;
}

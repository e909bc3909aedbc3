import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../columns';

/** Per-folder checkpoint of a move: a killed worker resumes after `lastCopiedUid`. */
@Entity('move_folders')
export class MoveFolder {
  @PrimaryColumn({ name: 'move_id', type: 'bigint', transformer: bigintToNumber }) moveId: number;
  @PrimaryColumn({ type: 'text' }) name: string;
  @Column({
    name: 'source_uidvalidity',
    type: 'bigint',
    nullable: true,
    transformer: bigintToNumber,
  })
  sourceUidvalidity: number | null;
  @Column({ name: 'last_copied_uid', type: 'bigint', transformer: bigintToNumber })
  lastCopiedUid: number;
  @Column({ name: 'highest_modseq', type: 'text', nullable: true }) highestModseq: string | null;
  @Column({ name: 'messages_total', type: 'int' }) messagesTotal: number;
  @Column({ name: 'messages_done', type: 'int' }) messagesDone: number;
  @Column({ name: 'bytes_total', type: 'bigint', transformer: bigintToNumber }) bytesTotal: number;
  @Column({ name: 'bytes_done', type: 'bigint', transformer: bigintToNumber }) bytesDone: number;
  @Column({ type: 'boolean' }) done: boolean;
}

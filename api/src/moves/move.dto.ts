import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { MoveEngine } from '@roost/core';
import { IsEnum, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

export class CreateMoveDto {
  @ApiProperty({ example: 42 })
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  mailboxId: number;

  @ApiProperty({ example: 2, description: 'the backend the mailbox moves to' })
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  targetBackendId: number;

  @ApiPropertyOptional({
    enum: MoveEngine,
    default: MoveEngine.Imap,
    description: 'imap: copy as the owner; xfer: Cyrus XFER (keeps UIDs, runs inside the freeze)',
  })
  @IsOptional()
  @IsEnum(MoveEngine)
  engine?: MoveEngine;

  @ApiPropertyOptional({ description: 'why (ticket); kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class MoveActionDto {
  @ApiPropertyOptional({ description: 'why (ticket); kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

/** 1 PiB: far above any mailbox, far below 2^53. */
export const MAX_BYTES = 2 ** 50;

/** An optional byte count; `null` clears a limit where the column allows it. */
export function OptionalBytes(description: string) {
  return applyDecorators(
    ApiPropertyOptional({ description, type: Number, nullable: true, example: 1073741824 }),
    IsOptional(),
    IsInt({ message: 'must be an integer number of bytes' }),
    Min(0, { message: 'must not be negative' }),
    Max(MAX_BYTES, { message: `must be at most ${MAX_BYTES}` }),
  );
}

export function OptionalCount(description: string, max = 100_000_000) {
  return applyDecorators(
    ApiPropertyOptional({ description, type: Number, nullable: true }),
    IsOptional(),
    IsInt({ message: 'must be an integer' }),
    Min(0, { message: 'must not be negative' }),
    Max(max, { message: `must be at most ${max}` }),
  );
}

export function OptionalBool(description: string) {
  return applyDecorators(
    ApiPropertyOptional({ description, type: Boolean }),
    IsOptional(),
    IsBoolean(),
  );
}

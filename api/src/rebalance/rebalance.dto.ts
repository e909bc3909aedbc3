import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_BYTES } from '../common/dto';

const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;

export class CreatePlanDto {
  @ApiPropertyOptional({
    description: "allowed distance from a backend's target fill, as a fraction of its capacity",
    default: 0.05,
    example: 0.05,
  })
  @IsOptional()
  @IsNumber({}, { message: 'must be a number' })
  @Min(0)
  @Max(0.5)
  tolerance?: number;

  @ApiPropertyOptional({ description: 'plan at most this many moves' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxMoves?: number;

  @ApiPropertyOptional({ description: 'plan at most this many bytes' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BYTES)
  maxBytes?: number;

  @ApiPropertyOptional({
    description: 'moves running at once per backend (source or target)',
    default: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(50)
  maxMovesPerBackend?: number;

  @ApiPropertyOptional({
    description: 'maintenance window start (HH:MM, UTC); new moves start only inside it',
    example: '01:00',
  })
  @IsOptional()
  @IsString()
  @Matches(TIME, { message: 'must be HH:MM' })
  windowStart?: string;

  @ApiPropertyOptional({
    description: 'maintenance window end (HH:MM, UTC); may be before the start (overnight)',
    example: '05:00',
  })
  @IsOptional()
  @IsString()
  @Matches(TIME, { message: 'must be HH:MM' })
  windowEnd?: string;

  @ApiPropertyOptional({ description: 'why (ticket); kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class PlanActionDto {
  @ApiPropertyOptional({ description: 'why (ticket); kept in the audit log' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_BYTES } from '../common/dto';

export class CreateMailboxDto {
  @ApiProperty({ example: 'alice@example.com' })
  @IsString()
  @MaxLength(320)
  address: string;

  @ApiPropertyOptional({ example: 'Alice Example' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  displayName?: string;

  @ApiPropertyOptional({ description: "bytes; the domain's default when absent" })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(0, { message: 'must not be negative' })
  @Max(MAX_BYTES)
  quotaBytes?: number;

  @ApiPropertyOptional({
    description:
      'a strong password; one is generated (and returned once) when neither this nor passwordHash is given',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({
    description:
      'an imported hash: {ARGON2ID}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}, {MD5-CRYPT}, {SSHA}, {SSHA512}',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  passwordHash?: string;

  @ApiPropertyOptional({ description: 'rebalancing never moves a pinned mailbox' })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class UpdateMailboxDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) displayName?: string;

  @ApiPropertyOptional({ description: "bytes, within the domain's limits" })
  @IsOptional()
  @IsInt({ message: 'must be an integer number of bytes' })
  @Min(0, { message: 'must not be negative' })
  @Max(MAX_BYTES)
  quotaBytes?: number;

  @ApiPropertyOptional({ description: 'superadmin only' })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class RenameMailboxDto {
  @ApiProperty({
    example: 'alice.smith@example.com',
    description: 'the new address, in the same domain',
  })
  @IsString()
  @MaxLength(320)
  address: string;
}

export class MailboxActionDto {
  @ApiPropertyOptional({ description: 'why, or a ticket reference (kept in the audit log)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { BackendState, TlsMode } from '@roost/core';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_BYTES } from '../common/dto';

const HOST = /^([A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9a-fA-F:.]{2,45})$/;
const HOST_MSG = { message: 'must be a host name or IP address' };
const SECRET_REF = /^(env:[A-Z_][A-Z0-9_]{0,63}|file:\/[^\0\s]{1,255})$/;

export class CreateBackendDto {
  @ApiProperty({ example: 'cyrus-1' })
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
    message: 'must be 1-63 lower-case letters, digits, . _ or -',
  })
  name: string;

  @ApiProperty({ example: '10.0.0.11' }) @IsString() @Matches(HOST, HOST_MSG) imapHost: string;
  @ApiProperty({ example: 143 }) @IsInt() @Min(1) @Max(65535) imapPort: number;
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsInt() @Min(1) @Max(65535) pop3Port?:
    number | null;
  @ApiProperty({ example: '10.0.0.11' }) @IsString() @Matches(HOST, HOST_MSG) lmtpHost: string;
  @ApiProperty({ example: 24 }) @IsInt() @Min(1) @Max(65535) lmtpPort: number;
  @ApiPropertyOptional({ nullable: true, example: 4190 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  sievePort?: number | null;

  @ApiPropertyOptional({ example: 'cyrus' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._@-]{1,64}$/, { message: 'must be 1-64 letters, digits, . _ @ or -' })
  adminUser?: string;

  @ApiProperty({
    description: 'where the admin password lives: env:NAME or file:/path',
    example: 'env:CYRUS1_PASSWORD',
  })
  @IsString()
  @Matches(SECRET_REF, { message: 'must be env:NAME or file:/absolute/path' })
  adminSecretRef: string;

  @ApiPropertyOptional({
    description: 'argv run on the backend host; {action} and {user} substituted',
    nullable: true,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsString({ each: true })
  @MaxLength(512, { each: true })
  controlCommand?: string[] | null;

  @ApiPropertyOptional({ enum: TlsMode }) @IsOptional() @IsEnum(TlsMode) tlsMode?: TlsMode;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() tlsVerify?: boolean;
  @ApiProperty() @IsInt() @Min(1) @Max(MAX_BYTES) capacityBytes: number;
  @ApiProperty() @IsInt() @Min(1) @Max(100_000_000) capacityMailboxes: number;
  @ApiPropertyOptional({ description: '0 takes no new mailboxes', example: 100 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10_000)
  weight?: number;

  @ApiPropertyOptional({ enum: BackendState })
  @IsOptional()
  @IsEnum(BackendState)
  state?: BackendState;
}

export class UpdateBackendDto extends PartialType(OmitType(CreateBackendDto, ['name'] as const)) {}

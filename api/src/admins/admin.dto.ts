import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Role } from '@roost/core';
import {
  ArrayMaxSize,
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

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

export class CreateAdminDto {
  @ApiProperty({ example: 'jane' })
  @IsString()
  @Matches(USERNAME, { message: 'must be 1-64 lower-case letters, digits, . _ @ or -' })
  username: string;

  @ApiProperty({ enum: Role })
  @IsEnum(Role)
  role: Role;

  @ApiPropertyOptional({ description: 'generated and returned once when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ description: 'scope of a domain admin or support', type: [Number] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  domainIds?: number[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ description: 'must sign in with a TOTP code' })
  @IsOptional()
  @IsBoolean()
  totpRequired?: boolean;
}

export class UpdateAdminDto {
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role) role?: Role;

  @ApiPropertyOptional({ description: "sets a new password and ends the admin's sessions" })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ type: [Number] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2_147_483_647, { each: true })
  domainIds?: number[];

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() totpRequired?: boolean;
  @ApiPropertyOptional({ description: 'true removes the enrolled TOTP authenticator (lost phone)' })
  @IsOptional()
  @IsBoolean()
  resetTotp?: boolean;
}

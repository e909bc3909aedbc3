import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username: string;

  @ApiProperty()
  @IsString()
  @Length(1, 256)
  password: string;

  @ApiPropertyOptional({ description: '6-digit TOTP code, when the account has TOTP' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  totp?: string;
}

export class ChangeOwnPasswordDto {
  @ApiProperty()
  @IsString()
  @Length(1, 256)
  currentPassword: string;

  @ApiProperty()
  @IsString()
  @MaxLength(256)
  newPassword: string;
}

export class TotpCodeDto {
  @ApiProperty({ example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

export class CreateTokenDto {
  @ApiProperty({ example: 'ci deploys' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ description: 'days until it expires; never when absent', example: 90 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;
}

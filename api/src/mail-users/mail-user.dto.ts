import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export class PasswordResetDto {
  @ApiProperty({
    enum: ['temporary', 'link'],
    description: 'temporary: set a password the user must change; link: a single-use reset link',
  })
  @IsIn(['temporary', 'link'])
  mode: 'temporary' | 'link';

  @ApiPropertyOptional({
    description: 'temporary mode: the password to set; generated (and returned once) when absent',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ description: 'why, or a ticket reference; required for support' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class ChangeMailPasswordDto {
  @ApiProperty({ example: 'alice@example.com' }) @IsString() @MaxLength(320) address: string;
  @ApiProperty() @IsString() @Length(1, 256) currentPassword: string;
  @ApiProperty() @IsString() @MaxLength(256) newPassword: string;
}

export class ResetMailPasswordDto {
  @ApiProperty()
  @IsString()
  @Matches(/^rr_[A-Za-z0-9_-]{43}$/, { message: 'is not a reset token' })
  token: string;
  @ApiProperty() @IsString() @MaxLength(256) newPassword: string;
}

export class CheckResetTokenDto {
  @ApiProperty()
  @IsString()
  @Matches(/^rr_[A-Za-z0-9_-]{43}$/, { message: 'is not a reset token' })
  token: string;
}

export class UnlockDto {
  @ApiPropertyOptional({ description: 'why, or a ticket reference; required for support' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';

export class VerifyMailLoginDto {
  @ApiProperty({ description: 'Login (an address); hex-encoded UTF-8 when encoding is "hex"' })
  @IsString()
  @Length(1, 2048)
  user: string;

  @ApiProperty({ description: 'Password; hex-encoded UTF-8 when encoding is "hex"' })
  @IsString()
  @Length(1, 4096)
  password: string;

  @ApiPropertyOptional({
    enum: ['hex'],
    description: 'Lets a shell script (the PAM check) send any bytes without JSON escaping',
  })
  @IsOptional()
  @IsIn(['hex'])
  encoding?: 'hex';

  @ApiPropertyOptional({ description: 'SASL service of the asking backend (imap, pop, sieve)' })
  @IsOptional()
  @IsString()
  @Length(0, 32)
  service?: string;

  @ApiPropertyOptional({
    description: "The asking backend's name in Roost: refused unless it is the user's backend",
  })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,62}$/)
  backend?: string;
}

export class MailLookupQueryDto {
  @ApiProperty({ example: 'alice@example.com' })
  @IsString()
  @Length(1, 320)
  user: string;
}

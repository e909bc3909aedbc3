import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class CreateAliasDomainDto {
  @ApiProperty({ example: 'example.net' })
  @IsString()
  @MaxLength(253)
  name: string;

  @ApiProperty({ description: 'the domain whose mailboxes and aliases it mirrors' })
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  targetDomainId: number;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateAliasDomainDto {
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(2_147_483_647) targetDomainId?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}
